import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';

/** A file-system change in a watched tree, the same shape from both watchers. */
export interface WatchEvent {
  /**
   * open/access/close_read (reads: inotify only), modify/close_write, attrib, moved_from, moved_to, create,
   * delete; fs.watch reports only `change` (content or attributes) and `rename` (appeared, disappeared or renamed).
   */
  type:
    | 'open'
    | 'access'
    | 'close_read'
    | 'modify'
    | 'close_write'
    | 'attrib'
    | 'moved_from'
    | 'moved_to'
    | 'create'
    | 'delete'
    | 'change'
    | 'rename';
  path: string;
  isDir: boolean;
  source: 'fanotify' | 'inotify' | 'fs.watch';
  /** performance.timeOrigin + performance.now() when the line or callback arrived (ms, sub-millisecond). */
  at: number;
}

/** A running watcher over a set of directory trees. */
export interface TreeWatcher {
  readonly source: 'inotify' | 'fs.watch';
  /** Resolves when every watch is in place. */
  readonly ready: Promise<void>;
  /** Pid of the helper process, if any (never a containment target). */
  readonly pid: number | undefined;
  close(): void;
}

export const nowMs = () => performance.timeOrigin + performance.now();

let inotifyPath: string | null | undefined;

/** The path of `inotifywait` (Debian package inotify-tools) when it is installed, else null. */
export function findInotifywait(): string | null {
  if (inotifyPath !== undefined) return inotifyPath;
  inotifyPath = null;
  if (process.platform !== 'linux') return inotifyPath;
  const r = spawnSync('sh', ['-c', 'command -v inotifywait'], { encoding: 'utf8' });
  inotifyPath = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  return inotifyPath;
}

const INOTIFY_EVENTS = 'open,access,modify,attrib,close_write,close_nowrite,moved_from,moved_to,create,delete';
/** Without reads: when fanotify reports opens and reads of decoys (with the process), inotify need not. */
const INOTIFY_EVENTS_NO_READS = 'modify,attrib,close_write,moved_from,moved_to,create,delete';
const MAP: Record<string, WatchEvent['type']> = {
  OPEN: 'open',
  ACCESS: 'access',
  CLOSE_NOWRITE: 'close_read',
  MODIFY: 'modify',
  CLOSE_WRITE: 'close_write',
  ATTRIB: 'attrib',
  MOVED_FROM: 'moved_from',
  MOVED_TO: 'moved_to',
  CREATE: 'create',
  DELETE: 'delete',
};

/**
 * Watches trees with `inotifywait -m -r` as a child process: the only watcher here that reports opens and reads,
 * the earliest sign of ransomware reaching a decoy. Output is NUL-separated (`%e\0%w%f\0`) so any file name parses.
 */
export function watchWithInotify(
  dirs: string[],
  onEvent: (e: WatchEvent) => void,
  onError: (err: Error) => void,
  binary = findInotifywait() ?? 'inotifywait',
  opts: { reads?: boolean } = {},
): TreeWatcher {
  const child: ChildProcess = spawn(
    binary,
    [
      '-m',
      '-r',
      '-e',
      opts.reads === false ? INOTIFY_EVENTS_NO_READS : INOTIFY_EVENTS,
      '--format',
      '%e%0%w%f%0',
      '--no-newline',
      '--fromfile',
      '-',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let closed = false;
  let readyResolve: () => void = () => {};
  let readyReject: (err: Error) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => {});
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
    if (stderr.includes('Watches established')) readyResolve();
  });
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    const at = nowMs();
    pending += d;
    const parts = pending.split('\0');
    // Records are pairs (events, path); keep an incomplete tail for the next chunk.
    const whole = parts.length - 1 - ((parts.length - 1) % 2);
    for (let i = 0; i + 1 < whole; i += 2) {
      const flags = parts[i]!.split(',');
      const file = parts[i + 1]!.replace(/\/$/, '');
      const isDir = flags.includes('ISDIR');
      for (const f of flags) {
        const type = MAP[f];
        if (type) onEvent({ type, path: file, isDir, source: 'inotify', at });
      }
    }
    pending = parts.slice(whole).join('\0');
  });
  child.on('error', (err) => {
    readyReject(err);
    if (!closed) onError(err);
  });
  child.on('exit', (code, sig) => {
    const err = new Error(`inotifywait stopped (${sig ?? `exit ${code}`}): ${stderr.trim().slice(-500)}`);
    readyReject(err);
    if (!closed) onError(err);
  });
  child.stdin?.end(`${dirs.join('\n')}\n`);
  return {
    source: 'inotify',
    ready,
    pid: child.pid,
    close() {
      closed = true;
      child.kill('SIGTERM');
    },
  };
}

/**
 * Watches trees with Node's fs.watch (recursive; native on Windows and macOS, emulated on Linux). It reports
 * changes and renames, never reads.
 */
export function watchWithFsWatch(
  dirs: string[],
  onEvent: (e: WatchEvent) => void,
  onError: (err: Error) => void,
): TreeWatcher {
  const watchers: FSWatcher[] = [];
  let closed = false;
  for (const dir of dirs) {
    try {
      const w = watch(dir, { recursive: true, persistent: false }, (type, name) => {
        if (closed || !name) return;
        onEvent({
          type: type === 'change' ? 'change' : 'rename',
          path: path.join(dir, name.toString()),
          isDir: false,
          source: 'fs.watch',
          at: nowMs(),
        });
      });
      w.on('error', (err) => {
        if (!closed) onError(err);
      });
      watchers.push(w);
    } catch (err) {
      onError(err as Error);
    }
  }
  return {
    source: 'fs.watch',
    // Node's recursive emulation on Linux adds sub-directory watches asynchronously.
    ready: new Promise((r) => setTimeout(r, process.platform === 'linux' ? 200 : 20)),
    pid: undefined,
    close() {
      closed = true;
      for (const w of watchers) w.close();
    },
  };
}
