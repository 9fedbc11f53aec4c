/**
 * ransomware: the agent's decoy runtime against the ransomware simulator (tools/ransim), on this machine.
 *
 * For each order in which ransomware visits files (alphabetical, reverse, random, breadth-first, largest-first),
 * `--runs` times (default 20): a fresh temporary tree of 200 ordinary files in 5 folders, 6 decoys planted per
 * folder with the kill response, and `ransim encrypt` at 400 files/s as its own process. Measured:
 *   detection latency  first decoy `open` in the simulator's log → the runtime hands the decoy event to the
 *                      outbox (`emit`), p50 / p99 (the lead extends this to "alert stored centrally")
 *   files lost         ordinary files the simulator finished encrypting before it was killed, median / max
 *   killed             runs in which the simulator died by SIGKILL from the runtime
 * Then an office-day workload (reads, Word-style saves, save-as, renames, new files, deletions) for `--day`
 * seconds (default 60) at 5 operations/s on an armed tree: every non-info event is a false alarm.
 * `--rates 400,50` repeats the attacks at each pace (files/s). The runtime uses the default watcher: as root on Linux
 * the fanotify helper (blocks and kills on a decoy open) plus inotifywait for the trees.
 * Then the idle cost of the BUNDLED runtime: bench/decoy-idle-entry.ts bundled exactly like the agent
 * (apps/agent/scripts/build.ts, planner worker and fanotify helper embedded), 1,000 decoys planted with the real
 * planner in its worker and watched, idle for `--idle` seconds (default 30): CPU % and RSS of the process and its
 * helpers, with default Node flags and with the flags the installed agent runs with (AGENT_NODE_FLAGS).
 *
 *   npm run bench -- ransomware [--runs 20] [--rates 400,50] [--day 60] [--idle 30] [--planner real|fake]
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentDecoyPolicy } from '@mamori/contracts';
import { bundle } from '../apps/agent/scripts/build.ts';
import { loadDecoysPackage } from '../apps/agent/src/decoys/decoys-package.ts';
import { entropy, fakePlanner, makePolicy, makeRuntime } from '../apps/agent/src/decoys/test-helpers.ts';
import { findInotifywait } from '../apps/agent/src/decoys/watch.ts';
import { AGENT_NODE_FLAGS } from '../apps/agent/src/service.ts';
import { runAttack } from '../tools/ransim/harness.ts';
import { dayWorkload, makeTree, ORDERS } from '../tools/ransim/ransim.ts';
import { log, median, ROOT, round, runBench, sleep, tempDir } from './lib.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    day: { type: 'string', default: '60' },
    idle: { type: 'string', default: '30' },
    planner: { type: 'string', default: 'real' },
    rates: { type: 'string', default: '400' },
  },
});

const TARGETS = { p99Ms: 1000, medianLost: 5, falseAlarms: 0, idleCpuPct: 1, rssMB: 80 };
const FILES = 200;

async function planner() {
  if (values.planner === 'fake') return { planDecoys: fakePlanner, shannonEntropy: entropy, name: 'fake' };
  try {
    return { ...(await loadDecoysPackage()), name: '@mamori/decoys' };
  } catch (err) {
    log(`@mamori/decoys not usable (${(err as Error).message}); using the stand-in planner`);
    return { planDecoys: fakePlanner, shannonEntropy: entropy, name: 'fake' };
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const folders = (root: string) =>
  [root, '2023', '2024', path.join('2024', '外来'), '共有'].map((d) => path.resolve(root, d));

async function armed(base: string, name: string, plan: Awaited<ReturnType<typeof planner>>, perDirectory = 6) {
  const root = await makeTree(path.join(base, name), FILES, name);
  const rt = makeRuntime(path.join(base, `${name}.state`), base, { planner: plan });
  const policy: AgentDecoyPolicy = makePolicy(folders(root), {
    perDirectory,
    kinds: ['csv', 'xlsx', 'docx', 'pdf', 'html'],
    response: { kill: true, isolate: false },
  });
  await rt.runtime.apply([policy]);
  return { root, ...rt };
}

async function attacks(base: string, plan: Awaited<ReturnType<typeof planner>>, runs: number, rate: number) {
  const out: Record<string, unknown> = {};
  const all: number[] = [];
  for (const order of ORDERS) {
    const latencies: number[] = [];
    const lost: number[] = [];
    let killed = 0;
    let undetected = 0;
    for (let i = 0; i < runs; i++) {
      const name = `${order}-${rate}-${i}`;
      const { root, runtime, events } = await armed(base, name, plan);
      try {
        const decoys = new Set(runtime.inventory().decoys.map((d) => d.path));
        const r = await runAttack({ root, order, rate, seed: name, log: path.join(base, `${name}.jsonl`) });
        await runtime.idle();
        if (r.signal === 'SIGKILL') killed++;
        lost.push(r.done.filter((f) => !decoys.has(f.path)).length);
        const touched = r.opened.find((f) => decoys.has(f.path));
        const detected = events.find((e) => e.kind.startsWith('decoy.') && e.severity === 'critical');
        if (touched && detected) latencies.push(detected.at - touched.t);
        else undetected++;
      } finally {
        await runtime.stop();
      }
    }
    all.push(...latencies);
    out[order] = {
      runs,
      killed,
      undetected,
      latencyMs: { p50: round(pct(latencies, 50)), p99: round(pct(latencies, 99)), max: round(Math.max(...latencies)) },
      filesLost: { median: median(lost), max: Math.max(...lost), all: lost },
      pass: killed === runs && median(lost) <= TARGETS.medianLost && pct(latencies, 99) < TARGETS.p99Ms,
    };
    log(
      `${rate}/s ${order}: killed ${killed}/${runs}, lost median ${median(lost)} max ${Math.max(...lost)}, latency p50 ${round(pct(latencies, 50))} ms p99 ${round(pct(latencies, 99))} ms`,
    );
  }
  return { rate, orders: out, latencyAllMs: { p50: round(pct(all, 50)), p99: round(pct(all, 99)) } };
}

async function falseAlarms(base: string, plan: Awaited<ReturnType<typeof planner>>, seconds: number) {
  const { root, runtime, events } = await armed(base, 'day', plan);
  try {
    const avoid = new Set(runtime.inventory().decoys.map((d) => d.path));
    const r = await dayWorkload({ root, durationMs: seconds * 1000, rate: 5, avoid });
    await sleep(500);
    await runtime.idle();
    const alarms = events.filter((e) => e.severity !== 'info');
    log(`office day: ${r.operations} operations, ${alarms.length} false alarms`);
    return { seconds, operations: r.operations, falseAlarms: alarms.length, kinds: alarms.map((e) => e.kind) };
  } finally {
    await runtime.stop();
  }
}

/** The bundled runtime (bench/decoy-idle-entry.ts built like the agent) with 1,000 decoys, idle, per set of flags. */
async function idle(base: string, seconds: number): Promise<Record<string, unknown>> {
  const bundleFile = path.join(base, 'decoy-idle.mjs');
  await bundle(
    bundleFile,
    'esm',
    path.relative(path.join(ROOT, 'apps/agent'), path.join(ROOT, 'bench/decoy-idle-entry.ts')),
  );
  const out: Record<string, unknown> = {};
  for (const [name, flags] of [
    ['default', []],
    ['agent-flags', AGENT_NODE_FLAGS],
  ] as const) {
    const dir = path.join(base, name);
    await mkdir(dir, { recursive: true });
    const child = spawn(process.execPath, [...flags, bundleFile, dir, String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`idle child failed (${code})`);
    const r = JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, number> & {
      helperRssMB: Record<string, number>;
    };
    log(
      `idle (${name}) with ${r.decoys} decoys (${r.watcher} + ${r.treeWatcher}): CPU ${r.cpuPct}%, RSS ${r.rssMB} MB (after planting ${r.rssAfterPlantMB} MB; helpers ${JSON.stringify(r.helperRssMB)})`,
    );
    out[name] = { ...r, pass: (r.cpuPct ?? 100) < TARGETS.idleCpuPct && (r.rssMB ?? 999) < TARGETS.rssMB };
  }
  return out;
}

await runBench('ransomware', 40 * 60_000, async () => {
  if (!findInotifywait()) throw new Error('inotifywait is missing: apt-get install inotify-tools');
  const runs = Number(values.runs);
  const plan = await planner();
  const base = tempDir('ransomware');
  const rates = (values.rates ?? '400').split(',').map(Number);
  log(`planner ${plan.name}; ${runs} runs per order, ${FILES} files, ${rates.join(' and ')} files/s`);
  const attack = [];
  for (const rate of rates) attack.push(await attacks(base, plan, runs, rate));
  const day = await falseAlarms(base, plan, Number(values.day));
  const idleResult = await idle(tempDir('ransomware-idle'), Number(values.idle));
  return {
    planner: plan.name,
    files: FILES,
    decoysPerFolder: 6,
    attacks: attack,
    day,
    idle: idleResult,
    targets: TARGETS,
  };
});
