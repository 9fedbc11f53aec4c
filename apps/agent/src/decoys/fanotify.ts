// The fanotify watcher: runs the native helper (apps/agent/native/mamori-fanotify.c) and turns its JSON lines into
// events. Linux only, as root. The helper answers the kernel's permission events itself (and kills the process that
// opens a decoy when told to), so the agent's event loop is never on the critical path.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { sha256 } from './safe-fs.ts';

// Declared at the top of the bundle (scripts/build.ts): the helper binary, gzip + base64, and its SHA-256.
declare const __MAMORI_EMBEDDED__: { fanotifyGz?: string; fanotifySha256?: string } | undefined;

/** One line of the helper about a file event. */
export interface FanEvent {
  ev: 'perm' | 'modify' | 'write';
  /** Epoch ms (sub-millisecond) when the helper read the event. */
  t: number;
  pid: number;
  mask: number;
  /** 1 when the file is a marked decoy. */
  decoy: 0 | 1;
  /** Decoys: `<dev>:<inode>` of the marked file (as recorded at planting). */
  inode?: string;
  /** perm: whether the process was opening or reading. */
  access?: 'open' | 'read';
  /** perm: the access was denied (kill flag set). */
  denied?: 0 | 1;
  /** perm: the helper killed the process (SIGSTOP, then SIGKILL) before answering. */
  killed?: 0 | 1;
  killErrno?: number;
  /** write on a non-decoy: the start of the file looks encrypted (high entropy, no known signature). */
  enc?: 0 | 1;
  path: string;
  uid: number;
  ppid: number;
  /** Start time of the process (clock ticks since boot), as a string. */
  start: string;
  comm: string;
  cmdline: string;
}

/** What the helper watches. */
export interface FanConfig {
  /**
   * Decoys to mark, with `<dev>:<inode>` recorded at planting: the helper refuses (mark_error) a path that is now
   * a link or another file. Without it, only links and non-regular files are refused.
   */
  decoys: { path: string; kill: boolean; inode?: string }[];
  /** Directories whose direct children's writes are reported (with the writer's pid). */
  dirs: string[];
  /** Pids never acted on nor reported, beyond the helper's own parent chain (the agent). */
  protect: number[];
}

/** A running fanotify helper. */
export interface FanWatcher {
  readonly source: 'fanotify';
  readonly pid: number | undefined;
  /** Resolves once the marks are in place (with the count of marks that failed). */
  readonly ready: Promise<{ marks: number; errors: number }>;
  /** Replaces every mark (flush, then the new set); resolves when in place. */
  update(config: FanConfig): Promise<{ marks: number; errors: number }>;
  close(): void;
}

/** The helper could not start: fanotify is unavailable here (not root, kernel without it). Do not retry. */
export class FanotifyUnavailable extends Error {}

/**
 * Where the helper binary is, or why there is none. In order: `MAMORI_AGENT_FANOTIFY_HELPER`; the copy embedded in
 * the bundle, written to `<stateDir>/bin/mamori-fanotify` (0700) and checked against its SHA-256 before every
 * start; when running from the sources, `apps/agent/dist/native/mamori-fanotify` (scripts/build-native.ts).
 */
export async function locateFanotifyHelper(stateDir: string): Promise<{ path: string } | { why: string }> {
  if (process.platform !== 'linux') return { why: 'fanotify exists only on Linux' };
  if (process.getuid?.() !== 0) return { why: 'fanotify needs root (CAP_SYS_ADMIN)' };
  const fromEnv = process.env.MAMORI_AGENT_FANOTIFY_HELPER;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { why: `${fromEnv} does not exist` };
  const embedded = typeof __MAMORI_EMBEDDED__ === 'object' ? __MAMORI_EMBEDDED__ : undefined;
  if (embedded?.fanotifyGz && embedded.fanotifySha256) {
    const want = embedded.fanotifySha256;
    const dir = path.join(stateDir, 'bin');
    const file = path.join(dir, 'mamori-fanotify');
    const current = await readFile(file).catch(() => undefined);
    if (current && sha256(current) === want) {
      await chmod(file, 0o700);
      return { path: file };
    }
    const data = gunzipSync(Buffer.from(embedded.fanotifyGz, 'base64'));
    if (sha256(data) !== want) return { why: 'the embedded helper does not match its checksum' };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, data, { mode: 0o700 });
    await rename(tmp, file).catch(async (err) => {
      await rm(tmp, { force: true });
      throw err;
    });
    const written = readFileSync(file);
    if (sha256(written) !== want) return { why: 'the helper written to the state directory does not match' };
    return { path: file };
  }
  const dev = fileURLToPath(new URL('../../dist/native/mamori-fanotify', import.meta.url));
  if (existsSync(dev)) return { path: dev };
  return { why: 'the fanotify helper is not built (npm run build -w @mamori/agent)' };
}

/** Starts the helper with `config`; events go to `onEvent`, an unexpected end to `onError`. */
export function watchWithFanotify(
  binary: string,
  config: FanConfig,
  onEvent: (e: FanEvent) => void,
  onError: (err: Error) => void,
): FanWatcher {
  const child: ChildProcess = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  let closed = false;
  let seq = 0;
  const waiting = new Map<
    string,
    { resolve: (r: { marks: number; errors: number }) => void; reject: (e: Error) => void }
  >();
  let fatal: Error | undefined;
  const markErrors: string[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    pending += d;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (line.ev === 'ready') {
        const w = waiting.get(String(line.id));
        waiting.delete(String(line.id));
        w?.resolve({ marks: Number(line.marks), errors: Number(line.errors) });
      } else if (line.ev === 'fatal') {
        const msg = `fanotify helper: ${String(line.what)}: ${String(line.error)}`;
        fatal = new Error(msg);
      } else if (line.ev === 'mark_error') {
        if (markErrors.length < 20) markErrors.push(`${String(line.path)}: ${String(line.error)}`);
      } else if (line.ev === 'perm' || line.ev === 'modify' || line.ev === 'write')
        onEvent(line as unknown as FanEvent);
    }
  });
  const fail = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
    if (!closed) onError(err);
    closed = true;
  };
  child.on('error', (err) => fail(err));
  child.on('exit', (code, sig) =>
    fail(
      code === 3
        ? new FanotifyUnavailable(fatal?.message ?? `fanotify helper: unavailable ${stderr.trim().slice(-300)}`)
        : (fatal ?? new Error(`fanotify helper stopped (${sig ?? `exit ${code}`}) ${stderr.trim().slice(-300)}`)),
    ),
  );
  child.stdin?.on('error', () => {});
  const send = (c: FanConfig, flush: boolean) => {
    const id = String(++seq);
    const p = new Promise<{ marks: number; errors: number }>((resolve, reject) => waiting.set(id, { resolve, reject }));
    p.catch(() => {});
    const lines: string[] = flush ? ['F'] : [];
    for (const pid of [process.pid, ...c.protect]) lines.push(`P ${pid}`);
    for (const d of c.decoys)
      if (!d.path.includes('\n') && d.path.startsWith('/'))
        lines.push(`D ${d.kill ? 1 : 0} ${d.inode && /^\d+:\d+$/.test(d.inode) ? `${d.inode} ` : ''}${d.path}`);
    for (const dir of c.dirs) if (!dir.includes('\n')) lines.push(`T ${dir}`);
    lines.push(`G ${id}`);
    child.stdin?.write(`${lines.join('\n')}\n`);
    return p;
  };
  return {
    source: 'fanotify',
    pid: child.pid,
    ready: send(config, false),
    update: (c) => send(c, true),
    close() {
      closed = true;
      child.stdin?.end();
      child.kill('SIGTERM');
    },
    get markErrors() {
      return markErrors;
    },
  } as FanWatcher;
}
