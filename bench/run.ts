/**
 * Runs benchmarks: `npm run bench -- <name> [args…]` runs bench/<name>.ts; with no name, every
 * benchmark in turn. Each runs in its own process and prints one JSON line to stdout (progress on
 * stderr); the exit code is non-zero if any failed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const BENCHES = [
  'cold-start',
  'idle-memory',
  'list-load',
  'ingest',
  'agents-load',
  'ransomware',
  'decoy-alert',
  'sensor-load',
] as const;
/** Outer limit per benchmark; each also enforces its own, shorter deadline and cleans up. */
const OUTER_LIMIT_MS = 15 * 60_000;

const [name, ...args] = process.argv.slice(2);
if (name !== undefined && !(BENCHES as readonly string[]).includes(name)) {
  process.stderr.write(`unknown benchmark "${name}"\nusage: npm run bench -- [${BENCHES.join('|')}] [args…]\n`);
  process.exit(2);
}

function runOne(bench: string, extra: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, `${bench}.ts`), ...extra], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const guard = setTimeout(() => {
      process.stderr.write(`[bench] ${bench} exceeded ${OUTER_LIMIT_MS / 60_000} min: stopping it\n`);
      child.kill('SIGTERM');
    }, OUTER_LIMIT_MS);
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (sig ? 1 : 0));
    });
  });
}

let failed = 0;
for (const bench of name ? [name] : BENCHES) {
  process.stderr.write(`[bench] ${bench}\n`);
  if ((await runOne(bench, name ? args : [])) !== 0) failed++;
}
process.exit(failed ? 1 : 0);
