import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { readIfExists } from '../state.ts';

/** One command to run: argv (no shell) and, optionally, text for its standard input. */
export interface Command {
  argv: string[];
  stdin?: string;
}

/** The commands that cut the host off the network and restore it. */
export interface IsolationCommands {
  isolate: Command[];
  release: Command[];
  /** Where they come from: the local override file or a built-in preset. */
  origin: 'override' | 'nftables' | 'netsh';
}

const Argv = z.array(z.string().min(1)).min(1);
const OverrideSchema = z.object({
  isolate: z.union([Argv, z.array(Argv).min(1)]),
  release: z.union([Argv, z.array(Argv).min(1)]),
});

/** Path of the local override: `<stateDir>/isolation.json`, `{"isolate": [argv…], "release": [argv…]}`. */
export const isolationOverridePath = (stateDir: string) => path.join(stateDir, 'isolation.json');

/** The platform server the isolated host must still reach. */
export interface PlatformEndpoint {
  host: string;
  port: number;
}

/**
 * The isolation commands of this host. The server never sends command text (a compromised server must not be
 * able to run programs on every host): the commands are the local override file when present, otherwise the
 * built-in preset for the OS (nftables on Linux, netsh advfirewall on Windows). Null when neither applies.
 */
export async function isolationCommands(
  stateDir: string,
  platform: PlatformEndpoint | null,
  os: NodeJS.Platform = process.platform,
): Promise<IsolationCommands | null> {
  const text = await readIfExists(isolationOverridePath(stateDir));
  if (text !== undefined) {
    const parsed = OverrideSchema.parse(JSON.parse(text));
    const list = (a: string[] | string[][]): Command[] =>
      Array.isArray(a[0]) ? (a as string[][]).map((argv) => ({ argv })) : [{ argv: a as string[] }];
    return { isolate: list(parsed.isolate), release: list(parsed.release), origin: 'override' };
  }
  if (!platform) return null;
  const ips = await resolveAll(platform.host);
  if (os === 'linux') return nftablesPreset(ips, platform.port, await dnsResolvers());
  if (os === 'win32') return netshPreset(ips, platform.port);
  return null;
}

async function resolveAll(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  return [...new Set((await lookup(bare, { all: true })).map((a) => a.address))];
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

async function nameservers(file: string): Promise<string[]> {
  try {
    const text = await readFile(file, 'utf8');
    return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!).filter((ip) => isIP(ip) !== 0);
  } catch {
    return [];
  }
}

/**
 * The name servers DNS stays allowed to while isolated, so the agent can still resolve the platform: those of
 * /etc/resolv.conf and, when that names a local stub resolver (127.0.0.53 of systemd-resolved; loopback is always
 * allowed), the stub's upstream servers from /run/systemd/resolve/resolv.conf. Other stubs (dnsmasq at 127.0.1.1)
 * have upstreams this cannot see: DNS then stops while isolated (see README, reach the platform by IP).
 */
export async function dnsResolvers(
  files = { main: '/etc/resolv.conf', upstream: '/run/systemd/resolve/resolv.conf' },
): Promise<string[]> {
  const main = await nameservers(files.main);
  const upstream = main.some(isLoopback) ? await nameservers(files.upstream) : [];
  return [...new Set([...main, ...upstream].filter((ip) => !isLoopback(ip)))];
}

/** The nftables table used for isolation. */
export const NFT_TABLE = 'mamori_isolation';

/**
 * Linux preset: one nftables table `inet mamori_isolation` whose input and output chains drop everything
 * except loopback, the platform server (TCP to/from its port) and DNS to the configured resolvers.
 * Release deletes the table. Replacing the table first makes isolating twice harmless.
 */
export function nftablesPreset(ips: string[], port: number, dns: string[] = []): IsolationCommands {
  const family = (ip: string) => (isIP(ip) === 6 ? 'ip6' : 'ip');
  const outRules = [
    'oif "lo" accept',
    ...ips.map((ip) => `${family(ip)} daddr ${ip} tcp dport ${port} accept`),
    ...dns.flatMap((ip) => [
      `${family(ip)} daddr ${ip} udp dport 53 accept`,
      `${family(ip)} daddr ${ip} tcp dport 53 accept`,
    ]),
  ];
  const inRules = [
    'iif "lo" accept',
    ...ips.map((ip) => `${family(ip)} saddr ${ip} tcp sport ${port} ct state established accept`),
    ...dns.flatMap((ip) => [
      `${family(ip)} saddr ${ip} udp sport 53 ct state established accept`,
      `${family(ip)} saddr ${ip} tcp sport 53 ct state established accept`,
    ]),
  ];
  const ruleset = [
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority -100; policy drop;',
    ...inRules.map((r) => `    ${r}`),
    '  }',
    '  chain output {',
    '    type filter hook output priority -100; policy drop;',
    ...outRules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
  return {
    isolate: [{ argv: ['nft', '-f', '-'], stdin: ruleset }],
    release: [{ argv: ['nft', 'delete', 'table', 'inet', NFT_TABLE] }],
    origin: 'nftables',
  };
}

const RULE = 'Mamori isolation';

/**
 * Windows preset: Windows Firewall on for every profile, and two block rules (in and out) covering every remote
 * address, IPv4 and IPv6, except the platform server's; block rules win over any allow rule, so shares and remote
 * desktop are cut too. Loopback is not filtered by Windows Firewall. DNS is blocked too (the agent must reach the
 * platform by IP or an address it resolved before). Release deletes the two rules (the firewall stays on).
 */
export function netshPreset(ips: string[], _port: number): IsolationCommands {
  const v4 = ips.filter((ip) => isIP(ip) === 4);
  const v6 = ips.filter((ip) => isIP(ip) === 6);
  const remote = [...ipv4Complement(v4), ...ipv6Complement(v6)].join(',');
  const rule = (dir: 'in' | 'out'): Command => ({
    argv: [
      'netsh',
      'advfirewall',
      'firewall',
      'add',
      'rule',
      `name=${RULE}`,
      `dir=${dir}`,
      'action=block',
      `remoteip=${remote}`,
      'enable=yes',
    ],
  });
  return {
    isolate: [
      { argv: ['netsh', 'advfirewall', 'firewall', 'delete', 'rule', `name=${RULE}`] },
      { argv: ['netsh', 'advfirewall', 'set', 'allprofiles', 'state', 'on'] },
      rule('in'),
      rule('out'),
    ],
    release: [{ argv: ['netsh', 'advfirewall', 'firewall', 'delete', 'rule', `name=${RULE}`] }],
    origin: 'netsh',
  };
}

const toInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** IPv4 ranges (`a-b`) covering every address except the given ones. */
export function ipv4Complement(ips: string[]): string[] {
  const holes = [...new Set(ips.map(toInt))].sort((a, b) => a - b);
  const out: string[] = [];
  let start = 0;
  for (const h of holes) {
    if (h > start) out.push(`${toIp(start)}-${toIp(h - 1)}`);
    start = h + 1;
  }
  if (start <= 0xffffffff) out.push(`${toIp(start)}-255.255.255.255`);
  return out;
}

const V6_MAX = (1n << 128n) - 1n;

function v6ToBig(ip: string): bigint {
  let text = ip.replace(/%.*$/, '');
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = toInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

function bigToV6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** IPv6 ranges (`a-b`) covering every address except the given ones (all of IPv6 when none is given). */
export function ipv6Complement(ips: string[]): string[] {
  const holes = [...new Set(ips.map(v6ToBig))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  let start = 0n;
  for (const h of holes) {
    if (h > start) out.push(`${bigToV6(start)}-${bigToV6(h - 1n)}`);
    start = h + 1n;
  }
  if (start <= V6_MAX) out.push(`${bigToV6(start)}-${bigToV6(V6_MAX)}`);
  return out;
}

/** Runs commands in order (no shell); resolves with the combined output, rejects on the first failure. */
export async function runCommands(
  commands: Command[],
  onSpawn: (pid: number | undefined) => void = () => {},
  timeoutMs = 30_000,
): Promise<string> {
  let output = '';
  for (const c of commands) {
    output += await new Promise<string>((resolve, reject) => {
      const [file, ...args] = c.argv;
      const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, windowsHide: true });
      onSpawn(child.pid);
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code, sig) => {
        if (code === 0) resolve(out);
        else reject(new Error(`${c.argv.join(' ')} failed (${sig ?? `exit ${code}`}): ${out.trim().slice(0, 300)}`));
      });
      child.stdin.end(c.stdin ?? '');
    });
  }
  return output;
}
