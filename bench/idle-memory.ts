/**
 * idle-memory: resident memory of the platform with its embedded PostgreSQL (the default set-up)
 * after it has become ready and then sat idle for 10 s.
 *
 * Counted over the server process (`node apps/server/src/main.ts start`) and every descendant
 * found by walking /proc (the postmaster and its backends and auxiliary processes):
 *   rss      VmRSS from /proc/<pid>/status, summed. Overstates the total: PostgreSQL's shared
 *            memory (shared_buffers and friends) and shared library pages are counted again in
 *            every process that has touched them.
 *   pss      Pss from /proc/<pid>/smaps_rollup, summed: each shared page divided among the
 *            processes mapping it. The fair figure for "what this deployment costs".
 *   private  Private_Clean + Private_Dirty from smaps_rollup, summed: memory freed if it exited.
 *
 * Measured twice: after the first start on a fresh data directory, and after a warm restart.
 */
import {
  descendants,
  embeddedPgVersion,
  freePort,
  log,
  machine,
  memoryOf,
  type ProcMemory,
  round,
  runBench,
  sleep,
  spawnServer,
  tempDir,
} from './lib.ts';

const IDLE_MS = 10_000;
const TARGET_MB = 250;

const mb = (kb: number) => round(kb / 1024, 1);

function sum(ps: ProcMemory[]) {
  return {
    processes: ps.length,
    rssMB: mb(ps.reduce((a, p) => a + p.rssKb, 0)),
    pssMB: mb(ps.reduce((a, p) => a + p.pssKb, 0)),
    privateMB: mb(ps.reduce((a, p) => a + p.privateKb, 0)),
  };
}

async function measure(dataDir: string, label: string) {
  const server = spawnServer(dataDir, { MAMORI_EMBEDDED_PG_PORT: String(await freePort()) });
  try {
    const readyMs = await server.waitReady(60_000);
    log(`${label}: ready in ${round(readyMs, 0)} ms; idling ${IDLE_MS / 1000} s`);
    await sleep(IDLE_MS);
    const tree = [server.pid, ...descendants(server.pid)].map(memoryOf).filter((m): m is ProcMemory => m !== undefined);
    const serverProc = tree.filter((p) => p.pid === server.pid);
    const postgres = tree.filter((p) => p.pid !== server.pid && p.comm.startsWith('postgres'));
    const other = tree.filter((p) => p.pid !== server.pid && !p.comm.startsWith('postgres'));
    const total = sum(tree);
    return {
      server: sum(serverProc),
      postgres: sum(postgres),
      other: sum(other),
      total,
      processList: tree.map((p) => ({
        pid: p.pid,
        cmd: p.cmdline.slice(0, 60),
        rssMB: mb(p.rssKb),
        pssMB: mb(p.pssKb),
      })),
      passRss: total.rssMB < TARGET_MB,
      passPss: total.pssMB < TARGET_MB,
    };
  } finally {
    await server.stop();
  }
}

await runBench('idle-memory', 5 * 60_000, async () => {
  const dir = tempDir('mem');
  const first = await measure(dir, 'first start');
  log(`first start: total RSS ${first.total.rssMB} MB, PSS ${first.total.pssMB} MB`);
  const warm = await measure(dir, 'warm start');
  log(`warm start: total RSS ${warm.total.rssMB} MB, PSS ${warm.total.pssMB} MB`);
  return {
    database: embeddedPgVersion(),
    idleSeconds: IDLE_MS / 1000,
    targetMB: TARGET_MB,
    first,
    warm,
    machine: machine(),
  };
});
