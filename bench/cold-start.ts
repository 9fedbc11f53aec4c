/**
 * cold-start: wall time from spawning `node apps/server/src/main.ts start` until GET /api/ready
 * answers 200 over HTTPS (server certificate verified against <data dir>/pki/ca.crt), with the
 * embedded PostgreSQL.
 *
 *   first: a fresh data directory (includes initdb, migrations, CA and server certificate)
 *   warm:  a second start on the same data directory after a clean stop
 *
 * Three runs of each (interleaved: first, warm, first, warm, …); the median is reported.
 * The port is chosen at run time (MAMORI_PORT=0), so readiness can only be polled once the CLI
 * has printed its URL; `announcedMs` is that moment, `readyMs` the first 200 from /api/ready.
 * `cliHelpMedianMs` (`mamori --help`: Node start-up and loading every server module, no database)
 * shows how much of the start is spent before the database is touched.
 */
import { execFileSync } from 'node:child_process';
import {
  CLI,
  embeddedPgVersion,
  freePort,
  log,
  machine,
  median,
  round,
  runBench,
  spawnServer,
  tempDir,
} from './lib.ts';

const RUNS = 3;
const TARGET_MS = 3000;

async function startOnce(dataDir: string) {
  const server = spawnServer(dataDir, { MAMORI_EMBEDDED_PG_PORT: String(await freePort()) });
  try {
    const readyMs = await server.waitReady(60_000);
    const { ms: announcedMs } = await server.announced;
    return { readyMs: round(readyMs, 0), announcedMs: round(announcedMs, 0) };
  } finally {
    await server.stop();
  }
}

/** Node start-up plus loading the whole server module graph, no database: `mamori --help`. */
function helpOnce(): number {
  const t = performance.now();
  execFileSync(process.execPath, [CLI, '--help'], { stdio: 'ignore', timeout: 30_000 });
  return round(performance.now() - t, 0);
}

await runBench('cold-start', 10 * 60_000, async () => {
  const first: { readyMs: number; announcedMs: number }[] = [];
  const warm: { readyMs: number; announcedMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = tempDir('cold');
    const a = await startOnce(dir);
    log(`run ${i + 1}: first start ready in ${a.readyMs} ms`);
    first.push(a);
    const b = await startOnce(dir);
    log(`run ${i + 1}: warm start ready in ${b.readyMs} ms`);
    warm.push(b);
  }
  const help = [helpOnce(), helpOnce(), helpOnce()];
  const firstMedian = median(first.map((r) => r.readyMs));
  const warmMedian = median(warm.map((r) => r.readyMs));
  return {
    database: embeddedPgVersion(),
    runs: RUNS,
    targetMs: TARGET_MS,
    firstStartMedianMs: firstMedian,
    warmStartMedianMs: warmMedian,
    cliHelpMedianMs: median(help),
    firstStartRuns: first,
    warmStartRuns: warm,
    passFirst: firstMedian < TARGET_MS,
    passWarm: warmMedian < TARGET_MS,
    machine: machine(),
  };
});
