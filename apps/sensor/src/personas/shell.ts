// The fake shell the SSH and Telnet personas hand to an attacker who guessed a password. It is a
// small emulation written here on purpose: honeypot shells must never run anything, and no library
// offers a bash look-alike over an in-memory filesystem that varies per sensor (Cowrie's, the usual
// one, is Python and its defaults are fingerprinted by botnets). Everything an attacker types is
// recorded; downloads are recorded and fail, nothing ever touches the network or the real disk.
import { type Rng, toRomaji } from '@mamori/decoys';
import type { SensorIdentity } from '../core/identity.ts';
import type { SensorSession } from '../core/persona.ts';

/** Longest line the shell keeps; the rest of a longer line is dropped. */
export const MAX_LINE = 4096;
/** Output of one line is cut here (no command should print more, but `cat` of a big file could). */
const MAX_OUTPUT = 256 * 1024;
/** Largest file an attacker may write into the fake filesystem. */
const MAX_FILE = 64 * 1024;
/** Nodes an attacker may add to the fake filesystem in one session. */
const MAX_NEW_NODES = 2000;
/** Bytes an attacker may write into the fake filesystem in one session. */
const MAX_FS_BYTES = 1024 * 1024;
/** Longest file name (as on ext4). */
const MAX_NAME = 255;
/** Simple commands run per line (`a; b; c …`). */
const MAX_PARTS = 64;
/** Nesting of `$(…)`, `sh -c`, `bash script` and `sudo`. */
const MAX_DEPTH = 4;
/** Downloads recorded per line (a loop of 1000 wgets need not make 1000 events). */
const MAX_DOWNLOADS = 16;
/** Lines kept for `history`. */
const MAX_HISTORY = 100;

/** When this process started: fake boot times are offsets from it, so uptime grows like a real one. */
const PROCESS_START = Date.now();

// ---------------------------------------------------------------------------------------------
// Host profile: the facts of the fake machine, derived from the sensor's identity.

type Family = 'ubuntu' | 'debian' | 'rhel';

/** What the fake machine looks like, from the identity's seed. */
export type HostProfile = {
  family: Family;
  hostname: string;
  fqdn: string;
  distro: string;
  kernel: string;
  /** `uname -v`. */
  kernelVersion: string;
  /** bash 5.1+ names the line in `-c` errors (`bash: line 1: foo: command not found`). */
  bashLineNumbers: boolean;
  iface: string;
  ip: string;
  gateway: string;
  mac: string;
  /** Other hosts of the fake hospital network (for /etc/hosts and configs). */
  dbHost: string;
  pacsHost: string;
  backupHost: string;
  cpus: number;
  cpuModel: string;
  memKb: number;
  diskGb: number;
  diskUsedPct: number;
  bootAt: number;
  /** Interactive accounts besides root: the IT admin and a doctor. */
  admin: string;
  doctor: string;
  emrSystem: string;
  dbPassword: string;
  /** Base of file modification times (ms). */
  epoch: number;
};

const profiles = new WeakMap<SensorIdentity, HostProfile>();

/** The fake machine for an identity (computed once). */
export function hostProfile(identity: SensorIdentity): HostProfile {
  const cached = profiles.get(identity);
  if (cached) return cached;
  const rng = identity.rng('shell');
  const distro = identity.linux.distro;
  const family: Family = distro.startsWith('Ubuntu') ? 'ubuntu' : distro.startsWith('Debian') ? 'debian' : 'rhel';
  const kernel = identity.linux.kernel;
  const abi = Number(/-(\d+)/.exec(kernel)?.[1] ?? '1');
  const buildDate = new Date(
    Date.UTC(2024, rng.int(0, 5), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59), rng.int(0, 59)),
  );
  const kernelVersion =
    family === 'ubuntu'
      ? `#${abi + rng.int(8, 14)}-Ubuntu SMP ${unameDate(buildDate)}`
      : family === 'debian'
        ? `#1 SMP Debian ${kernel.replace(/-.*$/, '')}.${rng.int(100, 220)}-${rng.int(1, 3)} (${buildDate.toISOString().slice(0, 10)})`
        : `#1 SMP ${unameDate(buildDate)}`;
  const n = rng.fork('net');
  const b = n.int(1, 254);
  const c = n.int(0, 254);
  const d = n.int(20, 200);
  const hex = (x: number) => x.toString(16).padStart(2, '0');
  const doctor = toRomaji(identity.organisation.doctors[0]?.surnameKana ?? '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const p: HostProfile = {
    family,
    hostname: identity.hostname,
    fqdn: `${identity.hostname}.${identity.domain}`,
    distro,
    kernel,
    kernelVersion,
    bashLineNumbers: /22\.04|bullseye|bookworm/.test(distro),
    iface: family === 'rhel' ? n.pick(['ens192', 'eth0']) : n.pick(['ens160', 'ens18', 'eth0']),
    ip: `10.${b}.${c}.${d}`,
    gateway: `10.${b}.${c}.${n.pick([1, 254])}`,
    mac: `00:50:56:${hex(n.int(0, 0x3f))}:${hex(n.int(0, 255))}:${hex(n.int(0, 255))}`,
    dbHost: `10.${b}.${c}.${d + n.int(1, 9)}`,
    pacsHost: `10.${b}.${c}.${d + n.int(10, 30)}`,
    backupHost: `10.${b}.${(c + 1) % 255}.${n.int(10, 60)}`,
    cpus: rng.pick([2, 4, 4, 8, 8, 16]),
    cpuModel: rng.pick([
      'Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz',
      'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz',
      'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
      'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
      'Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz',
    ]),
    memKb: rng.pick([8, 16, 16, 32, 64]) * 1024 * 1024 - rng.int(100_000, 400_000),
    diskGb: rng.pick([98, 196, 245, 490]),
    diskUsedPct: rng.int(28, 81),
    bootAt: PROCESS_START - rng.int(3 * 86_400, 190 * 86_400) * 1000,
    admin: rng.pick(['sysadmin', 'itadmin', 'emradmin', 'kanri', 'joho']),
    doctor: doctor || 'ishii',
    emrSystem: identity.organisation.system.toLowerCase().replace(/[^a-z0-9]/g, '') || 'emr',
    dbPassword: `${rng.pick(['Emr', 'Hosp', 'Karte', 'Med'])}${rng.int(2015, 2024)}${rng.pick(['!', '#', '$', ''])}${identity.orgSlug.slice(0, 4)}`,
    epoch: PROCESS_START,
  };
  profiles.set(identity, p);
  return p;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (x: number) => String(x).padStart(2, '0');

function unameDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The machine's local time (Japan, no DST) as a Date whose UTC fields read as JST. */
const jst = (ms: number) => new Date(ms + 9 * 3600_000);
const hhmm = (ms: number) => {
  const d = jst(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
};
const hhmmss = (ms: number) => `${hhmm(ms)}:${two(jst(ms).getUTCSeconds())}`;
function dateLine(ms: number): string {
  const d = jst(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hhmmss(ms)} JST ${d.getUTCFullYear()}`;
}

// ---------------------------------------------------------------------------------------------
// Fake filesystem: a tree in memory, built per session from the profile.

type Meta = { mode: number; owner: string; group: string; mtime: number };
type DirNode = Meta & { type: 'dir'; children: Map<string, FsNode> };
type FileNode = Meta & { type: 'file'; content: string | (() => string); size?: number };
type LinkNode = Meta & { type: 'link'; target: string };
type FsNode = DirNode | FileNode | LinkNode;

/** The fake filesystem of one session (attackers' writes stay in it and die with it). */
export type FakeFs = { root: DirNode; added: number; bytes: number };

type Users = { name: string; uid: number; home: string; shell: string; gecos: string }[];

function usersOf(p: HostProfile, login: string): Users {
  const users: Users = [
    { name: p.admin, uid: 1000, home: `/home/${p.admin}`, shell: '/bin/bash', gecos: 'IT admin,,,' },
    { name: p.doctor, uid: 1001, home: `/home/${p.doctor}`, shell: '/bin/bash', gecos: `${p.doctor},,,` },
  ];
  if (login !== 'root' && !users.some((u) => u.name === login) && !SYSTEM_USERS.some((u) => u[0] === login)) {
    users.push({ name: login, uid: 1002, home: `/home/${login}`, shell: '/bin/bash', gecos: ',,,' });
  }
  return users;
}

const SYSTEM_USERS: [string, number, string, string][] = [
  ['daemon', 1, '/usr/sbin', 'daemon'],
  ['bin', 2, '/bin', 'bin'],
  ['sys', 3, '/dev', 'sys'],
  ['sync', 4, '/bin', 'sync'],
  ['games', 5, '/usr/games', 'games'],
  ['man', 6, '/var/cache/man', 'man'],
  ['lp', 7, '/var/spool/lpd', 'lp'],
  ['mail', 8, '/var/mail', 'mail'],
  ['news', 9, '/var/spool/news', 'news'],
  ['uucp', 10, '/var/spool/uucp', 'uucp'],
  ['proxy', 13, '/bin', 'proxy'],
  ['www-data', 33, '/var/www', 'www-data'],
  ['backup', 34, '/var/backups', 'backup'],
  ['list', 38, '/var/list', 'Mailing List Manager'],
  ['nobody', 65534, '/nonexistent', 'nobody'],
  ['systemd-network', 100, '/run/systemd', 'systemd Network Management,,,'],
  ['messagebus', 103, '/nonexistent', ''],
  ['sshd', 105, '/run/sshd', ''],
  ['postgres', 113, '/var/lib/postgresql', 'PostgreSQL administrator,,,'],
];

function passwdFile(p: HostProfile, users: Users): string {
  const lines = ['root:x:0:0:root:/root:/bin/bash'];
  for (const [name, uid, home, gecos] of SYSTEM_USERS) {
    const shell = name === 'sync' ? '/bin/sync' : name === 'postgres' ? '/bin/bash' : '/usr/sbin/nologin';
    lines.push(
      `${name}:x:${uid}:${uid === 65534 ? 65534 : uid}:${gecos}:${home}:${p.family === 'rhel' ? shell.replace('/usr/sbin/nologin', '/sbin/nologin') : shell}`,
    );
  }
  for (const u of users) lines.push(`${u.name}:x:${u.uid}:${u.uid}:${u.gecos}:${u.home}:${u.shell}`);
  return `${lines.join('\n')}\n`;
}

/** PRETTY_NAME from the host's os-release (what `\S` prints in /etc/issue). */
export function prettyName(p: HostProfile): string {
  return /^PRETTY_NAME="([^"]*)"/m.exec(osRelease(p))?.[1] ?? p.distro;
}

function osRelease(p: HostProfile): string {
  const d = p.distro;
  const ubuntu = /Ubuntu (\d+\.\d+)(\.\d+)? LTS/.exec(d);
  if (ubuntu) {
    const code = ubuntu[1] === '22.04' ? ['jammy', 'Jammy Jellyfish'] : ['focal', 'Focal Fossa'];
    return [
      `PRETTY_NAME="${d}"`,
      'NAME="Ubuntu"',
      `VERSION_ID="${ubuntu[1]}"`,
      `VERSION="${ubuntu[1]}${ubuntu[2] ?? ''} LTS (${code[1]})"`,
      `VERSION_CODENAME=${code[0]}`,
      'ID=ubuntu',
      'ID_LIKE=debian',
      'HOME_URL="https://www.ubuntu.com/"',
      'SUPPORT_URL="https://help.ubuntu.com/"',
      'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"',
      'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"',
      `UBUNTU_CODENAME=${code[0]}`,
      '',
    ].join('\n');
  }
  const debian = /Debian GNU\/Linux (\d+) \((\w+)\)/.exec(d);
  if (debian) {
    return [
      `PRETTY_NAME="${d}"`,
      'NAME="Debian GNU/Linux"',
      `VERSION_ID="${debian[1]}"`,
      `VERSION="${debian[1]} (${debian[2]})"`,
      `VERSION_CODENAME=${debian[2]}`,
      'ID=debian',
      'HOME_URL="https://www.debian.org/"',
      'SUPPORT_URL="https://www.debian.org/support"',
      'BUG_REPORT_URL="https://bugs.debian.org/"',
      '',
    ].join('\n');
  }
  if (d.startsWith('CentOS')) {
    return [
      'NAME="CentOS Linux"',
      'VERSION="7 (Core)"',
      'ID="centos"',
      'ID_LIKE="rhel fedora"',
      'VERSION_ID="7"',
      'PRETTY_NAME="CentOS Linux 7 (Core)"',
      'ANSI_COLOR="0;31"',
      'CPE_NAME="cpe:/o:centos:centos:7"',
      'HOME_URL="https://www.centos.org/"',
      'BUG_REPORT_URL="https://bugs.centos.org/"',
      '',
    ].join('\n');
  }
  const rhel = /release (\d+)\.(\d+) \((\w+)\)/.exec(d);
  const [major, minor, code] = rhel ? [rhel[1], rhel[2], rhel[3]] : ['8', '8', 'Ootpa'];
  return [
    'NAME="Red Hat Enterprise Linux"',
    `VERSION="${major}.${minor} (${code})"`,
    'ID="rhel"',
    'ID_LIKE="fedora"',
    `VERSION_ID="${major}.${minor}"`,
    `PLATFORM_ID="platform:el${major}"`,
    `PRETTY_NAME="Red Hat Enterprise Linux ${major}.${minor} (${code})"`,
    'ANSI_COLOR="0;31"',
    `CPE_NAME="cpe:/o:redhat:enterprise_linux:${major}::baseos"`,
    'HOME_URL="https://www.redhat.com/"',
    '',
  ].join('\n');
}

/** Commands the shell answers, so `which`, `ls /usr/bin` and `type` agree with what runs. */
const BIN_COMMANDS = [
  'awk',
  'base64',
  'bash',
  'busybox',
  'cat',
  'chmod',
  'chown',
  'cp',
  'crontab',
  'curl',
  'cut',
  'date',
  'df',
  'echo',
  'egrep',
  'env',
  'false',
  'free',
  'ftp',
  'grep',
  'head',
  'hostname',
  'id',
  'ip',
  'kill',
  'ls',
  'lscpu',
  'mkdir',
  'mv',
  'nohup',
  'nproc',
  'passwd',
  'perl',
  'ping',
  'ps',
  'pwd',
  'python3',
  'rm',
  'scp',
  'sh',
  'sleep',
  'sort',
  'ssh',
  'su',
  'sudo',
  'tail',
  'tar',
  'tftp',
  'top',
  'touch',
  'true',
  'uname',
  'uniq',
  'uptime',
  'w',
  'wc',
  'wget',
  'which',
  'who',
  'whoami',
  'dash',
  'netstat',
  'ifconfig',
  'last',
  'md5sum',
  'openssl',
  'psql',
  'systemctl',
  'journalctl',
  'vi',
  'nano',
];
const SBIN_COMMANDS = ['ifconfig', 'ip', 'chpasswd', 'useradd', 'iptables', 'reboot', 'shutdown', 'sshd', 'route'];

/** Builds the session's filesystem: system files that match the identity, and a hospital's server files. */
export function createFakeFs(identity: SensorIdentity, login: string): FakeFs {
  const p = hostProfile(identity);
  const rng = identity.rng('shell-fs');
  const users = usersOf(p, login);
  const t = (daysAgo: number) => p.epoch - daysAgo * 86_400_000 - rng.int(0, 86_399) * 1000;
  const dir = (mode = 0o755, owner = 'root', mtime = t(rng.int(30, 400))): DirNode => ({
    type: 'dir',
    mode,
    owner,
    group: owner,
    mtime,
    children: new Map(),
  });
  const root = dir();
  const put = (path: string, node: FsNode) => {
    const parts = path.split('/').filter(Boolean);
    let cur = root;
    for (const part of parts.slice(0, -1)) {
      let next = cur.children.get(part);
      if (next?.type !== 'dir') {
        next = dir(0o755, cur === root ? 'root' : cur.owner, cur.mtime);
        cur.children.set(part, next);
      }
      cur = next;
    }
    cur.children.set(parts[parts.length - 1] as string, node);
  };
  const file = (
    path: string,
    content: string | (() => string),
    mode = 0o644,
    owner = 'root',
    days = rng.int(30, 400),
    size?: number,
    group = owner,
  ) => put(path, { type: 'file', mode, owner, group, mtime: t(days), content, size });
  const mkdirp = (path: string, mode = 0o755, owner = 'root', days = rng.int(1, 400)) =>
    put(path, dir(mode, owner, t(days)));
  const link = (path: string, target: string) =>
    put(path, { type: 'link', target, mode: 0o777, owner: 'root', group: 'root', mtime: t(900) });

  for (const d of [
    'usr',
    'usr/bin',
    'usr/sbin',
    'usr/lib',
    'usr/lib64',
    'usr/local',
    'usr/local/bin',
    'usr/share',
    'boot',
    'dev',
    'etc',
    'home',
    'media',
    'mnt',
    'opt',
    'proc',
    'run',
    'srv',
    'sys',
    'var',
    'var/log',
    'var/lib',
    'var/backups',
    'var/tmp',
    'var/www',
    'var/spool',
    'var/spool/cron',
  ]) {
    mkdirp(d, 0o755, 'root', rng.int(100, 900));
  }
  mkdirp('tmp', 0o1777, 'root', 0);
  mkdirp('root', 0o700, 'root', rng.int(0, 20));
  link('bin', 'usr/bin');
  link('sbin', 'usr/sbin');
  link('lib', 'usr/lib');
  link('lib64', 'usr/lib64');
  for (const c of BIN_COMMANDS)
    file(`usr/bin/${c}`, '\x7fELF', 0o755, 'root', rng.int(200, 900), rng.int(14_000, 1_400_000));
  for (const c of SBIN_COMMANDS)
    file(`usr/sbin/${c}`, '\x7fELF', 0o755, 'root', rng.int(200, 900), rng.int(14_000, 900_000));
  file('dev/null', '', 0o666, 'root', 0);
  file(`boot/vmlinuz-${p.kernel}`, '\x7fELF', 0o600, 'root', 60, rng.int(9_000_000, 12_000_000));
  file(`boot/config-${p.kernel}`, '# Linux/x86 kernel configuration\n', 0o644, 'root', 60, rng.int(250_000, 270_000));

  // /etc
  file('etc/hostname', `${p.hostname}\n`);
  file(
    'etc/hosts',
    `127.0.0.1\tlocalhost\n127.0.1.1\t${p.fqdn}\t${p.hostname}\n${p.ip}\t${p.fqdn}\t${p.hostname}\n${p.dbHost}\temr-db.${identity.domain}\temr-db\n${p.pacsHost}\tpacs01.${identity.domain}\tpacs01\n${p.backupHost}\tbackup01.${identity.domain}\tbackup01\n\n::1\tip6-localhost ip6-loopback\n`,
  );
  file('etc/passwd', passwdFile(p, users));
  file(
    'etc/group',
    `root:x:0:\nadm:x:4:syslog,${p.admin}\nsudo:x:27:${p.admin}\nwheel:x:10:${p.admin}\nshadow:x:42:\n${users.map((u) => `${u.name}:x:${u.uid}:`).join('\n')}\n`,
  );
  file(
    'etc/shadow',
    `root:!:19${rng.int(500, 899)}:0:99999:7:::\n${users.map((u) => `${u.name}:$y$j9T$${randomB64(rng, 22)}$${randomB64(rng, 43)}:19${rng.int(500, 899)}:0:99999:7:::`).join('\n')}\n`,
    0o640,
    'root',
    rng.int(30, 200),
    undefined,
    'shadow',
  );
  file('etc/os-release', osRelease(p));
  file('etc/issue', p.family === 'rhel' ? '\\S\nKernel \\r on an \\m\n\n' : `${p.distro} \\n \\l\n\n`);
  file('etc/issue.net', `${p.distro}\n`);
  if (p.family === 'rhel') file('etc/redhat-release', `${p.distro}\n`);
  else
    file(
      'etc/debian_version',
      p.family === 'debian' ? (p.distro.includes('12') ? '12.5\n' : '11.9\n') : 'bookworm/sid\n',
    );
  file('etc/timezone', 'Asia/Tokyo\n');
  file('etc/resolv.conf', `nameserver ${p.gateway}\nsearch ${identity.domain}\n`);
  file(
    'etc/fstab',
    `# /etc/fstab: static file system information.\nUUID=${uuid(rng)} / ${p.family === 'rhel' ? 'xfs' : 'ext4'} defaults 0 1\nUUID=${uuid(rng)} /boot ${p.family === 'rhel' ? 'xfs' : 'ext4'} defaults 0 2\n${p.backupHost}:/export/backup /mnt/backup nfs defaults,_netdev 0 0\n`,
  );
  file(
    'etc/crontab',
    `SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n30 2\t* * *\tpostgres /srv/${p.emrSystem}/bin/backup.sh >> /var/log/emr-backup.log 2>&1\n`,
  );
  file('etc/sudoers', 'Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n', 0o440);
  file(
    'etc/ssh/sshd_config',
    'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\nX11Forwarding yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n',
  );

  // /proc
  file(
    'proc/version',
    `Linux version ${p.kernel} (buildd@lcy02-amd64-${rng.int(10, 99)}) (gcc (GCC) 11.4.0, GNU ld 2.38) ${p.kernelVersion}\n`,
    0o444,
    'root',
    0,
  );
  file('proc/cpuinfo', cpuinfo(p), 0o444, 'root', 0);
  file('proc/meminfo', () => meminfo(p), 0o444, 'root', 0);
  file(
    'proc/uptime',
    () =>
      `${((Date.now() - p.bootAt) / 1000).toFixed(2)} ${(((Date.now() - p.bootAt) / 1000) * p.cpus * 0.97).toFixed(2)}\n`,
    0o444,
    'root',
    0,
  );
  file(
    'proc/loadavg',
    () => `${loadavg(p).join(' ')} 1/${rng.int(180, 320)} ${rng.int(10_000, 90_000)}\n`,
    0o444,
    'root',
    0,
  );

  // Homes
  file('root/.bashrc', '# ~/.bashrc: executed by bash(1) for non-login shells.\n', 0o644, 'root', 700);
  file('root/.profile', '# ~/.profile: executed by Bourne-compatible login shells.\n', 0o644, 'root', 700);
  file(
    'root/.bash_history',
    [
      `cd /srv/${p.emrSystem}`,
      'ls -la backup/',
      'df -h',
      `systemctl status ${p.emrSystem}-app`,
      `tail -n 100 /var/log/emr-backup.log`,
      `mount ${p.backupHost}:/export/backup /mnt/backup`,
      'exit',
      '',
    ].join('\n'),
    0o600,
    'root',
    2,
  );
  mkdirp('root/.ssh', 0o700, 'root', 200);
  file(
    'root/.ssh/authorized_keys',
    `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${randomB64(rng, 43)} ${p.admin}@it-pc01\n`,
    0o600,
    'root',
    200,
  );
  for (const u of users) {
    mkdirp(u.home.slice(1), 0o750, u.name, rng.int(0, 60));
    file(`${u.home.slice(1)}/.bashrc`, '# ~/.bashrc: executed by bash(1) for non-login shells.\n', 0o644, u.name, 500);
    file(
      `${u.home.slice(1)}/.profile`,
      '# ~/.profile: executed by Bourne-compatible login shells.\n',
      0o644,
      u.name,
      500,
    );
  }
  file(
    `home/${p.admin}/.bash_history`,
    [
      'sudo -i',
      `psql -h ${p.dbHost} -U emr_app ${p.emrSystem}db`,
      `ls -lh /srv/${p.emrSystem}/backup`,
      `scp /srv/${p.emrSystem}/backup/*.sql.gz backup@${p.backupHost}:/export/backup/`,
      `ssh backup@${p.backupHost}`,
      'exit',
      '',
    ].join('\n'),
    0o600,
    p.admin,
    1,
  );
  file(
    `home/${p.admin}/memo.txt`,
    `バックアップ先: ${p.backupHost}:/export/backup (NFS)\nDB: emr-db / emr_app\n障害時連絡: 情報システム課 内線 ${rng.int(2000, 2999)}\n`,
    0o644,
    p.admin,
    40,
  );
  file(`home/${p.doctor}/紹介状_下書き.docx`, 'PK\x03\x04', 0o644, p.doctor, 12, rng.int(20_000, 90_000));

  // The EMR application and its backups: what intruders look for.
  const srv = `srv/${p.emrSystem}`;
  mkdirp(srv, 0o755, 'postgres', 3);
  mkdirp(`${srv}/backup`, 0o750, 'postgres', 0);
  // Nightly dumps at 02:30 JST, the last seven nights as of now (a real backup directory keeps moving).
  const backupDir = lookup({ root, added: 0, bytes: 0 }, `/${srv}/backup`) as DirNode;
  const today = jst(Date.now());
  const lastRun = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 2, 30) - 9 * 3600_000;
  for (let i = 0; i < 7; i++) {
    const start = (lastRun > Date.now() ? lastRun - 86_400_000 : lastRun) - i * 86_400_000;
    const day = jst(start).toISOString().slice(0, 10);
    backupDir.children.set(`${p.emrSystem}db_${day}.sql.gz`, {
      type: 'file',
      mode: 0o640,
      owner: 'postgres',
      group: 'postgres',
      mtime: start + rng.int(500, 900) * 1000,
      content: '\x1f\x8b\x08\x00',
      size: rng.int(1_800_000_000, 2_600_000_000),
    });
  }
  file(
    `${srv}/conf/${p.emrSystem}.properties`,
    [
      `# ${identity.organisation.name} 電子カルテ 接続設定`,
      `db.url=jdbc:postgresql://${p.dbHost}:5432/${p.emrSystem}db`,
      'db.user=emr_app',
      `db.password=${p.dbPassword}`,
      `pacs.host=${p.pacsHost}`,
      'pacs.port=104',
      `pacs.aet=${identity.orgSlug.toUpperCase().slice(0, 12)}_PACS`,
      'hl7.port=2575',
      '',
    ].join('\n'),
    0o640,
    'postgres',
    90,
  );
  file(
    `${srv}/bin/backup.sh`,
    `#!/bin/sh\npg_dump -h ${p.dbHost} -U emr_app ${p.emrSystem}db | gzip > /srv/${p.emrSystem}/backup/${p.emrSystem}db_$(date +%F).sql.gz\nfind /srv/${p.emrSystem}/backup -mtime +7 -delete\n`,
    0o750,
    'postgres',
    300,
  );
  mkdirp(`${srv}/export`, 0o750, 'postgres', 5);
  for (let i = 0; i < 3; i++) {
    const ym = jst(PROCESS_START - (i + 1) * 30 * 86_400_000)
      .toISOString()
      .slice(0, 7)
      .replace('-', '');
    file(
      `${srv}/export/patients_${ym}.csv`,
      '患者ID,氏名,カナ,生年月日,性別,診療科,最終受診日\n',
      0o640,
      'postgres',
      30 * i + 2,
      rng.int(3_000_000, 9_000_000),
    );
  }
  file(
    'var/log/emr-backup.log',
    `${jst(PROCESS_START - 86_400_000)
      .toISOString()
      .slice(0, 10)} 02:30:01 backup start\n${jst(PROCESS_START - 86_400_000)
      .toISOString()
      .slice(0, 10)} 02:41:37 backup done\n`,
    0o644,
    'root',
    1,
  );
  file('var/log/auth.log', '', 0o640, 'syslog', 0, undefined, 'adm');
  file('var/log/syslog', '', 0o640, 'syslog', 0, undefined, 'adm');
  mkdirp(`opt/${p.emrSystem}/app`, 0o755, 'root', 300);
  file(
    `opt/${p.emrSystem}/app/${p.emrSystem}-server.jar`,
    'PK\x03\x04',
    0o644,
    'root',
    120,
    rng.int(80_000_000, 160_000_000),
  );
  mkdirp('mnt/backup', 0o755, 'root', 300);
  return { root, added: 0, bytes: 0 };
}

function randomB64(rng: Rng, n: number): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./';
  let s = '';
  for (let i = 0; i < n; i++) s += abc[rng.int(0, 63)];
  return s;
}

function uuid(rng: Rng): string {
  const h = [...rng.bytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function cpuinfo(p: HostProfile): string {
  const mhz = /@ ([\d.]+)GHz/.exec(p.cpuModel)?.[1] ?? '2.40';
  const blocks: string[] = [];
  for (let i = 0; i < p.cpus; i++) {
    blocks.push(
      [
        `processor\t: ${i}`,
        'vendor_id\t: GenuineIntel',
        'cpu family\t: 6',
        'model\t\t: 85',
        `model name\t: ${p.cpuModel}`,
        'stepping\t: 7',
        `cpu MHz\t\t: ${(Number(mhz) * 1000).toFixed(3)}`,
        'cache size\t: 14080 KB',
        `physical id\t: ${Math.floor(i / p.cpus)}`,
        `siblings\t: ${p.cpus}`,
        `core id\t\t: ${i}`,
        `cpu cores\t: ${p.cpus}`,
        'fpu\t\t: yes',
        'flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon nopl xtopology tsc_reliable nonstop_tsc cpuid pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch avx512f avx512dq rdseed adx smap avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat pku ospke md_clear flush_l1d arch_capabilities',
        `bogomips\t: ${(Number(mhz) * 2000).toFixed(2)}`,
        'address sizes\t: 45 bits physical, 48 bits virtual',
        '',
      ].join('\n'),
    );
  }
  return `${blocks.join('\n')}\n`;
}

function memStats(p: HostProfile) {
  const total = p.memKb;
  const used = Math.round(total * 0.31);
  const cache = Math.round(total * 0.42);
  const shared = Math.round(total * 0.004);
  const free = total - used - cache;
  return { total, used, free, shared, cache, available: free + Math.round(cache * 0.85), swap: 2_097_148 };
}

function meminfo(p: HostProfile): string {
  const m = memStats(p);
  const row = (k: string, v: number) => `${`${k}:`.padEnd(16)}${String(v).padStart(8)} kB`;
  return `${[row('MemTotal', m.total), row('MemFree', m.free), row('MemAvailable', m.available), row('Buffers', Math.round(m.cache * 0.07)), row('Cached', Math.round(m.cache * 0.9)), row('SwapCached', 0), row('Shmem', m.shared), row('SwapTotal', m.swap), row('SwapFree', m.swap)].join('\n')}\n`;
}

function loadavg(p: HostProfile): string[] {
  // Slowly varying, never the same twice in a row (a frozen load average is a honeypot tell).
  const x = Date.now() / 60_000;
  const base = 0.08 + 0.05 * p.cpus * (1 + Math.sin(x / 7)) * 0.2;
  return [base + 0.03 * Math.sin(x), base * 0.9, base * 0.8].map((v) => Math.max(0, v).toFixed(2));
}

// ---------------------------------------------------------------------------------------------
// Path handling.

function normalise(path: string, cwd: string): string {
  const abs = path.startsWith('/') ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const part of abs.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Walks to `path`, following links (the last one only if `follow`). */
function lookup(fs: FakeFs, path: string, follow = true, depth = 0): FsNode | undefined {
  if (depth > 8) return undefined;
  const parts = path.split('/').filter(Boolean);
  let cur: FsNode = fs.root;
  let at = '';
  for (let i = 0; i < parts.length; i++) {
    if (cur.type !== 'dir') return undefined;
    const next: FsNode | undefined = cur.children.get(parts[i] as string);
    if (!next) return undefined;
    if (next.type === 'link' && (follow || i < parts.length - 1)) {
      const resolved = lookup(fs, normalise(next.target, at || '/'), true, depth + 1);
      if (!resolved) return undefined;
      cur = resolved;
    } else cur = next;
    at += `/${parts[i]}`;
  }
  return cur;
}

function parentOf(fs: FakeFs, path: string): { dir: DirNode | undefined; name: string } {
  const idx = path.lastIndexOf('/');
  const parent = lookup(fs, path.slice(0, idx) || '/');
  return { dir: parent?.type === 'dir' ? parent : undefined, name: path.slice(idx + 1) };
}

function readable(node: FsNode, user: string): boolean {
  return user === 'root' || (node.owner === user ? (node.mode & 0o400) !== 0 : (node.mode & 0o004) !== 0);
}
function writable(node: FsNode, user: string): boolean {
  return user === 'root' || (node.owner === user ? (node.mode & 0o200) !== 0 : (node.mode & 0o002) !== 0);
}
function contentOf(node: FileNode): string {
  return typeof node.content === 'function' ? node.content() : node.content;
}
function sizeOf(node: FsNode): number {
  if (node.type === 'dir') return 4096;
  if (node.type === 'link') return node.target.length;
  return node.size ?? Buffer.byteLength(contentOf(node));
}

// ---------------------------------------------------------------------------------------------
// Parsing: a line → simple commands with their connectors; a simple command → words and redirections.

type Connector = ';' | '&&' | '||' | '|' | '&';
type Segment = { text: string; op: Connector };

/** Splits a line at `;`, `&&`, `||`, `|`, `&` and newlines outside quotes and `$(…)`. */
export function splitLine(line: string): Segment[] {
  const out: Segment[] = [];
  let cur = '';
  let quote = '';
  let depth = 0;
  let backtick = false;
  const push = (op: Connector) => {
    if (cur.trim() || op !== ';') out.push({ text: cur.trim(), op });
    cur = '';
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    const next = line[i + 1];
    if (ch === '\\' && quote !== "'") {
      cur += ch + (next ?? '');
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
      continue;
    }
    if (ch === '`') backtick = !backtick;
    if (ch === '$' && next === '(') {
      depth++;
      cur += '$(';
      i++;
      continue;
    }
    if (depth > 0) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      cur += ch;
      continue;
    }
    if (backtick) {
      cur += ch;
      continue;
    }
    if (ch === '#' && (cur === '' || /\s/.test(cur[cur.length - 1] as string))) break;
    if (ch === ';' || ch === '\n') {
      push(';');
      continue;
    }
    if (ch === '&' && next === '&') {
      push('&&');
      i++;
      continue;
    }
    if (ch === '&' && next !== '>' && !cur.endsWith('>')) {
      push('&');
      continue;
    }
    if (ch === '|' && next === '|') {
      push('||');
      i++;
      continue;
    }
    if (ch === '|') {
      push('|');
      if (next === '&') i++;
      continue;
    }
    cur += ch;
  }
  push(';');
  return out.filter((s) => s.text !== '');
}

type Redirect = { fd: number; op: '>' | '>>' | '<' | 'dup'; target: string };
type Parsed = { words: string[]; redirects: Redirect[] };

// ---------------------------------------------------------------------------------------------
// The shell.

/** One piece of output, in order; `fd` 2 is stderr. */
export type Output = { fd: 1 | 2; text: string };
/** What a typed line produced. */
export type RunResult = { output: Output[]; code: number; exit: boolean };

/** A fake shell for one login. */
export type Shell = {
  /** The prompt to show now (empty while `su` waits for a password it already asked for). */
  prompt(): string;
  /** True while the next line is a password (the terminal must not echo it). */
  readonly secret: boolean;
  /** Runs one line the attacker typed (or an SSH `exec`): records it and returns what to print. */
  run(line: string): RunResult;
  /** The login banner for an interactive shell (MOTD and last login). */
  motd(): string;
  readonly username: string;
};

/** What a shell needs. */
export type ShellOptions = {
  identity: SensorIdentity;
  session: SensorSession;
  username: string;
  /** Whether a credential is one the fake host accepts (for `su`). */
  accepts(username: string, password: string): boolean;
  /** Whether the shell talks to a terminal (prompt, `su` password prompt, `ls` in columns). */
  tty: boolean;
  /** A filesystem to share with the connection's other channels; a fresh one otherwise. */
  fs?: FakeFs;
  /** How commands arrive (`shell`, `exec`, `telnet`), added to each recorded command. */
  via?: string;
};

type Io = { stdin: string; tty: boolean };
type CmdResult = { out?: string; err?: string; code?: number };
type Cmd = (argv: string[], io: Io, sh: State) => CmdResult;

type State = {
  opts: ShellOptions;
  profile: HostProfile;
  fs: FakeFs;
  user: string;
  home: string;
  cwd: string;
  env: Map<string, string>;
  /** Users to return to on `exit` after `su`/`sudo -i`. */
  stack: { user: string; home: string; cwd: string }[];
  history: string[];
  lastCode: number;
  depth: number;
  downloads: number;
  exiting: boolean;
  pending?: { kind: 'su'; target: string; login: boolean };
  outBytes: number;
};

/** Creates the fake shell for a login (interactive or for one SSH `exec`). */
export function createShell(opts: ShellOptions): Shell {
  const profile = hostProfile(opts.identity);
  const fs = opts.fs ?? createFakeFs(opts.identity, opts.username);
  const user = opts.username || 'root';
  const sh: State = {
    opts,
    profile,
    fs,
    user,
    home: homeOf(fs, user),
    cwd: '',
    env: new Map(),
    stack: [],
    history: [],
    lastCode: 0,
    depth: 0,
    downloads: 0,
    exiting: false,
    outBytes: 0,
  };
  sh.cwd = lookup(fs, sh.home)?.type === 'dir' ? sh.home : '/';
  resetEnv(sh);
  return {
    get secret() {
      return sh.pending !== undefined;
    },
    get username() {
      return sh.user;
    },
    prompt: () => (sh.pending ? '' : promptOf(sh)),
    motd: () => motdOf(sh),
    run: (rawLine) => runLine(sh, rawLine),
  };
}

function homeOf(fs: FakeFs, user: string): string {
  if (user === 'root') return '/root';
  const passwd = lookup(fs, '/etc/passwd');
  const text = passwd?.type === 'file' ? contentOf(passwd) : '';
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f[5]) return f[5];
  }
  return `/home/${user}`;
}

function resetEnv(sh: State): void {
  sh.env = new Map([
    ['HOME', sh.home],
    ['USER', sh.user],
    ['LOGNAME', sh.user],
    ['SHELL', '/bin/bash'],
    [
      'PATH',
      sh.user === 'root'
        ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        : '/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games',
    ],
    ['PWD', sh.cwd],
    ['LANG', 'ja_JP.UTF-8'],
    ['TERM', 'xterm-256color'],
    ['HOSTNAME', sh.profile.hostname],
  ]);
}

function promptOf(sh: State): string {
  const w = sh.cwd === sh.home ? '~' : sh.cwd.startsWith(`${sh.home}/`) ? `~${sh.cwd.slice(sh.home.length)}` : sh.cwd;
  const mark = sh.user === 'root' ? '#' : '$';
  if (sh.profile.family === 'rhel') {
    const base = w === '~' || w === '/' ? w : (w.split('/').pop() ?? w);
    return `[${sh.user}@${sh.profile.hostname} ${base}]${mark} `;
  }
  return `${sh.user}@${sh.profile.hostname}:${w}${mark} `;
}

function motdOf(sh: State): string {
  const p = sh.profile;
  const last = `Last login: ${dateLine(Date.now() - 86_400_000 * 2 - 3_600_000 * 5).replace(' JST', '')} from ${p.gateway.replace(/\.\d+$/, '.')}${(Number(p.ip.split('.')[3]) + 37) % 250}\n`;
  if (p.family === 'ubuntu') {
    return `Welcome to ${p.distro} (GNU/Linux ${p.kernel} x86_64)\n\n * Documentation:  https://help.ubuntu.com\n * Management:     https://landscape.canonical.com\n * Support:        https://ubuntu.com/pro\n\n  System information as of ${dateLine(Date.now())}\n\n  System load:  ${loadavg(p)[0]}               Processes:             ${200 + p.cpus * 9}\n  Usage of /:   ${p.diskUsedPct}.${p.cpus}% of ${p.diskGb}GB   Users logged in:       0\n  Memory usage: 31%                IPv4 address for ${p.iface}: ${p.ip}\n  Swap usage:   0%\n\n${last}`;
  }
  if (p.family === 'debian') {
    return `Linux ${p.hostname} ${p.kernel} ${p.kernelVersion} x86_64\n\nThe programs included with the Debian GNU/Linux system are free software;\nthe exact distribution terms for each program are described in the\nindividual files in /usr/share/doc/*/copyright.\n\nDebian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\npermitted by applicable law.\n${last}`;
  }
  return last;
}

function runLine(sh: State, rawLine: string): RunResult {
  const out: Output[] = [];
  sh.outBytes = 0;
  sh.downloads = 0;
  const line = rawLine.length > MAX_LINE ? rawLine.slice(0, MAX_LINE) : rawLine;
  if (sh.pending) return finishSu(sh, line);
  const trimmed = line.trim();
  if (!trimmed) return { output: out, code: sh.lastCode, exit: false };
  const segments = splitLine(line).slice(0, MAX_PARTS);
  sh.opts.session.record('command', {
    command: trimmed,
    info: {
      parts: segments.map((s) => s.text),
      user: sh.user,
      cwd: sh.cwd,
      ...(sh.opts.via ? { via: sh.opts.via } : {}),
      ...(rawLine.length > MAX_LINE ? { truncatedFrom: rawLine.length } : {}),
    },
  });
  sh.history.push(trimmed);
  if (sh.history.length > MAX_HISTORY) sh.history.shift();
  const code = runSegments(sh, segments, out, '');
  sh.lastCode = code;
  const exit = sh.exiting;
  sh.exiting = false;
  return { output: out, code, exit };
}

/** Runs `a | b && c; d` and appends what it prints to `out`; returns the last status. */
function runSegments(sh: State, segments: Segment[], out: Output[], stdin: string): number {
  let code = 0;
  let run = true;
  let i = 0;
  while (i < segments.length && !sh.exiting) {
    // Gather a pipeline.
    const pipeline: Segment[] = [segments[i] as Segment];
    while ((segments[i] as Segment).op === '|' && i + 1 < segments.length) {
      i++;
      pipeline.push(segments[i] as Segment);
    }
    const op = (segments[i] as Segment).op;
    i++;
    if (run) {
      let input = stdin;
      for (let j = 0; j < pipeline.length; j++) {
        const last = j === pipeline.length - 1;
        const r = runSimple(sh, (pipeline[j] as Segment).text, input, last && !sh.depth ? sh.opts.tty : false, out);
        code = r.code;
        if (last) emit(sh, out, 1, r.out);
        else input = r.out;
        sh.lastCode = code;
        if (sh.exiting) break;
      }
    }
    run = op === '&&' ? code === 0 : op === '||' ? code !== 0 : true;
  }
  return code;
}

function emit(sh: State, out: Output[], fd: 1 | 2, text: string): void {
  if (!text || sh.outBytes >= MAX_OUTPUT) return;
  const t = text.length + sh.outBytes > MAX_OUTPUT ? text.slice(0, MAX_OUTPUT - sh.outBytes) : text;
  sh.outBytes += t.length;
  const prev = out[out.length - 1];
  if (prev && prev.fd === fd) prev.text += t;
  else out.push({ fd, text: t });
}

/** Runs one simple command; stderr goes to `out` (unless redirected), stdout is returned. */
function runSimple(sh: State, text: string, stdin: string, tty: boolean, out: Output[]): { out: string; code: number } {
  const parsed = parseWords(sh, text);
  let words = parsed.words;
  // Leading assignments: `A=1` alone sets a variable; before a command they only apply to it.
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) {
    if (words.length === 1) {
      const w = words[0] as string;
      const eq = w.indexOf('=');
      sh.env.set(w.slice(0, eq), w.slice(eq + 1));
    }
    words = words.slice(1);
  }
  let input = stdin;
  for (const r of parsed.redirects) {
    if (r.op !== '<') continue;
    const read = readFile(sh, r.target);
    if (read.err) {
      emit(sh, out, 2, `${errPrefix(sh)}${r.target}: ${read.err}\n`);
      return { out: '', code: 1 };
    }
    input = read.text;
  }
  const res = words.length ? exec(sh, words, { stdin: input, tty }) : {};
  let stdout = res.out ?? '';
  let stderr = res.err ?? '';
  for (const r of parsed.redirects) {
    if (r.op === '<') continue;
    if (r.op === 'dup') {
      if (r.fd === 2 && r.target === '1') {
        stdout += stderr;
        stderr = '';
      } else if (r.fd === 1 && r.target === '2') {
        stderr += stdout;
        stdout = '';
      }
      continue;
    }
    const data = r.fd === 2 ? stderr : r.fd === 3 ? stdout + stderr : stdout;
    const err = writeFile(sh, r.target, data, r.op === '>>');
    if (err) {
      emit(sh, out, 2, `${errPrefix(sh)}${r.target}: ${err}\n`);
      return { out: '', code: 1 };
    }
    if (r.fd === 2) stderr = '';
    else if (r.fd === 3) {
      stdout = '';
      stderr = '';
    } else stdout = '';
  }
  emit(sh, out, 2, stderr);
  return { out: stdout, code: res.code ?? 0 };
}

function errPrefix(sh: State): string {
  return !sh.opts.tty && sh.profile.bashLineNumbers ? 'bash: line 1: ' : 'bash: ';
}

/** Splits a simple command into words (quotes, escapes, `$VAR`, `$(…)`, `~`, globs) and redirections. */
function parseWords(sh: State, text: string): Parsed {
  const words: string[] = [];
  const redirects: Redirect[] = [];
  let cur = '';
  let has = false;
  let glob = false;
  let pendingRedirect: Omit<Redirect, 'target'> | undefined;
  const finish = () => {
    if (!has) return;
    let values = [cur];
    if (glob && !pendingRedirect) values = expandGlob(sh, cur);
    if (pendingRedirect) {
      redirects.push({ ...pendingRedirect, target: cur });
      pendingRedirect = undefined;
    } else words.push(...values);
    cur = '';
    has = false;
    glob = false;
  };
  const substitute = (inner: string): string => {
    if (sh.depth >= MAX_DEPTH) return '';
    sh.depth++;
    const buf: Output[] = [];
    runSegments(sh, splitLine(inner), buf, '');
    sh.depth--;
    return buf
      .filter((o) => o.fd === 1)
      .map((o) => o.text)
      .join('')
      .replace(/\n+$/, '');
  };
  const at = (re: RegExp, i: number) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  const variable = (i: number): { value: string; end: number } => {
    if (text[i + 1] === '(' && text[i + 2] === '(') {
      const end = text.indexOf('))', i + 3);
      if (end !== -1) return { value: arithmetic(text.slice(i + 3, end), sh.env), end: end + 2 };
    }
    if (text[i + 1] === '(') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')') depth--;
      }
      return { value: substitute(text.slice(i + 2, j - 1)), end: j };
    }
    const braced = at(/\{([A-Za-z_][A-Za-z0-9_]*)\}/y, i + 1);
    if (braced) return { value: sh.env.get(braced[1] as string) ?? '', end: i + 1 + braced[0].length };
    const special = at(/[?$#0-9]/y, i + 1);
    if (special) {
      const c = special[0];
      const value =
        c === '?'
          ? String(sh.lastCode)
          : c === '$'
            ? String(4000 + (sh.opts.session.srcPort % 30_000))
            : c === '0'
              ? '-bash'
              : c === '#'
                ? '0'
                : '';
      return { value, end: i + 2 };
    }
    const name = at(/[A-Za-z_][A-Za-z0-9_]*/y, i + 1);
    if (name) return { value: sh.env.get(name[0]) ?? '', end: i + 1 + name[0].length };
    return { value: '$', end: i + 1 };
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      finish();
      i++;
      continue;
    }
    // Redirections start a word: `>`, `>>`, `2>`, `2>&1`, `&>`, `<` (and end one: `echo a>b`).
    if (has && (ch === '>' || ch === '<')) finish();
    if (!has && !pendingRedirect) {
      const m = at(/(\d?)(>>|>&|>|<|&>)(\d?)/y, i);
      if (m && (m[1] || m[2] !== '>&' || m[3])) {
        const fd = m[2] === '&>' ? 3 : m[1] ? Number(m[1]) : m[2] === '<' ? 0 : 1;
        if (m[2] === '>&' && m[3]) {
          redirects.push({ fd, op: 'dup', target: m[3] });
          i += m[0].length;
          continue;
        }
        pendingRedirect = { fd, op: m[2] === '>>' ? '>>' : m[2] === '<' ? '<' : '>' };
        i += (m[1] ?? '').length + (m[2] ?? '').length;
        continue;
      }
    }
    if (ch === '\\') {
      if (i + 1 < text.length) cur += text[i + 1];
      has = true;
      i += 2;
      continue;
    }
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      cur += text.slice(i + 1, end === -1 ? text.length : end);
      has = true;
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (ch === '"') {
      has = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        const c = text[i] as string;
        if (c === '\\' && /["\\$`]/.test(text[i + 1] ?? '')) {
          cur += text[i + 1];
          i += 2;
        } else if (c === '$') {
          const v = variable(i);
          cur += v.value;
          i = v.end;
        } else if (c === '`') {
          const end = text.indexOf('`', i + 1);
          cur += substitute(text.slice(i + 1, end === -1 ? text.length : end));
          i = end === -1 ? text.length : end + 1;
        } else {
          cur += c;
          i++;
        }
      }
      i++;
      continue;
    }
    if (ch === '$' || ch === '`') {
      let value: string;
      if (ch === '`') {
        const end = text.indexOf('`', i + 1);
        value = substitute(text.slice(i + 1, end === -1 ? text.length : end));
        i = end === -1 ? text.length : end + 1;
      } else {
        const v = variable(i);
        value = v.value;
        i = v.end;
      }
      // Unquoted expansions split into words.
      const parts = value.split(/\s+/);
      for (let k = 0; k < parts.length; k++) {
        if (k > 0) finish();
        if (parts[k]) {
          cur += parts[k];
          has = true;
        }
      }
      continue;
    }
    if (ch === '~' && !has && (text[i + 1] === undefined || text[i + 1] === '/' || /\s/.test(text[i + 1] as string))) {
      cur += sh.home;
      has = true;
      i++;
      continue;
    }
    if (ch === '*' || ch === '?' || ch === '[') glob = true;
    cur += ch;
    has = true;
    i++;
  }
  finish();
  return { words, redirects };
}

/** `$((…))`: integers, + - * / % and parentheses; variables by name. Anything else gives 0. */
function arithmetic(expr: string, env: Map<string, string>): string {
  const tokens = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*/%()]/g)?.slice(0, 200) ?? [];
  let k = 0;
  const atom = (): number => {
    const t = tokens[k++];
    if (t === '(') {
      const v = sum();
      k++;
      return v;
    }
    if (t === '-') return -atom();
    if (t === undefined) return 0;
    return /^\d/.test(t) ? Number(t) : Number(env.get(t) ?? 0) || 0;
  };
  const product = (): number => {
    let v = atom();
    while (tokens[k] === '*' || tokens[k] === '/' || tokens[k] === '%') {
      const op = tokens[k++];
      const r = atom();
      v = op === '*' ? v * r : r === 0 ? 0 : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[k] === '+' || tokens[k] === '-') v = tokens[k++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  return Number.isFinite(v) ? String(Math.trunc(v)) : '0';
}

/** `*.sh`, `/etc/*release`: globbing in the last path component. */
function expandGlob(sh: State, pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter(Boolean);
  // Candidate paths as typed (relative stays relative), expanded one component at a time.
  let paths = [absolute ? '/' : ''];
  for (const part of parts) {
    const next: string[] = [];
    for (const prefix of paths) {
      if (!/[*?]/.test(part)) {
        next.push(`${prefix + part}/`);
        continue;
      }
      const dir = lookup(sh.fs, normalise(prefix || '.', sh.cwd));
      if (dir?.type !== 'dir' || !readable(dir, sh.user)) continue;
      for (const name of [...dir.children.keys()].sort()) {
        if ((!name.startsWith('.') || part.startsWith('.')) && globMatch(part, name)) next.push(`${prefix}${name}/`);
      }
    }
    paths = next.slice(0, 1000);
  }
  const hits = paths.map((x) => x.slice(0, -1)).filter((x) => lookup(sh.fs, normalise(x, sh.cwd)));
  return hits.length ? hits : [pattern];
}

/**
 * `*` and `?` matching without regular expressions: attacker-made patterns must not be able to
 * make a backtracking regex spin (classic two-pointer wildcard match, O(n·m) at worst).
 */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * What `grep` and `awk` match with: literal text, `^`/`$` anchors, `.*` gaps and `|` alternatives.
 * Deliberately not a RegExp: an attacker's pattern could otherwise backtrack for minutes and stall
 * the whole sensor; bots' recon lines (`grep name`, `grep -c processor`, `grep -v grep`) only need this.
 */
export function textMatcher(
  pattern: string,
  o: { ignoreCase?: boolean; extended?: boolean; fixed?: boolean } = {},
): (line: string) => boolean {
  const fold = (x: string) => (o.ignoreCase ? x.toLowerCase() : x);
  const alternatives = o.fixed ? [pattern] : pattern.split(o.extended ? '|' : '\\|');
  const prepared = alternatives.map((alt) => {
    let s = alt;
    let start = false;
    let end = false;
    if (!o.fixed) {
      if (s.startsWith('^')) {
        start = true;
        s = s.slice(1);
      }
      if (s.endsWith('$') && !s.endsWith('\\$')) {
        end = true;
        s = s.slice(0, -1);
      }
    }
    const pieces = (o.fixed ? [s] : s.split('.*')).map((x) => fold(o.fixed ? x : x.replace(/\\(.)/g, '$1')));
    return { pieces, start, end };
  });
  return (raw) => {
    const line = fold(raw);
    return prepared.some(({ pieces, start, end }) => {
      let at = 0;
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i] as string;
        const last = i === pieces.length - 1;
        if (last && end)
          return (
            line.length - piece.length >= at && line.endsWith(piece) && (!start || pieces.length > 1 || line === piece)
          );
        if (i === 0 && start) {
          if (!line.startsWith(piece)) return false;
          at = piece.length;
          continue;
        }
        const idx = line.indexOf(piece, at);
        if (idx === -1) return false;
        at = idx + piece.length;
      }
      return true;
    });
  };
}

function readFile(sh: State, path: string): { text: string; err?: string } {
  const node = lookup(sh.fs, normalise(path, sh.cwd));
  if (!node) return { text: '', err: 'No such file or directory' };
  if (node.type === 'dir') return { text: '', err: 'Is a directory' };
  if (!readable(node, sh.user)) return { text: '', err: 'Permission denied' };
  return { text: node.type === 'file' ? contentOf(node) : '' };
}

/** Writes into the fake filesystem (memory, this session only); returns an error text or undefined. */
function writeFile(sh: State, path: string, data: string, append: boolean): string | undefined {
  const abs = normalise(path, sh.cwd);
  if (abs === '/dev/null') return undefined;
  const existing = lookup(sh.fs, abs);
  if (existing?.type === 'dir') return 'Is a directory';
  if (existing?.type === 'file') {
    if (!writable(existing, sh.user)) return 'Permission denied';
    const content = ((append ? contentOf(existing) : '') + data).slice(0, MAX_FILE);
    if (sh.fs.bytes + content.length > MAX_FS_BYTES) return 'No space left on device';
    sh.fs.bytes += content.length;
    existing.content = content;
    existing.size = undefined;
    existing.mtime = Date.now();
    return undefined;
  }
  const { dir, name } = parentOf(sh.fs, abs);
  if (!dir || !name) return 'No such file or directory';
  if (name.length > MAX_NAME) return 'File name too long';
  if (!writable(dir, sh.user)) return 'Permission denied';
  const content = data.slice(0, MAX_FILE);
  if (sh.fs.added >= MAX_NEW_NODES || sh.fs.bytes + content.length > MAX_FS_BYTES) return 'No space left on device';
  sh.fs.added++;
  sh.fs.bytes += content.length;
  dir.children.set(name, { type: 'file', mode: 0o644, owner: sh.user, group: sh.user, mtime: Date.now(), content });
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Running a command.

function exec(sh: State, argv: string[], io: Io): CmdResult {
  const name = argv[0] as string;
  if (name.includes('/')) {
    const abs = normalise(name, sh.cwd);
    const node = lookup(sh.fs, abs);
    if (!node) return { err: `${errPrefix(sh)}${name}: No such file or directory\n`, code: 127 };
    if (node.type === 'dir') return { err: `${errPrefix(sh)}${name}: Is a directory\n`, code: 126 };
    if (
      node.type !== 'file' ||
      !(sh.user === 'root' ? node.mode & 0o111 : node.mode & (node.owner === sh.user ? 0o100 : 0o001))
    ) {
      return { err: `${errPrefix(sh)}${name}: Permission denied\n`, code: 126 };
    }
    const base = abs.split('/').pop() as string;
    if (/^\/usr\/s?bin\/|^\/s?bin\//.test(abs) && COMMANDS[base])
      return COMMANDS[base]([base, ...argv.slice(1)], io, sh);
    return runProgram(sh, name, contentOf(node), argv, io);
  }
  const cmd = COMMANDS[name];
  if (!cmd) return { err: `${errPrefix(sh)}${name}: command not found\n`, code: 127 };
  return cmd(argv, io, sh);
}

/** "Runs" a file the attacker wrote: scripts are read by the fake shell, binaries do nothing. */
function runProgram(sh: State, name: string, content: string, argv: string[], io: Io): CmdResult {
  if (content.startsWith('\x7fELF')) {
    const machine = content.charCodeAt(18) | (content.charCodeAt(19) << 8);
    // x86-64 (62) and i386 (3) binaries "run"; other architectures fail like on a real x86 host.
    if (content.length >= 20 && machine !== 62 && machine !== 3) {
      return { err: `${errPrefix(sh)}${name}: cannot execute binary file: Exec format error\n`, code: 126 };
    }
    return { code: 0 };
  }
  return runScript(sh, content, io, argv.slice(1));
}

function runScript(sh: State, script: string, io: Io, _args: string[]): CmdResult {
  if (sh.depth >= MAX_DEPTH) return { code: 0 };
  sh.depth++;
  const buf: Output[] = [];
  const lines = script.split('\n').slice(0, 200);
  let code = 0;
  for (const l of lines) {
    if (sh.exiting) break;
    code = runSegments(sh, splitLine(l).slice(0, MAX_PARTS), buf, io.stdin);
  }
  sh.depth--;
  // A script's `exit` ends the script, not the login.
  sh.exiting = false;
  return {
    out: buf
      .filter((o) => o.fd === 1)
      .map((o) => o.text)
      .join(''),
    err: buf
      .filter((o) => o.fd === 2)
      .map((o) => o.text)
      .join(''),
    code,
  };
}

/** Splits `-la` / `-n 5` style options; returns flags and operands. */
function opts(argv: string[], withValue = ''): { flags: Set<string>; values: Map<string, string>; args: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const args: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) values.set(a.slice(2, eq), a.slice(eq + 1));
      else flags.add(a.slice(2));
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d+$/.test(a)) {
      for (let k = 1; k < a.length; k++) {
        const f = a[k] as string;
        if (withValue.includes(f)) {
          const v = a.slice(k + 1) || (argv[++i] ?? '');
          values.set(f, v);
          break;
        }
        flags.add(f);
      }
    } else args.push(a);
  }
  return { flags, values, args };
}

const lines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
const modeString = (node: FsNode) => {
  const t = node.type === 'dir' ? 'd' : node.type === 'link' ? 'l' : '-';
  const m = node.mode;
  const rwx = (shift: number) =>
    `${m & (4 << shift) ? 'r' : '-'}${m & (2 << shift) ? 'w' : '-'}${m & (1 << shift) ? 'x' : '-'}`;
  let s = `${t}${rwx(6)}${rwx(3)}${rwx(0)}`;
  if (m & 0o1000) s = `${s.slice(0, 9)}${m & 1 ? 't' : 'T'}`;
  return s;
};
function lsDate(ms: number): string {
  const d = jst(ms);
  const recent = Math.abs(Date.now() - ms) < 180 * 86_400_000;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${recent ? hhmm(ms) : ` ${d.getUTCFullYear()}`}`;
}
function human(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  const units = ['K', 'M', 'G', 'T'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? (Math.ceil(v * 10) / 10).toFixed(1) : Math.ceil(v)}${units[u]}`;
}

const ls: Cmd = (argv, io, sh) => {
  const { flags, args } = opts(argv);
  const long = flags.has('l');
  const all = flags.has('a');
  const almost = flags.has('A');
  const h = flags.has('h') || flags.has('human-readable');
  const one = flags.has('1') || !io.tty;
  let out = '';
  let err = '';
  let code = 0;
  const targets = args.length ? args : ['.'];
  const fmt = (entries: [string, FsNode][]): string => {
    if (!long)
      return entries.length
        ? `${one ? entries.map((e) => e[0]).join('\n') : entries.map((e) => e[0]).join('  ')}\n`
        : '';
    const rows = entries.map(([n, node]) => [
      modeString(node),
      String(
        node.type === 'dir' ? Math.max(2, [...node.children.values()].filter((c) => c.type === 'dir').length + 2) : 1,
      ),
      node.owner,
      node.group,
      h ? human(sizeOf(node)) : String(sizeOf(node)),
      lsDate(node.mtime),
      node.type === 'link' ? `${n} -> ${node.target}` : n,
    ]);
    const widths = [1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
    return rows
      .map(
        (r) =>
          `${r[0]} ${(r[1] as string).padStart(widths[0] as number)} ${(r[2] as string).padEnd(widths[1] as number)} ${(r[3] as string).padEnd(widths[2] as number)} ${(r[4] as string).padStart(widths[3] as number)} ${r[5]} ${r[6]}`,
      )
      .map((l) => `${l}\n`)
      .join('');
  };
  const files: [string, FsNode][] = [];
  const dirs: [string, DirNode][] = [];
  for (const t of targets) {
    const node = lookup(sh.fs, normalise(t, sh.cwd), !long || t.endsWith('/'));
    if (!node) {
      err += `ls: cannot access '${t}': No such file or directory\n`;
      code = 2;
    } else if (node.type === 'dir' && !flags.has('d')) dirs.push([t, node]);
    else files.push([t, node]);
  }
  out += fmt(files);
  for (const [t, node] of dirs) {
    if (!readable(node, sh.user)) {
      err += `ls: cannot open directory '${t}': Permission denied\n`;
      code = 2;
      continue;
    }
    if (targets.length > 1) out += `${out ? '\n' : ''}${t}:\n`;
    const entries: [string, FsNode][] = [...node.children.entries()]
      .filter(([n]) => all || almost || !n.startsWith('.'))
      .sort((a, b) => a[0].replace(/^\./, '').localeCompare(b[0].replace(/^\./, ''), 'en'));
    if (all) entries.unshift(['.', node], ['..', lookup(sh.fs, normalise(`${t}/..`, sh.cwd)) ?? node]);
    if (long)
      out += `total ${entries.reduce((s, [, n]) => s + Math.ceil(Math.min(sizeOf(n), 1 << 30) / 4096) * 4, 0)}\n`;
    out += fmt(entries);
  }
  return { out, err, code };
};

const cat: Cmd = (argv, io, sh) => {
  const { args } = opts(argv);
  if (!args.length) return { out: io.stdin };
  let out = '';
  let err = '';
  for (const a of args) {
    if (a === '-') {
      out += io.stdin;
      continue;
    }
    const r = readFile(sh, a);
    if (r.err) err += `cat: ${a}: ${r.err}\n`;
    else out += binaryView(sh, a, r.text);
  }
  return { out, err, code: err ? 1 : 0 };
};

/** Placeholder binaries (backups, executables) print a plausible burst of bytes, not the placeholder. */
function binaryView(sh: State, path: string, text: string): string {
  const node = lookup(sh.fs, normalise(path, sh.cwd));
  if (node?.type !== 'file' || node.size === undefined) return text;
  const r = sh.opts.identity.rng(`blob:${path}`);
  return text + String.fromCharCode(...r.bytes(Math.min(node.size, 512)));
}

const echo: Cmd = (argv) => {
  let i = 1;
  let newline = true;
  let escapes = false;
  while (i < argv.length && /^-[neE]+$/.test(argv[i] as string)) {
    const f = argv[i] as string;
    if (f.includes('n')) newline = false;
    if (f.includes('e')) escapes = true;
    if (f.includes('E')) escapes = false;
    i++;
  }
  let s = argv.slice(i).join(' ');
  if (escapes) s = unescapeEcho(s);
  return { out: newline ? `${s}\n` : s };
};

function unescapeEcho(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|0[0-7]{0,3}|[0-7]{1,3}|[abefnrtv\\])/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
    return { a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' }[e] ?? e;
  });
}

const printf: Cmd = (argv) => {
  const fmt = unescapeEcho(argv[1] ?? '');
  const args = argv.slice(2);
  let k = 0;
  const out = fmt.replace(/%([-0-9.]*)([sdxc%])/g, (_m, _w, c: string) => {
    if (c === '%') return '%';
    const v = args[k++] ?? '';
    if (c === 'd') return String(Number.parseInt(v, 10) || 0);
    if (c === 'x') return (Number.parseInt(v, 10) || 0).toString(16);
    if (c === 'c') return v.slice(0, 1);
    return v;
  });
  return { out };
};

const uname: Cmd = (argv, _io, sh) => {
  const p = sh.profile;
  const { flags } = opts(argv);
  const all = flags.has('a') || flags.has('all');
  const fields: [string, string][] = [
    ['s', 'Linux'],
    ['n', p.hostname],
    ['r', p.kernel],
    ['v', p.kernelVersion],
    ['m', 'x86_64'],
    ['p', 'x86_64'],
    ['i', 'x86_64'],
    ['o', 'GNU/Linux'],
  ];
  const bad = [...flags].find((f) => !'snrvmpioa'.includes(f) && f !== 'all');
  if (bad) return { err: `uname: invalid option -- '${bad}'\nTry 'uname --help' for more information.\n`, code: 1 };
  const picked = all ? fields : fields.filter(([f]) => flags.has(f));
  return { out: `${(picked.length ? picked : [fields[0] as [string, string]]).map((f) => f[1]).join(' ')}\n` };
};

function idOf(sh: State, user: string): { uid: number; gid: number; groups: string } {
  if (user === 'root') return { uid: 0, gid: 0, groups: '0(root)' };
  const passwd = lookup(sh.fs, '/etc/passwd');
  const text = passwd?.type === 'file' ? contentOf(passwd) : '';
  const line = text.split('\n').find((l) => l.startsWith(`${user}:`));
  const uid = Number(line?.split(':')[2] ?? 1002);
  const extra =
    user === sh.profile.admin || user === sh.opts.username
      ? sh.profile.family === 'rhel'
        ? ',10(wheel)'
        : ',4(adm),27(sudo)'
      : '';
  return { uid, gid: uid, groups: `${uid}(${user})${extra}` };
}

const id: Cmd = (argv, _io, sh) => {
  const user = argv[1] && !argv[1].startsWith('-') ? argv[1] : sh.user;
  const i = idOf(sh, user);
  if (argv.includes('-u')) return { out: `${i.uid}\n` };
  if (argv.includes('-un')) return { out: `${user}\n` };
  return { out: `uid=${i.uid}(${user}) gid=${i.gid}(${user}) groups=${i.groups}\n` };
};

function uptimeText(p: HostProfile): string {
  const secs = Math.floor((Date.now() - p.bootAt) / 1000);
  const days = Math.floor(secs / 86_400);
  const hours = Math.floor((secs % 86_400) / 3600);
  const mins = Math.floor((secs % 3600) / 60);
  const up = `${days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : ''}${hours ? `${String(hours).padStart(2, ' ')}:${two(mins)}` : `${mins} min`}`;
  return ` ${hhmmss(Date.now())} up ${up},  1 user,  load average: ${loadavg(p).join(', ')}`;
}

const w: Cmd = (_argv, _io, sh) => {
  const from = sh.opts.session.srcIp;
  const login = hhmm(sh.opts.session.startedAt.getTime());
  return {
    out: `${uptimeText(sh.profile)}\nUSER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n${sh.user.padEnd(8).slice(0, 8)} pts/0    ${from.padEnd(16).slice(0, 16)} ${login}    0.00s  0.02s  0.00s w\n`,
  };
};

const ps: Cmd = (argv, _io, sh) => {
  const p = sh.profile;
  const r = sh.opts.identity.rng('ps');
  const start = jst(p.bootAt);
  const bootDay = `${MONTHS[start.getUTCMonth()]}${two(start.getUTCDate())}`;
  const procs: [string, number, string, string][] = [
    [
      'root',
      1,
      '?',
      p.family === 'rhel' ? '/usr/lib/systemd/systemd --switched-root --system --deserialize 22' : '/sbin/init',
    ],
    ['root', 2, '?', '[kthreadd]'],
    ['root', 3, '?', '[rcu_gp]'],
    ['root', r.int(300, 400), '?', '/lib/systemd/systemd-journald'],
    ['root', r.int(400, 500), '?', '/lib/systemd/systemd-udevd'],
    ['root', r.int(700, 800), '?', p.family === 'rhel' ? '/usr/sbin/crond -n' : '/usr/sbin/cron -f'],
    [p.family === 'ubuntu' ? 'syslog' : 'root', r.int(800, 850), '?', '/usr/sbin/rsyslogd -n -iNONE'],
    ['root', r.int(850, 900), '?', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'],
    ['postgres', r.int(900, 950), '?', '/usr/lib/postgresql/14/bin/postgres -D /var/lib/postgresql/14/main'],
    ['postgres', r.int(950, 1000), '?', 'postgres: 14/main: checkpointer'],
    [
      'root',
      r.int(1000, 1100),
      '?',
      `/opt/${p.emrSystem}/jre/bin/java -Xmx4g -jar /opt/${p.emrSystem}/app/${p.emrSystem}-server.jar`,
    ],
    ['root', r.int(20_000, 30_000), '?', `sshd: ${sh.user}@pts/0`],
    [sh.user, r.int(30_000, 31_000), 'pts/0', '-bash'],
    [sh.user, r.int(31_000, 32_000), 'pts/0', argv.join(' ')],
  ];
  const { flags } = opts(argv);
  const aux = argv[1]?.replace(/^-/, '').includes('a') || flags.has('e') || flags.has('A');
  if (!aux) {
    return {
      out: `    PID TTY          TIME CMD\n${procs
        .slice(-2)
        .map(([, pid, , cmd]) => `${String(pid).padStart(7)} pts/0    00:00:00 ${cmd.split(' ')[0]?.replace(/^-/, '')}`)
        .join('\n')}\n`,
    };
  }
  if (flags.has('e') || flags.has('f')) {
    return {
      out: `UID          PID    PPID  C STIME TTY          TIME CMD\n${procs.map(([u, pid, tty, cmd]) => `${u.padEnd(8)} ${String(pid).padStart(7)} ${String(pid < 4 ? 0 : 1).padStart(7)}  0 ${tty === '?' ? bootDay : hhmm(Date.now())} ${tty.padEnd(8)} 00:00:${two(r.int(0, 59))} ${cmd}`).join('\n')}\n`,
    };
  }
  return {
    out: `USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n${procs
      .map(([u, pid, tty, cmd]) => {
        const kernel = cmd.startsWith('[');
        const java = cmd.includes('java');
        const vsz = kernel ? 0 : java ? r.int(9_000_000, 12_000_000) : r.int(8000, 300_000);
        const rss = kernel ? 0 : java ? Math.round(p.memKb * 0.18) : Math.round(vsz * (0.05 + r.next() * 0.3));
        const mem = (rss / p.memKb) * 100;
        const stat = kernel ? 'S' : tty === '?' ? 'Ss' : cmd === '-bash' ? 'Ss' : 'R+';
        return `${u.padEnd(8).slice(0, 8)} ${String(pid).padStart(7)} ${(java ? 2.3 : 0).toFixed(1).padStart(4)} ${mem.toFixed(1).padStart(4)} ${String(vsz).padStart(6)} ${String(rss).padStart(5)} ${tty.padEnd(8)} ${stat.padEnd(4)} ${tty === '?' ? bootDay : hhmm(Date.now())}   ${tty === '?' ? `${r.int(0, 9)}:${two(r.int(0, 59))}` : '0:00'} ${cmd}`;
      })
      .join('\n')}\n`,
  };
};

const ifconfig: Cmd = (_argv, _io, sh) => {
  const p = sh.profile;
  const r = sh.opts.identity.rng('ifconfig');
  const rx = r.int(10_000_000, 900_000_000);
  const tx = r.int(5_000_000, 400_000_000);
  return {
    out: `${p.iface}: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet ${p.ip}  netmask 255.255.255.0  broadcast ${p.ip.replace(/\.\d+$/, '.255')}\n        inet6 fe80::250:56ff:fe${p.mac.slice(9, 11)}:${p.mac.slice(12, 14)}${p.mac.slice(15)}  prefixlen 64  scopeid 0x20<link>\n        ether ${p.mac}  txqueuelen 1000  (Ethernet)\n        RX packets ${Math.floor(rx / 900)}  bytes ${rx} (${(rx / 1e6).toFixed(1)} MB)\n        RX errors 0  dropped ${r.int(0, 90)}  overruns 0  frame 0\n        TX packets ${Math.floor(tx / 700)}  bytes ${tx} (${(tx / 1e6).toFixed(1)} MB)\n        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\nlo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        loop  txqueuelen 1000  (Local Loopback)\n        RX packets ${r.int(1000, 90_000)}  bytes ${r.int(100_000, 9_000_000)}\n\n`,
  };
};

const ip: Cmd = (argv, _io, sh) => {
  const p = sh.profile;
  const sub = argv.slice(1).find((a) => !a.startsWith('-')) ?? '';
  if (/^a(d(dr?)?)?$/.test(sub) || /^addr(ess)?$/.test(sub)) {
    return {
      out: `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n2: ${p.iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    link/ether ${p.mac} brd ff:ff:ff:ff:ff:ff\n    altname enp11s0\n    inet ${p.ip}/24 brd ${p.ip.replace(/\.\d+$/, '.255')} scope global ${p.iface}\n       valid_lft forever preferred_lft forever\n`,
    };
  }
  if (/^r(o(u(te?)?)?)?$/.test(sub)) {
    return {
      out: `default via ${p.gateway} dev ${p.iface} proto static \n${p.ip.replace(/\.\d+$/, '.0')}/24 dev ${p.iface} proto kernel scope link src ${p.ip} \n`,
    };
  }
  if (/^l(i(nk?)?)?$/.test(sub)) {
    return {
      out: `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: ${p.iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000\n    link/ether ${p.mac} brd ff:ff:ff:ff:ff:ff\n`,
    };
  }
  return {
    err: 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | link | route | neigh | rule | netns }\n',
    code: 255,
  };
};

const free: Cmd = (argv, _io, sh) => {
  const m = memStats(sh.profile);
  const { flags } = opts(argv);
  const conv = (kb: number) =>
    flags.has('h')
      ? human(kb * 1024).replace(/([KMGT])$/, '$1i')
      : flags.has('g')
        ? String(Math.floor(kb / 1048576))
        : flags.has('m')
          ? String(Math.floor(kb / 1024))
          : String(kb);
  const col = (s: string) => s.padStart(12);
  return {
    out: `${' '.repeat(15)}total        used        free      shared  buff/cache   available\nMem:   ${[m.total, m.used, m.free, m.shared, m.cache, m.available].map((v) => col(conv(v))).join('')}\nSwap:  ${[m.swap, 0, m.swap].map((v) => col(conv(v))).join('')}\n`,
  };
};

const df: Cmd = (argv, _io, sh) => {
  const p = sh.profile;
  const { flags } = opts(argv);
  const h = flags.has('h');
  const root =
    p.family === 'ubuntu'
      ? '/dev/mapper/ubuntu--vg-ubuntu--lv'
      : p.family === 'rhel'
        ? '/dev/mapper/rhel-root'
        : '/dev/sda1';
  const size = p.diskGb * 1024 * 1024;
  const used = Math.floor((size * p.diskUsedPct) / 100);
  const rows: [string, number, number, string][] = [
    ['tmpfs', Math.floor(p.memKb / 10), 1680, '/run'],
    [root, size, used, '/'],
    ['tmpfs', Math.floor(p.memKb / 2), 0, '/dev/shm'],
    ['/dev/sda2', 1992552, 258_000, '/boot'],
    [`${p.backupHost}:/export/backup`, 4 * 1024 * 1024 * 1024, 2.9 * 1024 * 1024 * 1024, '/mnt/backup'],
  ];
  const fmt = (kb: number) => (h ? human(kb * 1024) : String(Math.floor(kb)));
  const w0 = Math.max(...rows.map((r) => r[0].length), 10);
  return {
    out: `${'Filesystem'.padEnd(w0)} ${h ? ' Size  Used Avail' : '1K-blocks      Used Available'} Use% Mounted on\n${rows
      .map(
        ([fsName, total, u, mnt]) =>
          `${fsName.padEnd(w0)} ${fmt(total).padStart(h ? 5 : 9)} ${fmt(u).padStart(h ? 5 : 9)} ${fmt(total - u).padStart(h ? 5 : 9)} ${`${Math.ceil((u / total) * 100)}%`.padStart(4)} ${mnt}`,
      )
      .join('\n')}\n`,
  };
};

const cd: Cmd = (argv, _io, sh) => {
  const target =
    argv[1] === undefined || argv[1] === '~' ? sh.home : argv[1] === '-' ? (sh.env.get('OLDPWD') ?? sh.cwd) : argv[1];
  const abs = normalise(target, sh.cwd);
  const node = lookup(sh.fs, abs);
  if (!node) return { err: `${errPrefix(sh)}cd: ${target}: No such file or directory\n`, code: 1 };
  if (node.type !== 'dir') return { err: `${errPrefix(sh)}cd: ${target}: Not a directory\n`, code: 1 };
  if (!(sh.user === 'root' || (node.owner === sh.user ? node.mode & 0o100 : node.mode & 0o001))) {
    return { err: `${errPrefix(sh)}cd: ${target}: Permission denied\n`, code: 1 };
  }
  sh.env.set('OLDPWD', sh.cwd);
  sh.cwd = abs;
  sh.env.set('PWD', abs);
  return {};
};

const which: Cmd = (argv, _io, sh) => {
  let out = '';
  let code = 0;
  for (const a of argv.slice(1).filter((x) => !x.startsWith('-'))) {
    const dir = (sh.env.get('PATH') ?? '').split(':').find((d) => lookup(sh.fs, `${d}/${a}`)?.type === 'file');
    if (dir && COMMANDS[a]) out += `${dir}/${a}\n`;
    else code = 1;
  }
  return { out, code };
};

const BUILTINS = new Set([
  'cd',
  'echo',
  'printf',
  'pwd',
  'export',
  'unset',
  'history',
  'exit',
  'logout',
  'type',
  'true',
  'false',
  'kill',
  'enable',
  'ulimit',
  'umask',
  'source',
  '.',
  ':',
  'set',
  'alias',
  'unalias',
  'wait',
  'jobs',
]);

const typeCmd: Cmd = (argv, io, sh) => {
  let out = '';
  let err = '';
  for (const a of argv.slice(1)) {
    if (BUILTINS.has(a)) out += `${a} is a shell builtin\n`;
    else {
      const r = which(['which', a], io, sh);
      if (r.out) out += `${a} is ${r.out}`;
      else err += `${errPrefix(sh)}type: ${a}: not found\n`;
    }
  }
  return { out, err, code: err ? 1 : 0 };
};

const history: Cmd = (_argv, _io, sh) => ({
  out: sh.history.map((h, i) => `${String(i + 1).padStart(5)}  ${h}\n`).join(''),
});

const exportCmd: Cmd = (argv, _io, sh) => {
  if (argv.length === 1 || argv[1] === '-p') {
    return {
      out: [...sh.env]
        .sort()
        .map(([k, v]) => `declare -x ${k}="${v}"\n`)
        .join(''),
    };
  }
  for (const a of argv.slice(1)) {
    const eq = a.indexOf('=');
    if (eq > 0) sh.env.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return {};
};

const exit: Cmd = (argv, _io, sh) => {
  const prev = sh.stack.pop();
  const code = Number(argv[1] ?? sh.lastCode) || 0;
  const out = sh.opts.tty && !sh.depth ? 'logout\n' : '';
  if (prev) {
    sh.user = prev.user;
    sh.home = prev.home;
    sh.cwd = prev.cwd;
    resetEnv(sh);
    return { out, code };
  }
  if (!sh.depth) sh.exiting = true;
  return { out, code };
};

function becomeUser(sh: State, user: string, login: boolean): void {
  sh.stack.push({ user: sh.user, home: sh.home, cwd: sh.cwd });
  sh.user = user;
  sh.home = homeOf(sh.fs, user);
  if (login) sh.cwd = sh.home;
  resetEnv(sh);
}

const su: Cmd = (argv, _io, sh) => {
  const args = argv.slice(1);
  const login = args.includes('-') || args.includes('-l') || args.includes('--login');
  const cIdx = args.indexOf('-c');
  const target = args.find((a, i) => !a.startsWith('-') && i !== cIdx + 1) ?? 'root';
  if (!idExists(sh, target))
    return {
      err: `su: user ${target} does not exist or the user entry does not contain all the required fields\n`,
      code: 1,
    };
  if (sh.user === 'root') {
    if (cIdx >= 0) return runAs(sh, target, args[cIdx + 1] ?? '');
    becomeUser(sh, target, login);
    return {};
  }
  if (!sh.opts.tty || sh.depth) return { err: 'su: must be run from a terminal\n', code: 1 };
  sh.pending = { kind: 'su', target, login };
  return { out: 'Password: ' };
};

function finishSu(sh: State, password: string): RunResult {
  const pending = sh.pending as NonNullable<State['pending']>;
  sh.pending = undefined;
  const ok = sh.opts.accepts(pending.target, password);
  sh.opts.session.record('login', {
    username: pending.target,
    password,
    success: ok,
    info: { via: 'su', from: sh.user },
  });
  if (!ok) return { output: [{ fd: 2, text: '\nsu: Authentication failure\n' }], code: 1, exit: false };
  becomeUser(sh, pending.target, pending.login);
  return { output: [{ fd: 1, text: '\n' }], code: 0, exit: false };
}

function idExists(sh: State, user: string): boolean {
  if (user === 'root') return true;
  const passwd = lookup(sh.fs, '/etc/passwd');
  return (
    passwd?.type === 'file' &&
    contentOf(passwd)
      .split('\n')
      .some((l) => l.startsWith(`${user}:`))
  );
}

function runAs(sh: State, user: string, line: string): CmdResult {
  if (sh.depth >= MAX_DEPTH) return {};
  const saved = { user: sh.user, home: sh.home, env: sh.env };
  sh.user = user;
  sh.home = homeOf(sh.fs, user);
  sh.env = new Map(sh.env);
  sh.env.set('USER', user);
  sh.env.set('HOME', sh.home);
  sh.depth++;
  const buf: Output[] = [];
  const code = runSegments(sh, splitLine(line).slice(0, MAX_PARTS), buf, '');
  sh.depth--;
  sh.exiting = false;
  sh.user = saved.user;
  sh.home = saved.home;
  sh.env = saved.env;
  return {
    out: buf
      .filter((o) => o.fd === 1)
      .map((o) => o.text)
      .join(''),
    err: buf
      .filter((o) => o.fd === 2)
      .map((o) => o.text)
      .join(''),
    code,
  };
}

/** The fake admin may sudo anything without a password (a common sloppy setup, so intruders go on). */
const sudo: Cmd = (argv, _io, sh) => {
  let i = 1;
  let shell = false;
  while (i < argv.length && (argv[i] as string).startsWith('-')) {
    const f = argv[i] as string;
    if (f === '-i' || f === '-s' || f === '-su') shell = true;
    if (f === '-l') {
      return {
        out: `Matching Defaults entries for ${sh.user} on ${sh.profile.hostname}:\n    env_reset, mail_badpass\n\nUser ${sh.user} may run the following commands on ${sh.profile.hostname}:\n    (ALL : ALL) NOPASSWD: ALL\n`,
      };
    }
    if (f === '-u') i++;
    i++;
  }
  const rest = argv.slice(i);
  if (!rest.length && !shell)
    return { err: 'usage: sudo -h | -K | -k | -V\nusage: sudo [-u user] [command]\n', code: 1 };
  if (
    shell ||
    (rest.length === 1 && /^(su|bash|sh|-?bash)$/.test(rest[0] as string)) ||
    (rest[0] === 'su' && rest.slice(1).every((a) => a === '-' || a === 'root' || a === '-l'))
  ) {
    if (sh.depth) return {};
    becomeUser(sh, 'root', true);
    return {};
  }
  return runAs(sh, 'root', rest.map(quoteArg).join(' '));
};

const quoteArg = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

const shCmd: Cmd = (argv, io, sh) => {
  const c = argv.indexOf('-c');
  if (c >= 0) return runAs(sh, sh.user, argv[c + 1] ?? '');
  const file = argv.slice(1).find((a) => !a.startsWith('-'));
  if (file) {
    const r = readFile(sh, file);
    if (r.err) return { err: `${argv[0]}: ${file}: ${r.err}\n`, code: 127 };
    return runScript(sh, r.text, io, argv.slice(2));
  }
  // `… | sh`: the piped text is the script.
  if (io.stdin) return runScript(sh, io.stdin, { stdin: '', tty: io.tty }, []);
  return {};
};

// Downloads: recorded, never fetched. The fake host has no way out (a hospital server behind a
// firewall that rejects outbound TCP and has no external DNS), so every tool fails the way it
// would there and bots move on to their next URL, which is recorded too.

function recordDownload(sh: State, tool: string, url: string): void {
  if (sh.downloads >= MAX_DOWNLOADS) return;
  sh.downloads++;
  sh.opts.session.record('download', { url, summary: `${tool} ${url}`, info: { tool, user: sh.user } });
}

function hostOf(url: string): { host: string; port: string; isIp: boolean } {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?/i.exec(url);
  const scheme = (m?.[1] ?? 'http').toLowerCase();
  const host = m?.[2] ?? url;
  return {
    host,
    port: m?.[3] ?? (scheme === 'https' ? '443' : scheme === 'ftp' ? '21' : '80'),
    isIp: /^\d+\.\d+\.\d+\.\d+$|^\[/.test(host),
  };
}

const withScheme = (u: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`);

const wget: Cmd = (argv, _io, sh) => {
  const { flags, args } = opts(argv, 'OoPUtTeYwaBd');
  if (!args.length)
    return {
      err: "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n",
      code: 1,
    };
  let err = '';
  for (const a of args) {
    const url = withScheme(a);
    recordDownload(sh, 'wget', url);
    if (flags.has('q') || flags.has('quiet')) continue;
    const { host, port, isIp } = hostOf(url);
    const stamp = jst(Date.now()).toISOString().replace('T', ' ').slice(0, 19);
    err += `--${stamp}--  ${url}\n`;
    err += isIp
      ? `Connecting to ${host}:${port}... failed: Connection refused.\n`
      : `Resolving ${host} (${host})... failed: Temporary failure in name resolution.\nwget: unable to resolve host address ‘${host}’\n`;
  }
  return { err, code: 4 };
};

const curl: Cmd = (argv, _io, sh) => {
  const { flags, args } = opts(argv, 'oudHXAeUxbcmwrTEKQzYyCF');
  const urls = args.length ? args : [];
  if (!urls.length) return { err: "curl: try 'curl --help' or 'curl --manual' for more information\n", code: 2 };
  const silent = (flags.has('s') || flags.has('silent')) && !flags.has('S') && !flags.has('show-error');
  let err = '';
  let code = 0;
  for (const a of urls) {
    const url = withScheme(a);
    recordDownload(sh, 'curl', url);
    const { host, port, isIp } = hostOf(url);
    code = isIp ? 7 : 6;
    if (!silent)
      err += isIp
        ? `curl: (7) Failed to connect to ${host} port ${port} after ${host.length % 5} ms: Connection refused\n`
        : `curl: (6) Could not resolve host: ${host}\n`;
  }
  return { err, code };
};

const tftp: Cmd = (argv, _io, sh) => {
  // busybox: tftp -g -r FILE [-l LOCAL] HOST [PORT]; tftp-hpa: tftp HOST [PORT] -c get FILE
  const { values, args } = opts(argv, 'rlcmR');
  let file = values.get('r');
  const c = argv.indexOf('-c');
  if (!file && c >= 0) file = argv[c + 2];
  const host = args.find((a) => a !== 'get' && a !== file && !/^\d+$/.test(a)) ?? '';
  const port = args.find((a) => /^\d+$/.test(a));
  if (!host)
    return { err: 'Usage: tftp [-4|-6] [-v] [-V] [-l] [-m mode] [-R port:port] [host [port]] [-c command]\n', code: 1 };
  recordDownload(sh, 'tftp', `tftp://${host}${port ? `:${port}` : ''}/${file ?? ''}`);
  return { err: argv[0] === 'busybox' ? 'tftp: timeout\n' : 'Transfer timed out.\n\n', code: 1 };
};

const ftp: Cmd = (argv, _io, sh) => {
  const { values, args } = opts(argv, 'upP');
  if (argv[0] === 'ftpget') {
    const [host, local, remote] = args;
    if (!host)
      return {
        err: 'BusyBox v1.30.1 multi-call binary.\n\nUsage: ftpget [OPTIONS] HOST [LOCAL_FILE] REMOTE_FILE\n',
        code: 1,
      };
    recordDownload(
      sh,
      'ftpget',
      `ftp://${values.get('u') ? `${values.get('u')}@` : ''}${host}${values.get('P') ? `:${values.get('P')}` : ''}/${remote ?? local ?? ''}`,
    );
    return { err: `ftpget: can't connect to remote host (${host}): Connection refused\n`, code: 1 };
  }
  const host = args[0];
  if (!host) return { out: '', code: 0 };
  recordDownload(sh, 'ftp', `ftp://${host}${args[1] ? `:${args[1]}` : ''}/`);
  return { err: `ftp: Can't connect to \`${host}:ftp': Connection refused\n`, code: 1 };
};

const scp: Cmd = (argv, _io, sh) => {
  const { flags, values, args } = opts(argv, 'PiFoSlc');
  if (flags.has('t') || flags.has('f')) {
    // The sink/source side of an upload or download over SSH: refuse like a read-only target.
    const path = args[args.length - 1] ?? '.';
    return { out: `\x01scp: ${path}: Permission denied\n`, code: 1 };
  }
  if (args.length < 2)
    return {
      err: 'usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n           [-P port] [-S program] [-X sftp_option] source ... target\n',
      code: 1,
    };
  let err = '';
  for (const a of args.slice(0, -1)) {
    const m = /^(?:scp:\/\/)?(?:([^@/]+)@)?([^:/]+):(.*)$/.exec(a);
    if (!m) continue;
    const url = `scp://${m[1] ? `${m[1]}@` : ''}${m[2]}${values.get('P') ? `:${values.get('P')}` : ''}/${(m[3] ?? '').replace(/^\//, '')}`;
    recordDownload(sh, 'scp', url);
    err += `ssh: connect to host ${m[2]} port ${values.get('P') ?? '22'}: Connection refused\r\nConnection closed\r\n`;
  }
  if (!err) return { err: `cp: cannot stat '${args[0]}': No such file or directory\n`, code: 1 };
  return { err, code: 255 };
};

// Text filters, enough for the recon one-liners bots send (`cat /proc/cpuinfo | grep name | wc -l`).

function inputs(sh: State, args: string[], io: Io, tool: string): { text: string; err: string } {
  if (!args.length) return { text: io.stdin, err: '' };
  let text = '';
  let err = '';
  for (const a of args) {
    const r = readFile(sh, a);
    if (r.err) err += `${tool}: ${a}: ${r.err}\n`;
    else text += r.text;
  }
  return { text, err };
}

const grep: Cmd = (argv, io, sh) => {
  const { flags, values, args } = opts(argv, 'emAB');
  const pattern = values.get('e') ?? args.shift();
  if (pattern === undefined)
    return { err: "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", code: 2 };
  const match = textMatcher(pattern, {
    ignoreCase: flags.has('i'),
    extended: argv[0] === 'egrep' || flags.has('E'),
    fixed: flags.has('F'),
  });
  const { text, err } = inputs(sh, args, io, 'grep');
  const hits = lines(text).filter((l) => match(l) !== flags.has('v'));
  if (flags.has('c')) return { out: `${hits.length}\n`, err, code: hits.length ? 0 : 1 };
  if (flags.has('q')) return { code: hits.length ? 0 : 1 };
  return { out: hits.map((l) => `${l}\n`).join(''), err, code: err ? 2 : hits.length ? 0 : 1 };
};

const headTail: Cmd = (argv, io, sh) => {
  const norm = argv.map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const { values, args } = opts(norm, 'nc');
  const n = Number.parseInt(values.get('n') ?? '10', 10) || 0;
  const { text, err } = inputs(sh, args, io, argv[0] as string);
  const l = lines(text);
  const picked = argv[0] === 'head' ? l.slice(0, n) : n ? l.slice(-n) : [];
  return { out: picked.map((x) => `${x}\n`).join(''), err, code: err ? 1 : 0 };
};

const wc: Cmd = (argv, io, sh) => {
  const { flags, args } = opts(argv);
  const { text, err } = inputs(sh, args, io, 'wc');
  const counts: [string, number][] = [
    ['l', (text.match(/\n/g) ?? []).length],
    ['w', text.split(/\s+/).filter(Boolean).length],
    ['c', Buffer.byteLength(text)],
  ];
  const picked = counts.filter(([f]) => flags.has(f) || (f === 'c' && flags.has('m')));
  const shown = picked.length ? picked : counts;
  const suffix = args.length === 1 ? ` ${args[0]}` : '';
  return {
    out: `${shown.map(([, v]) => (shown.length === 1 && !args.length ? String(v) : String(v).padStart(args.length ? 1 : 7))).join(' ')}${suffix}\n`,
    err,
  };
};

const sort: Cmd = (argv, io, sh) => {
  const { flags, args } = opts(argv, 'kt');
  const { text, err } = inputs(sh, args, io, 'sort');
  let l = lines(text).sort(flags.has('n') ? (a, b) => Number.parseFloat(a) - Number.parseFloat(b) : undefined);
  if (flags.has('r')) l = l.reverse();
  if (flags.has('u')) l = [...new Set(l)];
  return { out: l.map((x) => `${x}\n`).join(''), err };
};

const uniq: Cmd = (argv, io, sh) => {
  const { flags, args } = opts(argv);
  const { text, err } = inputs(sh, args, io, 'uniq');
  const out: [string, number][] = [];
  for (const l of lines(text)) {
    const last = out[out.length - 1];
    if (last && last[0] === l) last[1]++;
    else out.push([l, 1]);
  }
  return { out: out.map(([l, n]) => (flags.has('c') ? `${String(n).padStart(7)} ${l}\n` : `${l}\n`)).join(''), err };
};

const cut: Cmd = (argv, io, sh) => {
  const { values, args } = opts(argv, 'dfc');
  const { text, err } = inputs(sh, args, io, 'cut');
  const d = values.get('d') ?? '\t';
  const f = values.get('f');
  if (!f) return { err: 'cut: you must specify a list of bytes, characters, or fields\n', code: 1 };
  const fields = f.split(',').flatMap((r) => {
    const [a, b] = r.split('-');
    const from = Number(a) || 1;
    const to = r.includes('-') ? Number(b) || 99 : from;
    return Array.from({ length: Math.max(0, Math.min(to, 99) - from + 1) }, (_, i) => from + i);
  });
  return {
    out: lines(text)
      .map((l) =>
        l.includes(d)
          ? `${fields
              .map((i) => l.split(d)[i - 1])
              .filter((x) => x !== undefined)
              .join(d)}\n`
          : `${l}\n`,
      )
      .join(''),
    err,
  };
};

/** A small awk: optional `NR==n`/`/re/` pattern and a `{print …}` action, which covers bot recon lines. */
const awk: Cmd = (argv, io, sh) => {
  const { values, args } = opts(argv, 'Fv');
  // Bounded and trimmed before the (fixed) pattern below, so it cannot backtrack for long.
  const program = (args.shift() ?? '').trim().slice(0, 512);
  const fs = values.get('F');
  const { text, err } = inputs(sh, args, io, 'awk');
  const m = /^(?:(N?F?NR) *== *(\d+)|\/((?:\\.|[^/\\])*)\/)? *(?:\{ *print *([^};]*);? *\})?$/.exec(program);
  if (!m) return { err: `awk: line 1: syntax error at or near ${program.slice(0, 10)}\n`, code: 2 };
  const wantNr = m[2] ? Number(m[2]) : undefined;
  const re = m[3] !== undefined ? textMatcher(m[3], { extended: true }) : undefined;
  const items = (m[4] ?? '$0').split(/\s*,\s*|\s+/).filter(Boolean);
  const hasCommas = (m[4] ?? '').includes(',');
  let out = '';
  let nr = 0;
  for (const l of lines(text)) {
    nr++;
    if (wantNr !== undefined && nr !== wantNr) continue;
    if (re && !re(l)) continue;
    const f = fs ? l.split(fs) : l.trim().split(/\s+/);
    const vals = items.map((it) => {
      if (it === '$0') return l;
      if (it === 'NF') return String(f.length);
      if (it === 'NR') return String(nr);
      if (/^\$\d+$/.test(it)) return f[Number(it.slice(1)) - 1] ?? '';
      if (it === '$NF') return f[f.length - 1] ?? '';
      return it.replace(/^"|"$/g, '');
    });
    out += `${vals.join(hasCommas ? ' ' : '')}\n`;
  }
  return { out, err };
};

const base64: Cmd = (argv, io, sh) => {
  const { flags, args } = opts(argv);
  const { text, err } = inputs(sh, args, io, 'base64');
  if (flags.has('d') || flags.has('decode'))
    return { out: Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('latin1'), err };
  return {
    out: `${(
      Buffer.from(text, 'latin1')
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\n')}\n`,
    err,
  };
};

// File changes: kept in the session's memory only.

const touch: Cmd = (argv, _io, sh) => {
  let err = '';
  for (const a of opts(argv).args) {
    const node = lookup(sh.fs, normalise(a, sh.cwd));
    if (node) node.mtime = Date.now();
    else {
      const e = writeFile(sh, a, '', false);
      if (e) err += `touch: cannot touch '${a}': ${e}\n`;
    }
  }
  return { err, code: err ? 1 : 0 };
};

const mkdir: Cmd = (argv, _io, sh) => {
  const { flags, args } = opts(argv, 'm');
  let err = '';
  for (const a of args) {
    const abs = normalise(a, sh.cwd);
    const parts = abs.split('/').filter(Boolean);
    for (let i = flags.has('p') ? 1 : parts.length; i <= parts.length; i++) {
      const path = `/${parts.slice(0, i).join('/')}`;
      const existing = lookup(sh.fs, path);
      if (existing) {
        if (i === parts.length && !flags.has('p')) err += `mkdir: cannot create directory ‘${a}’: File exists\n`;
        continue;
      }
      const { dir, name } = parentOf(sh.fs, path);
      if (!dir) {
        err += `mkdir: cannot create directory ‘${a}’: No such file or directory\n`;
        break;
      }
      if (!writable(dir, sh.user) || sh.fs.added >= MAX_NEW_NODES || name.length > MAX_NAME) {
        err += `mkdir: cannot create directory ‘${a}’: Permission denied\n`;
        break;
      }
      sh.fs.added++;
      dir.children.set(name, {
        type: 'dir',
        mode: 0o755,
        owner: sh.user,
        group: sh.user,
        mtime: Date.now(),
        children: new Map(),
      });
    }
  }
  return { err, code: err ? 1 : 0 };
};

const rm: Cmd = (argv, _io, sh) => {
  const { flags, args } = opts(argv);
  const recursive = flags.has('r') || flags.has('R');
  let err = '';
  for (const a of args) {
    const abs = normalise(a, sh.cwd);
    const node = lookup(sh.fs, abs, false);
    if (abs === '/') {
      err +=
        "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n";
      continue;
    }
    if (!node) {
      if (!flags.has('f')) err += `rm: cannot remove '${a}': No such file or directory\n`;
      continue;
    }
    if (node.type === 'dir' && !recursive) {
      err += `rm: cannot remove '${a}': Is a directory\n`;
      continue;
    }
    const { dir, name } = parentOf(sh.fs, abs);
    if (!dir || !writable(dir, sh.user)) {
      err += `rm: cannot remove '${a}': Permission denied\n`;
      continue;
    }
    dir.children.delete(name);
  }
  return { err, code: err ? 1 : 0 };
};

const cpMv: Cmd = (argv, _io, sh) => {
  const { args } = opts(argv);
  const tool = argv[0] as string;
  if (args.length < 2) return { err: `${tool}: missing destination file operand after '${args[0] ?? ''}'\n`, code: 1 };
  const dest = args[args.length - 1] as string;
  let err = '';
  for (const src of args.slice(0, -1)) {
    const abs = normalise(src, sh.cwd);
    const node = lookup(sh.fs, abs);
    if (!node || node.type === 'link') {
      err += `${tool}: cannot stat '${src}': No such file or directory\n`;
      continue;
    }
    if (node.type === 'dir') {
      err += `${tool}: -r not specified; omitting directory '${src}'\n`;
      continue;
    }
    if (!readable(node, sh.user)) {
      err += `${tool}: cannot open '${src}' for reading: Permission denied\n`;
      continue;
    }
    const destNode = lookup(sh.fs, normalise(dest, sh.cwd));
    const target = destNode?.type === 'dir' ? `${dest}/${abs.split('/').pop()}` : dest;
    const e = writeFile(sh, target, contentOf(node), false);
    if (e) {
      err += `${tool}: cannot create regular file '${target}': ${e}\n`;
      continue;
    }
    const written = lookup(sh.fs, normalise(target, sh.cwd));
    if (written?.type === 'file') {
      written.mode = node.mode;
      written.size = node.size;
    }
    if (tool === 'mv') {
      const { dir, name } = parentOf(sh.fs, abs);
      dir?.children.delete(name);
    }
  }
  return { err, code: err ? 1 : 0 };
};

const chmod: Cmd = (argv, _io, sh) => {
  const args = argv.slice(1).filter((a) => a !== '-R' && a !== '-f' && a !== '-v');
  const spec = args.shift();
  if (!spec || !args.length)
    return { err: "chmod: missing operand\nTry 'chmod --help' for more information.\n", code: 1 };
  let err = '';
  for (const a of args) {
    const node = lookup(sh.fs, normalise(a, sh.cwd));
    if (!node) {
      err += `chmod: cannot access '${a}': No such file or directory\n`;
      continue;
    }
    if (sh.user !== 'root' && node.owner !== sh.user) {
      err += `chmod: changing permissions of '${a}': Operation not permitted\n`;
      continue;
    }
    node.mode = applyMode(node.mode, spec);
  }
  return { err, code: err ? 1 : 0 };
};

function applyMode(mode: number, spec: string): number {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let m = mode;
  for (const clause of spec.split(',')) {
    const c = /^([ugoa]*)([+=-])([rwxXst]*)$/.exec(clause);
    if (!c) continue;
    const who = c[1] || 'a';
    let bits = 0;
    for (const p of c[3] ?? '') bits |= p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' || p === 'X' ? 1 : 0;
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= bits << 6;
    if (who.includes('g') || who.includes('a')) mask |= bits << 3;
    if (who.includes('o') || who.includes('a')) mask |= bits;
    let whoMask = 0;
    if (who.includes('u') || who.includes('a')) whoMask |= 0o700;
    if (who.includes('g') || who.includes('a')) whoMask |= 0o070;
    if (who.includes('o') || who.includes('a')) whoMask |= 0o007;
    if (c[2] === '+') m |= mask;
    else if (c[2] === '-') m &= ~mask;
    else m = (m & ~whoMask) | mask;
  }
  return m;
}

const busybox: Cmd = (argv, io, sh) => {
  const applet = argv[1];
  if (!applet) {
    return {
      out: 'BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call binary.\nBusyBox is copyrighted by many authors between 1998-2015.\nLicensed under GPLv2. See source distribution for detailed\ncopyright notices.\n\nUsage: busybox [function [arguments]...]\n',
    };
  }
  const cmd = COMMANDS[applet];
  if (!cmd || BUILTINS.has(applet) || ['sudo', 'su', 'bash', 'python3', 'perl'].includes(applet))
    return { err: `${applet}: applet not found\n`, code: 127 };
  if (applet === 'tftp') return tftp(['busybox', ...argv.slice(2)], io, sh);
  return cmd(argv.slice(1), io, sh);
};

const silent: Cmd = () => ({});
const notFromTty: Cmd = (argv) => ({ err: `${argv[0]}: failed tty get\n`, code: 1 });

const COMMANDS: Record<string, Cmd> = {
  ls,
  dir: ls,
  ll: (argv, io, sh) => ls(['ls', '-alF', ...argv.slice(1)], io, sh),
  cd,
  pwd: (_a, _io, sh) => ({ out: `${sh.cwd}\n` }),
  cat,
  echo,
  printf,
  uname,
  whoami: (_a, _io, sh) => ({ out: `${sh.user}\n` }),
  id,
  hostname: (argv, _io, sh) => ({
    out: `${argv.includes('-f') ? sh.profile.fqdn : argv.includes('-I') ? `${sh.profile.ip} ` : sh.profile.hostname}\n`,
  }),
  w,
  who: (_a, _io, sh) => ({
    out: `${sh.user.padEnd(8)} pts/0        ${jst(sh.opts.session.startedAt.getTime()).toISOString().slice(0, 16).replace('T', ' ')} (${sh.opts.session.srcIp})\n`,
  }),
  uptime: (argv, _io, sh) =>
    argv.includes('-p')
      ? { out: `up ${Math.floor((Date.now() - sh.profile.bootAt) / 86_400_000)} days\n` }
      : { out: `${uptimeText(sh.profile)}\n` },
  ps,
  ifconfig,
  ip,
  free,
  df,
  history,
  export: exportCmd,
  unset: (argv, _io, sh) => {
    for (const a of argv.slice(1)) sh.env.delete(a);
    return {};
  },
  env: (_a, _io, sh) => ({ out: [...sh.env].map(([k, v]) => `${k}=${v}\n`).join('') }),
  which,
  type: typeCmd,
  sudo,
  su,
  exit,
  logout: exit,
  wget,
  curl,
  tftp,
  ftp,
  ftpget: ftp,
  scp,
  chmod,
  chown: (argv, _io, sh) =>
    sh.user === 'root'
      ? {}
      : { err: `chown: changing ownership of '${argv[argv.length - 1]}': Operation not permitted\n`, code: 1 },
  rm,
  mkdir,
  touch,
  cp: cpMv,
  mv: cpMv,
  grep,
  egrep: grep,
  head: headTail,
  tail: headTail,
  wc,
  sort,
  uniq,
  cut,
  awk,
  base64,
  nproc: (_a, _io, sh) => ({ out: `${sh.profile.cpus}\n` }),
  lscpu: (_a, _io, sh) => ({
    out: `Architecture:            x86_64\n  CPU op-mode(s):        32-bit, 64-bit\n  Address sizes:         45 bits physical, 48 bits virtual\n  Byte Order:            Little Endian\nCPU(s):                  ${sh.profile.cpus}\n  On-line CPU(s) list:   0-${sh.profile.cpus - 1}\nVendor ID:               GenuineIntel\n  Model name:            ${sh.profile.cpuModel}\n    CPU family:          6\n    Model:               85\n    Thread(s) per core:  1\n    Core(s) per socket:  ${sh.profile.cpus}\n    Socket(s):           1\nVirtualization features: \n  Hypervisor vendor:     VMware\n  Virtualization type:   full\n`,
  }),
  crontab: (argv, _io, sh) => (argv.includes('-l') ? { err: `no crontab for ${sh.user}\n`, code: 1 } : {}),
  date: () => ({ out: `${dateLine(Date.now())}\n` }),
  sleep: silent,
  true: silent,
  false: () => ({ code: 1 }),
  ':': silent,
  kill: silent,
  pkill: silent,
  killall: silent,
  wait: silent,
  nohup: (argv, io, sh) =>
    argv.length > 1
      ? exec(sh, argv.slice(1), io)
      : { err: "nohup: missing operand\nTry 'nohup --help' for more information.\n", code: 125 },
  ulimit: () => ({ out: 'unlimited\n' }),
  umask: () => ({ out: '0022\n' }),
  enable: silent,
  set: silent,
  alias: silent,
  unalias: silent,
  clear: () => ({ out: '\x1b[H\x1b[2J\x1b[3J' }),
  sh: shCmd,
  bash: shCmd,
  dash: shCmd,
  source: shCmd,
  '.': shCmd,
  busybox,
  top: (argv, io, sh) =>
    io.tty
      ? { out: `top - ${uptimeText(sh.profile).trim()}\nTasks: ${200 + sh.profile.cpus * 9} total,   1 running\n` }
      : notFromTty(argv, io, sh),
  passwd: () => ({ err: 'passwd: Authentication token manipulation error\npasswd: password unchanged\n', code: 10 }),
  chpasswd: silent,
  useradd: (_argv, _io, sh) =>
    sh.user === 'root'
      ? {}
      : { err: 'useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n', code: 1 },
  ping: (argv) => {
    const host = argv.slice(1).find((a) => !a.startsWith('-') && !/^\d+$/.test(a)) ?? '';
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host))
      return { err: `ping: ${host}: Temporary failure in name resolution\n`, code: 2 };
    return {
      out: `PING ${host} (${host}) 56(84) bytes of data.\n\n--- ${host} ping statistics ---\n4 packets transmitted, 0 received, 100% packet loss, time 3062ms\n\n`,
      code: 1,
    };
  },
  python3: silent,
  python: (_argv, _io, sh) => ({ err: `${errPrefix(sh)}python: command not found\n`, code: 127 }),
  perl: silent,
  apt: (argv, _io, sh) => aptLike(argv, sh),
  'apt-get': (argv, _io, sh) => aptLike(argv, sh),
  yum: (argv, _io, sh) => aptLike(argv, sh),
  dnf: (argv, _io, sh) => aptLike(argv, sh),
  systemctl: (argv) =>
    argv[1] === 'status'
      ? { out: `● ${argv[2] ?? 'system'}\n     Loaded: loaded\n     Active: active (running)\n` }
      : {},
  netstat: (_a, _io, sh) => ({
    out: `Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State\ntcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\ntcp        0      0 127.0.0.1:5432          0.0.0.0:*               LISTEN\ntcp        0      0 0.0.0.0:8443            0.0.0.0:*               LISTEN\ntcp        0     36 ${`${sh.profile.ip}:22`.padEnd(23)} ${`${sh.opts.session.srcIp}:${sh.opts.session.srcPort}`.padEnd(23)} ESTABLISHED\n`,
  }),
  last: (_a, _io, sh) => ({
    out: `${sh.profile.admin.padEnd(8)} pts/0        ${sh.profile.gateway.padEnd(16)} ${dateLine(Date.now() - 2 * 86_400_000).slice(0, 16)}   still logged in\n\nwtmp begins ${dateLine(sh.profile.bootAt)}\n`,
  }),
  md5sum: (argv, io, sh) => {
    const { text, err } = inputs(sh, opts(argv).args, io, 'md5sum');
    return { out: `${createHashHex(text)}  ${argv[1] ?? '-'}\n`, err };
  },
  ssh: (argv) => {
    const host = argv.slice(1).find((a) => !a.startsWith('-')) ?? '';
    return { err: `ssh: connect to host ${host.replace(/^.*@/, '')} port 22: Connection refused\n`, code: 255 };
  },
  tar: silent,
  vi: notFromTty,
  nano: notFromTty,
  psql: () => ({
    err: 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  Peer authentication failed for user "postgres"\n',
    code: 2,
  }),
  openssl: silent,
  iptables: (_a, _io, sh) =>
    sh.user === 'root'
      ? {}
      : {
          err: 'iptables v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n',
          code: 4,
        },
  reboot: (_a, _io, sh) =>
    sh.user === 'root'
      ? {}
      : { err: 'Failed to set wall message, ignoring: Interactive authentication required.\n', code: 1 },
  shutdown: (_a, _io, sh) =>
    sh.user === 'root'
      ? {}
      : { err: 'Failed to set wall message, ignoring: Interactive authentication required.\n', code: 1 },
  journalctl: () => ({ out: '-- No entries --\n' }),
  route: (_a, _io, sh) => ({
    out: `Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         ${sh.profile.gateway.padEnd(15)} 0.0.0.0         UG    0      0        0 ${sh.profile.iface}\n`,
  }),
  jobs: silent,
  logname: (_a, _io, sh) => ({ out: `${sh.user}\n` }),
};

function aptLike(argv: string[], sh: State): CmdResult {
  const tool = argv[0] as string;
  if (sh.user !== 'root') {
    return tool.startsWith('apt')
      ? {
          err: 'E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n',
          code: 100,
        }
      : {
          err: 'Error: This command has to be run with superuser privileges (under the root user on most systems).\n',
          code: 1,
        };
  }
  if (tool.startsWith('apt')) {
    return {
      out: 'Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n',
      err: `E: Unable to locate package ${argv[argv.length - 1]}\n`,
      code: 100,
    };
  }
  return {
    err: `Error: Failed to download metadata for repo 'baseos': Cannot download repomd.xml: Curl error (6): Couldn't resolve host name\n`,
    code: 1,
  };
}

function createHashHex(text: string): string {
  // Not security relevant: the fake `md5sum` only needs a stable 32-hex answer.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 16_777_619) >>> 0;
    h2 = Math.imul(h2 + text.charCodeAt(i), 2_246_822_519) >>> 0;
  }
  return [h1, h2, h1 ^ h2, (h1 + h2) >>> 0].map((x) => x.toString(16).padStart(8, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// Terminal: line editing over a byte stream (SSH pty or Telnet), echo, prompt.

/** Reads keystrokes into lines like a cooked terminal: echo, backspace, ^C, ^U, ^D; escape sequences are dropped. */
export type LineEditor = {
  feed(text: string): void;
  /** Whether typed characters are echoed (off for passwords). */
  echo: boolean;
};

/** What a line editor needs. */
export type LineEditorOptions = {
  write(text: string): void;
  onLine(line: string): void;
  /** ^C: the line is dropped. */
  onInterrupt?(): void;
  /** ^D on an empty line. */
  onEof?(): void;
  echo: boolean;
  /** Characters kept per line (the rest is dropped, like a full tty buffer). */
  maxLine?: number;
};

/** Creates a line editor. */
export function createLineEditor(o: LineEditorOptions): LineEditor {
  let buf = '';
  let lastCr = false;
  let esc: '' | 'esc' | 'csi' | 'ss3' = '';
  const max = o.maxLine ?? MAX_LINE;
  const editor: LineEditor = {
    echo: o.echo,
    feed(text) {
      for (const ch of text) {
        const c = ch.codePointAt(0) as number;
        if (esc === 'esc') {
          esc = ch === '[' ? 'csi' : ch === 'O' ? 'ss3' : '';
          continue;
        }
        if (esc === 'csi') {
          if (c >= 0x40 && c <= 0x7e) esc = '';
          continue;
        }
        if (esc === 'ss3') {
          esc = '';
          continue;
        }
        const afterCr = lastCr;
        lastCr = false;
        if (ch === '\r' || ch === '\n') {
          if (ch === '\n' && afterCr) continue;
          lastCr = ch === '\r';
          if (editor.echo) o.write('\r\n');
          const line = buf;
          buf = '';
          o.onLine(line);
        } else if (c === 0 && afterCr) {
          // Telnet sends CR NUL for a bare Enter.
        } else if (c === 0x7f || c === 0x08) {
          if (buf) {
            buf = [...buf].slice(0, -1).join('');
            if (editor.echo) o.write('\b \b');
          }
        } else if (c === 0x03) {
          buf = '';
          if (editor.echo || o.echo) o.write('^C\r\n');
          o.onInterrupt?.();
        } else if (c === 0x04) {
          if (!buf) o.onEof?.();
        } else if (c === 0x15) {
          if (editor.echo) o.write('\b \b'.repeat([...buf].length));
          buf = '';
        } else if (c === 0x1b) {
          esc = 'esc';
        } else if (c === 0x09) {
          // Tab completion is not offered; a real shell would beep.
          if (editor.echo) o.write('\x07');
        } else if (c >= 0x20) {
          if (buf.length < max) {
            buf += ch;
            if (editor.echo) o.write(ch);
          }
        }
      }
    },
  };
  return editor;
}

/** Sends terminal text: `\n` becomes CRLF on a tty. */
export const toTerminal = (text: string) => text.replace(/\r?\n/g, '\r\n');

/** Wires a shell to a byte stream: prompt, line editing, output; `end` is called on `exit`. */
export function attachShell(o: {
  shell: Shell;
  write(text: string, fd: 1 | 2): void;
  end(code: number): void;
  tty: boolean;
  echo?: boolean;
}): { feed(text: string): void } {
  const { shell } = o;
  let ended = false;
  const out = (text: string, fd: 1 | 2 = 1) => {
    if (!ended && text) o.write(o.tty ? toTerminal(text) : text, fd);
  };
  const showPrompt = () => {
    if (o.tty) out(shell.prompt());
  };
  const onLine = (line: string) => {
    if (ended) return;
    const r = shell.run(line);
    for (const part of r.output) out(part.text, part.fd);
    if (r.exit) {
      ended = true;
      o.end(r.code);
      return;
    }
    editor.echo = o.tty && o.echo !== false && !shell.secret;
    showPrompt();
  };
  const editor = createLineEditor({
    echo: o.tty && o.echo !== false,
    write: (t) => out(t),
    onLine,
    onInterrupt: showPrompt,
    onEof: () => onLine('exit'),
  });
  if (!o.tty) {
    // Without a terminal there is no line discipline: input arrives as plain lines, nothing echoes.
    editor.echo = false;
  }
  showPrompt();
  return { feed: (text) => editor.feed(text) };
}
