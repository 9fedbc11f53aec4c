/**
 * decoy-alert: ransomware against a real agent, measured at the platform. The platform runs as
 * `mamori start` (embedded PostgreSQL); a real `mamori-agent` process enrols and receives decoy
 * policies from the console API with the kill response; the agent plants decoys in every folder of
 * `--runs` × 5 fresh trees (100 ordinary files in 5 folders each). Then, one tree per run, the
 * ransomware simulator (tools/ransim) encrypts at `--rate` files/s (400 ≈ LockBit) in each order.
 * Measured per order:
 *   latency     the simulator opening its first decoy → the platform storing the decoy event
 *               (host timeline `receivedAt`, server clock; same machine), p50 / p99
 *   files lost  ordinary files the simulator finished before it died, median / max
 *   killed      runs in which the agent killed the simulator (some before it reached any decoy, by the
 *               encrypted-writes heuristic; those have no decoy latency)
 *   missed      runs the simulator finished, or whose decoy event never reached the platform
 *
 *   npm run bench -- decoy-alert [--runs 20] [--rate 400]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runAttack } from '../tools/ransim/harness.ts';
import { makeTree, ORDERS } from '../tools/ransim/ransim.ts';
import { bootstrapAdmin, log, median, onCleanup, ROOT, round, runBench, sleep, spawnServer, tempDir } from './lib.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, rate: { type: 'string', default: '400' } },
});
const RUNS = Number(values.runs);
const RATE = Number(values.rate);
const FILES = 100;
const TARGETS = { p99Ms: 1000, medianLost: 5 };
const AGENT = path.join(ROOT, 'apps/agent/src/main.ts');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const foldersOf = (root: string) =>
  [root, '2023', '2024', path.join('2024', '外来'), '共有'].map((d) => path.resolve(root, d));

await runBench('decoy-alert', 20 * 60_000, async () => {
  const base = tempDir('decoys');
  const server = spawnServer(tempDir('decoy-server'), {
    MAMORI_DECOY_ROOTS: base,
    MAMORI_AGENT_HEARTBEAT_SECONDS: '5',
  });
  onCleanup(() => server.stop());
  const { url } = await server.announced;
  await server.waitReady();
  const { authed } = await bootstrapAdmin(server, url);
  const json = async (method: string, p: string, body?: unknown) => {
    const r = await authed(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body}`);
    return r.status === 204 ? {} : JSON.parse(r.body);
  };
  const facility = await json('POST', '/api/facilities', {
    name: 'ベンチ記念病院',
    type: 'hospital_medium',
    prefecture: '04',
    contact: { name: '情報 担当', phone: '022-000-0000' },
  });

  // A real agent process, enrolled with a one-time token.
  const agentDir = tempDir('agent');
  const caPath = path.join(server.dataDir, 'pki', 'ca.crt');
  const { token } = await json('POST', '/api/enrolment-tokens', { facilityId: facility.id, ttlMinutes: 10 });
  execFileSync(process.execPath, [
    AGENT,
    'enroll',
    '--server',
    url,
    '--token',
    token,
    '--ca',
    caPath,
    '--dir',
    agentDir,
  ]);
  const agentEnv = { ...process.env, MAMORI_AGENT_DECOY_ROOTS: base, MAMORI_AGENT_LOG_LEVEL: 'warn' };
  const agent = spawn(process.execPath, [AGENT, 'run', '--dir', agentDir], { env: agentEnv, stdio: 'ignore' });
  onCleanup(() => {
    agent.kill('SIGTERM');
  });
  const agentId: string = JSON.parse(fs.readFileSync(path.join(agentDir, 'agent.json'), 'utf8')).agentId;

  // Fresh trees, one per run, every folder under a policy (at most 50 directories per policy).
  const plan = ORDERS.flatMap((order) => Array.from({ length: RUNS }, (_, i) => ({ order, i })));
  const trees: string[] = [];
  for (const { order, i } of plan) trees.push(await makeTree(path.join(base, `${order}-${i}`), FILES, `${order}-${i}`));
  const dirs = trees.flatMap(foldersOf);
  const t0 = Date.now();
  for (let k = 0; k < dirs.length; k += 50) {
    await json('POST', '/api/decoy-policies', {
      facilityId: facility.id,
      name: `bench ${k / 50 + 1}`,
      directories: dirs.slice(k, k + 50),
      perDirectory: 6,
      kinds: ['csv', 'xlsx', 'docx', 'pdf', 'html'],
      beacons: false,
      response: { kill: true, isolate: false },
    });
  }
  const want = dirs.length * 6;
  let planted = 0;
  for (const deadline = Date.now() + 10 * 60_000; planted < want; ) {
    if (Date.now() > deadline) throw new Error(`only ${planted} of ${want} decoys planted`);
    await sleep(1000);
    const cov = await json('GET', `/api/decoys/coverage?facilityId=${facility.id}`);
    planted = cov.hosts.find((h: { agentId: string }) => h.agentId === agentId)?.decoys ?? 0;
  }
  log(`${planted} decoys planted and reported in ${round((Date.now() - t0) / 1000)} s`);
  const decoyPaths = new Set<string>();
  for (let offset = 0; offset < want; offset += 500) {
    const page = await json('GET', `/api/decoys?agentId=${agentId}&limit=500&offset=${offset}`);
    for (const d of page.items as { path: string }[]) decoyPaths.add(d.path);
  }
  await sleep(2000); // let the first sweep's hashing settle

  const byOrder = new Map<
    string,
    {
      latency: number[];
      detect: number[];
      deliver: number[];
      lost: number[];
      killed: number;
      beforeDecoy: number;
      missed: number;
    }
  >();
  for (const [n, { order, i }] of plan.entries()) {
    const root = trees[n] as string;
    const logFile = path.join(base, `${order}-${i}.jsonl`);
    const since = new Date(Date.now() - 1000).toISOString();
    const res = await runAttack({ root, order, log: logFile, rate: RATE, seed: `${order}-${i}` });
    const firstDecoy = res.opened.find((o) => decoyPaths.has(o.path));
    const lost = res.done.filter((d) => !decoyPaths.has(d.path)).length;
    const stats = byOrder.get(order) ?? {
      latency: [],
      detect: [],
      deliver: [],
      lost: [],
      killed: 0,
      beforeDecoy: 0,
      missed: 0,
    };
    byOrder.set(order, stats);
    stats.lost.push(lost);
    if (res.signal === 'SIGKILL') stats.killed++;
    if (!firstDecoy) {
      // Stopped by the tree heuristics (encrypted writes) before it reached any decoy, or never stopped.
      if (res.signal === 'SIGKILL') stats.beforeDecoy++;
      else stats.missed++;
      continue;
    }
    let first: { stored: number; detected: number } | undefined;
    for (const deadline = Date.now() + 10_000; first === undefined && Date.now() < deadline; ) {
      const tl = await json('GET', `/api/agents/${agentId}/timeline?since=${encodeURIComponent(since)}&limit=1000`);
      type Entry = { kind: string; receivedAt: string | null; details: { path?: string; detectedAt?: string } };
      const mine = (tl.entries as Entry[])
        .filter((e) => e.kind.startsWith('decoy.') && e.receivedAt && String(e.details.path).startsWith(root))
        .map((e) => ({
          stored: Date.parse(e.receivedAt as string),
          detected: Date.parse(e.details.detectedAt ?? e.receivedAt ?? ''),
        }))
        .sort((a, b) => a.stored - b.stored);
      if (mine.length) first = mine[0];
      else await sleep(20);
    }
    if (first === undefined) stats.missed++;
    else {
      stats.latency.push(Math.max(0, first.stored - firstDecoy.t));
      stats.detect.push(Math.max(0, first.detected - firstDecoy.t));
      stats.deliver.push(Math.max(0, first.stored - first.detected));
    }
  }

  const orders = Object.fromEntries(
    [...byOrder].map(([order, s]) => [
      order,
      {
        runs: s.lost.length,
        killed: s.killed,
        killedBeforeAnyDecoy: s.beforeDecoy,
        missed: s.missed,
        latencyMs: { p50: round(pct(s.latency, 50)), p99: round(pct(s.latency, 99)) },
        onHostMs: { p50: round(pct(s.detect, 50)), p99: round(pct(s.detect, 99)) },
        deliveryMs: { p50: round(pct(s.deliver, 50)), p99: round(pct(s.deliver, 99)) },
        filesLost: { median: median(s.lost), max: Math.max(...s.lost) },
      },
    ]),
  );
  const all = [...byOrder.values()].flatMap((s) => s.latency);
  return {
    runsPerOrder: RUNS,
    ratePerSecond: RATE,
    filesPerTree: FILES,
    decoysPerFolder: 6,
    orders,
    latencyMs: { p50: round(pct(all, 50)), p99: round(pct(all, 99)) },
    targets: TARGETS,
    pass:
      pct(all, 99) < TARGETS.p99Ms &&
      [...byOrder.values()].every((s) => median(s.lost) <= TARGETS.medianLost && s.missed === 0),
  };
});
