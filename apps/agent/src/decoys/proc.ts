import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A process found holding files open inside a watched tree. */
export interface Suspect {
  pid: number;
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22): guards against pid reuse before a kill. */
  startTicks: string;
  /** True when one of the open files is a decoy. */
  holdsDecoy: boolean;
  /** Open files inside the watched trees (at most 10). */
  files: string[];
  cmdline: string;
  comm: string;
  uid: number | null;
  user: string | null;
  ppid: number | null;
}

/** Limits of one scan of /proc. */
export interface ScanOptions {
  /** Watched directories (absolute, no trailing separator). */
  trees: readonly string[];
  /** Exact decoy paths. */
  decoys: ReadonlySet<string>;
  /** Pids never reported (the agent, its parent, its own children, init). */
  exclude: ReadonlySet<number>;
  /** Upper bound of file descriptors examined in one pass (default 200,000). */
  maxFds?: number;
  /** Only these processes (default: every process). */
  pids?: readonly number[];
  /**
   * Remembered link targets per pid and fd: an fd seen twice pointing at the same place outside the trees is not
   * read again (a pass over a busy process then costs one readdir and a few readlinks).
   */
  cache?: Map<number, Map<string, { target: string; seen: number }>>;
  procRoot?: string;
}

const PID = /^\d+$/;

/**
 * One pass over /proc/<pid>/fd of every process: which ones hold a decoy or a file inside a watched tree open.
 * Synchronous on purpose: procfs reads never touch a disk, a pass takes a few milliseconds, and a ransomware
 * process holds each file open only briefly, so the pass must not wait for the thread pool between readlinks.
 * Linux only; elsewhere (no /proc) it returns nothing.
 */
export function scanOpenFiles(opts: ScanOptions): Suspect[] {
  const proc = opts.procRoot ?? '/proc';
  const maxFds = opts.maxFds ?? 200_000;
  const prefixes = opts.trees.map((t) => (t.endsWith('/') ? t : `${t}/`));
  const inTree = (target: string) => opts.decoys.has(target) || prefixes.some((p) => target.startsWith(p));
  let pids: string[];
  try {
    pids = opts.pids ? opts.pids.map(String) : readdirSync(proc).filter((n) => PID.test(n));
  } catch {
    return [];
  }
  const out: Suspect[] = [];
  let budget = maxFds;
  for (const name of pids) {
    const pid = Number(name);
    if (opts.exclude.has(pid) || budget <= 0) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${name}/fd`);
    } catch {
      continue; // gone, kernel thread, or not permitted
    }
    let files: string[] | undefined;
    let holdsDecoy = false;
    let known = opts.cache?.get(pid);
    if (opts.cache && !known) {
      known = new Map();
      opts.cache.set(pid, known);
    }
    for (const fd of fds) {
      if (--budget < 0) break;
      const k = known?.get(fd);
      if (k && k.seen >= 2 && !inTree(k.target)) continue;
      let target: string;
      try {
        target = readlinkSync(`${proc}/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      if (known) known.set(fd, { target, seen: k?.target === target ? k.seen + 1 : 1 });
      if (!inTree(target)) continue;
      files ??= [];
      if (files.length < 10) files.push(target);
      if (opts.decoys.has(target)) holdsDecoy = true;
    }
    if (files) {
      const info = describeProcess(pid, proc);
      if (info) out.push({ ...info, holdsDecoy, files });
    }
  }
  return out;
}

/**
 * I/O so far of every process (read + written bytes and calls from /proc/<pid>/io), to rank which processes are
 * busy with files right now; the busiest are then scanned in a tight loop.
 */
export function readIoCounters(procRoot = '/proc'): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((n) => PID.test(n));
  } catch {
    return out;
  }
  for (const name of pids) {
    try {
      const text = readFileSync(`${procRoot}/${name}/io`, 'latin1');
      let sum = 0;
      for (const m of text.matchAll(/^(rchar|wchar|syscr|syscw): (\d+)$/gm)) sum += Number(m[2]);
      out.set(Number(name), sum);
    } catch {}
  }
  return out;
}

/** Command line, name, owner and start time of a process, or undefined when it is gone. */
export function describeProcess(pid: number, procRoot = '/proc'): Omit<Suspect, 'holdsDecoy' | 'files'> | undefined {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    const ppid = Number(rest[1]);
    const startTicks = rest[19] ?? '';
    let cmdline = '';
    try {
      cmdline = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
    } catch {}
    let uid: number | null = null;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
      if (m) uid = Number(m[1]);
    } catch {}
    return {
      pid,
      startTicks,
      comm,
      cmdline: cmdline.slice(0, 2000),
      uid,
      user: uid === null ? null : userName(uid),
      ppid: Number.isFinite(ppid) ? ppid : null,
    };
  } catch {
    return undefined;
  }
}

let passwd: Map<number, string> | undefined;

/** The user name of a uid from /etc/passwd (cached), or null. */
export function userName(uid: number): string | null {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id) passwd.set(Number(id), name);
      }
    } catch {}
  }
  return passwd.get(uid) ?? null;
}

/** The start time of a process now (to verify it is still the same process), or undefined when gone. */
export function startTicksOf(pid: number, procRoot = '/proc'): string | undefined {
  return describeProcess(pid, procRoot)?.startTicks;
}
