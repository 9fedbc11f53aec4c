// Runs ransim as a child process (so a defender can kill it) and summarises its log; used by tests and the benchmark.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type Order, readLog } from './ransim.ts';

const CLI = path.join(import.meta.dirname, 'ransim.ts');

/** What one simulated attack did before it ended or was killed. */
export interface AttackResult {
  pid: number;
  /** Exit signal (SIGKILL when a defender killed it) or null. */
  signal: NodeJS.Signals | null;
  code: number | null;
  /** Files fully encrypted (`done` lines), in order. */
  done: { path: string; t: number }[];
  /** Files opened (`open` lines), including one cut short by a kill. */
  opened: { path: string; t: number }[];
  total: number;
}

/** Spawns `ransim encrypt` on `root` and resolves when the process ends (by itself or killed). */
export function runAttack(opts: {
  root: string;
  order: Order;
  log: string;
  rate?: number;
  mode?: 'inplace' | 'rename';
  partialKb?: number;
  seed?: string;
  onSpawn?: (pid: number) => void;
}): Promise<AttackResult> {
  const args = [CLI, 'encrypt', '--root', opts.root, '--order', opts.order, '--log', opts.log];
  args.push(
    '--rate',
    String(opts.rate ?? 400),
    '--mode',
    opts.mode ?? 'inplace',
    '--partial-kb',
    String(opts.partialKb ?? 0),
  );
  if (opts.seed) args.push('--seed', opts.seed);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (child.pid) opts.onSpawn?.(child.pid);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', async (code, signal) => {
      if (code && code !== 0) return reject(new Error(`ransim failed (${code}): ${stderr}`));
      const lines = await readLog(opts.log);
      const pick = (ev: string) =>
        lines.filter((l) => l.ev === ev).map((l) => ({ path: String(l.path), t: Number(l.t) }));
      const start = lines.find((l) => l.ev === 'start');
      resolve({
        pid: child.pid!,
        signal,
        code,
        done: pick('done'),
        opened: pick('open'),
        total: Number(start?.total ?? 0),
      });
    });
  });
}
