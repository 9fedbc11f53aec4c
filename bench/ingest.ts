/**
 * ingest: event ingestion through the real agent API (mutual TLS, one certificate per agent).
 *
 * The platform runs as a child process; this process creates the first administrator, a facility
 * and 20 agents (enrolment tokens from the console API, CSRs made by the agent's own code, enrolled
 * over HTTPS). Each agent then posts batches of 500 events (the maximum) over its own keep-alive
 * mutual-TLS connection, as fast as acknowledgements come back, for 15 s after a 3 s warm-up.
 * Reported: accepted events per second, batches per second, accept latency per batch (p50/p90/p99),
 * the check that every event was accepted exactly once (no duplicates, no errors), and the CPU
 * seconds of the server, PostgreSQL and this load generator (a separate process on the same
 * machine). Then 5 s of one agent alone: the accept latency of a batch without queueing.
 * Twice: embedded PostgreSQL, and an external Debian PostgreSQL 15 (`ingest embedded|external`).
 * Target (issue 3): ≥ 10,000 events/s on this 2-core machine.
 */
import https from 'node:https';
import {
  bootstrapAdmin,
  cpuSecondsOf,
  embeddedPgVersion,
  embeddedPostmasterOf,
  enrolAgents,
  freePort,
  log,
  machine,
  round,
  runBench,
  spawnServer,
  startPg15,
  tempDir,
  treeCpuSecondsOf,
} from './lib.ts';

const AGENTS = 20;
const BATCH = 500;
const DURATION_S = 15;
const WARMUP_S = 3;
/** Seconds of one agent alone, for the accept latency of a batch without queueing. */
const SINGLE_S = 5;
const TARGET_EPS = 10_000;

type Agent = { agent: https.Agent };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function post(url: string, a: Agent, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', agent: a.agent, headers: { 'content-type': 'application/json' }, timeout: 30_000 },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function batch(): string {
  const now = new Date().toISOString();
  const events = Array.from({ length: BATCH }, (_, i) => ({
    id: crypto.randomUUID(),
    occurredAt: now,
    source: 'agent',
    kind: `bench-${i % 10}`,
    severity: 'low',
    title: 'ingestion benchmark',
    details: { i },
  }));
  return JSON.stringify({ events });
}

async function runOnce(kind: 'embedded' | 'external') {
  const env: Record<string, string> = { MAMORI_API_RATE_LIMIT: '1000000', MAMORI_LOGIN_RATE_LIMIT: '10000' };
  let pgVersion = embeddedPgVersion();
  let pgRoot: number | undefined;
  if (kind === 'external') {
    const pg15 = await startPg15();
    env.DATABASE_URL = await pg15.createDatabase('mamori_ingest');
    pgVersion = pg15.version;
    pgRoot = pg15.postmasterPid;
  } else {
    env.MAMORI_EMBEDDED_PG_PORT = String(await freePort());
  }
  const server = spawnServer(tempDir(`ingest-${kind}`), env);
  const { url } = await server.announced;
  await server.waitReady();
  const ca = server.ca();
  const { authed } = await bootstrapAdmin(server, url);
  const f = await authed('POST', '/api/facilities', {
    name: 'ベンチ病院',
    type: 'hospital_large',
    prefecture: '04',
    contact: { name: '佐藤', phone: '022-000-0000' },
  });
  if (f.status !== 201) throw new Error(`facility: ${f.status} ${f.body}`);
  const facilityId = JSON.parse(f.body).id;
  const agents: Agent[] = (await enrolAgents(url, ca, authed, facilityId, AGENTS, 1)).map((a) => ({ agent: a.agent }));
  log(`${kind}: ${AGENTS} agents enrolled; warming up ${WARMUP_S} s`);
  const eventsUrl = `${url}/api/agent/events`;
  const drive = async (seconds: number, only = agents) => {
    const latencies: number[] = [];
    let accepted = 0;
    let duplicates = 0;
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      only.map(async (a) => {
        while (performance.now() < end) {
          const body = batch();
          const t0 = performance.now();
          const res = await post(eventsUrl, a, body).catch(() => undefined);
          latencies.push(performance.now() - t0);
          if (res?.status !== 200) {
            errors++;
            continue;
          }
          const ack = JSON.parse(res.body) as { accepted: string[]; duplicates: string[] };
          accepted += ack.accepted.length;
          duplicates += ack.duplicates.length;
        }
      }),
    );
    return { latencies, accepted, duplicates, errors };
  };
  await drive(WARMUP_S);
  // CPU split over the measured window: server process, PostgreSQL processes, this load generator.
  // PostgreSQL: the postmaster (external, or the server's child when embedded) and its backends.
  const postmaster = pgRoot ?? embeddedPostmasterOf(server.pid);
  const cpu = () => ({
    server: cpuSecondsOf(server.pid),
    postgres: postmaster ? treeCpuSecondsOf(postmaster) : 0,
    generator: cpuSecondsOf(process.pid),
  });
  const cpu0 = cpu();
  const t0 = performance.now();
  const r = await drive(DURATION_S);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpu();
  // Accept latency without queueing: one agent posting one batch at a time.
  const single = await drive(SINGLE_S, agents.slice(0, 1));
  for (const a of agents) a.agent.destroy();
  await server.stop();
  const eps = r.accepted / seconds;
  return {
    database: kind,
    postgres: pgVersion,
    agents: AGENTS,
    batch: BATCH,
    seconds: round(seconds, 1),
    eventsPerSecond: Math.round(eps),
    batchesPerSecond: round(r.latencies.length / seconds, 1),
    acceptLatencyMs: {
      p50: round(pct(r.latencies, 50)),
      p90: round(pct(r.latencies, 90)),
      p99: round(pct(r.latencies, 99)),
    },
    singleAgent: {
      batches: single.latencies.length,
      eventsPerSecond: Math.round(single.accepted / SINGLE_S),
      acceptLatencyMs: { p50: round(pct(single.latencies, 50)), p99: round(pct(single.latencies, 99)) },
      errors: single.errors,
    },
    duplicates: r.duplicates,
    errors: r.errors,
    cpuSeconds: {
      server: round(cpu1.server - cpu0.server, 2),
      postgres: round(cpu1.postgres - cpu0.postgres, 2),
      generator: round(cpu1.generator - cpu0.generator, 2),
      machineCapacity: round(seconds * 2, 1),
    },
    targetEventsPerSecond: TARGET_EPS,
    meetsTarget: eps >= TARGET_EPS,
  };
}

const which = process.argv[2];
await runBench('ingest', 5 * 60_000, async () => {
  const runs = [];
  for (const kind of which === 'external'
    ? (['external'] as const)
    : which === 'embedded'
      ? (['embedded'] as const)
      : (['embedded', 'external'] as const)) {
    runs.push(await runOnce(kind));
  }
  return { machine: machine(), runs };
});
