// Benchmark entry, bundled like the agent (apps/agent/scripts/build.ts: planner worker and fanotify helper embedded):
// the decoy runtime as the agent runs it (worker planner, default watcher), 1,000 decoys planted, then idle.
//   node <bundle> <base dir> <idle seconds>   → one JSON line on stdout
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DecoyRuntime } from '../apps/agent/src/decoys/index.ts';
import { createLogger } from '../apps/agent/src/log.ts';

const [base = '', seconds = '30'] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid: number | string) => {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const baselineRss = process.memoryUsage().rss;
const dirs: string[] = [];
for (let i = 0; i < 20; i++) {
  const d = path.join(base, 'share', `folder-${String(i).padStart(2, '0')}`);
  await mkdir(d, { recursive: true });
  dirs.push(d);
}
let events = 0;
const runtime = new DecoyRuntime({
  stateDir: path.join(base, 'state'),
  logger: createLogger({ level: 'warn', destination: 2 }),
  allowedRoots: [base],
  emit: async () => {
    events++;
  },
  report: async () => {},
});
await runtime.start();
const t0 = performance.now();
await runtime.apply([
  {
    id: '00000000-0000-4000-8000-000000000001',
    revision: '1',
    directories: dirs,
    perDirectory: 50,
    kinds: ['csv', 'xlsx', 'docx', 'pdf', 'html'],
    seed: 'idle',
    beaconBaseUrl: null,
    beaconDnsZone: null,
    response: { kill: true, isolate: false },
  },
]);
const plantMs = performance.now() - t0;
const peakAfterPlant = process.memoryUsage().rss;
const t1 = performance.now();
await runtime.sweep();
const sweepMs = performance.now() - t1;
await sleep(3000);
const c0 = process.cpuUsage();
const w0 = performance.now();
await sleep(Number(seconds) * 1000);
const c = process.cpuUsage(c0);
const wall = performance.now() - w0;
const m = process.memoryUsage();
const kids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
  .trim()
  .split(/\s+/)
  .filter(Boolean);
const helpers = Object.fromEntries(
  kids.map((k: string) => [readFileSync(`/proc/${k}/comm`, 'utf8').trim(), rssKb(k) / 1024]),
);
process.stdout.write(
  `${JSON.stringify({
    decoys: runtime.inventory().decoys.length,
    watcher: runtime.watcherSource,
    treeWatcher: runtime.treeWatcherSource,
    execArgv: process.execArgv,
    plantMs: Math.round(plantMs),
    sweepMs: Math.round(sweepMs),
    cpuPct: Math.round(((c.user + c.system) / 1000 / wall) * 10000) / 100,
    rssMB: Math.round(m.rss / 104857.6) / 10,
    rssBaselineMB: Math.round(baselineRss / 104857.6) / 10,
    rssAfterPlantMB: Math.round(peakAfterPlant / 104857.6) / 10,
    heapUsedMB: Math.round(m.heapUsed / 104857.6) / 10,
    helperRssMB: helpers,
    events,
  })}\n`,
);
await runtime.stop();
process.exit(0);
