/**
 * agents-load: many agents heartbeating, and how fast an event reaches an open console.
 *
 * The platform runs as a child process (embedded PostgreSQL). This process enrols N agents the
 * real way (default 5,000; `agents-load 1000` for fewer), each with its own certificate and its own
 * keep-alive mutual-TLS connection. Two heartbeat figures:
 *
 * - **Steady state** (the target): every agent beats every 30 s, its first beat at a uniformly
 *   random moment of the first interval (as the real agent's start-up jitter spreads them). The
 *   first interval is the first wave, where each beat also opens the agent's connection (a full
 *   mutual-TLS handshake); it is reported on its own. The next two intervals, over the kept-alive
 *   connections, are the steady state: latency p50/p90/p99, errors, and the CPU seconds of the
 *   server, PostgreSQL and this load generator (all on the same machine).
 * - **All at once** (the worst case, e.g. every agent reconnecting after a server restart): every
 *   agent sends one beat at the same moment over a new connection (new HTTPS agent, so no TLS
 *   session to resume); latency p50/p99/max and how long until the last one is answered.
 *
 * Then one agent posts 100 events, 100 ms apart, while a console session listens on
 * GET /api/alerts/stream: the time from posting an event to the console hearing of it, p50/p99.
 * Targets (issue 3): heartbeat p99 < 50 ms with 5,000 agents; event → console p99 < 1 s.
 */
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  bootstrapAdmin,
  cpuSecondsOf,
  embeddedPostmasterOf,
  enrolAgents,
  freePort,
  log,
  machine,
  round,
  runBench,
  spawnServer,
  tempDir,
  treeCpuSecondsOf,
} from './lib.ts';

const N = Number(process.argv[2] ?? 5000);
const INTERVAL_S = 30;
/** Steady-state intervals measured after the first wave. */
const STEADY_INTERVALS = 2;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const summary = (xs: number[]) => ({
  p50: round(pct(xs, 50)),
  p90: round(pct(xs, 90)),
  p99: round(pct(xs, 99)),
  max: round(Math.max(...xs)),
});

/** POSTs over the agent's connection; the status, and whether the TLS session was resumed. */
function post(url: string, agent: https.Agent, body: string): Promise<{ status: number; resumed: boolean }> {
  return new Promise((resolve) => {
    const req = https.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 30_000 },
      (res) => {
        const resumed = (res.socket as TLSSocket).isSessionReused?.() ?? false;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, resumed }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, resumed: false }));
    req.end(body);
  });
}

await runBench('agents-load', 15 * 60_000, async () => {
  const server = spawnServer(tempDir('agents'), {
    MAMORI_EMBEDDED_PG_PORT: String(await freePort()),
    MAMORI_API_RATE_LIMIT: '1000000',
    MAMORI_LOGIN_RATE_LIMIT: '10000',
    MAMORI_AGENT_HEARTBEAT_SECONDS: String(INTERVAL_S),
  });
  const { url } = await server.announced;
  await server.waitReady();
  const ca = server.ca();
  const { authed, cookie } = await bootstrapAdmin(server, url);
  const f = await authed('POST', '/api/facilities', {
    name: 'ベンチ病院',
    type: 'hospital_large',
    prefecture: '04',
    contact: { name: '佐藤', phone: '022-000-0000' },
  });
  const facilityId = JSON.parse(f.body).id;
  const t0 = performance.now();
  const agents = await enrolAgents(url, ca, authed, facilityId, N, 8);
  // Enrolment used one-shot connections; the heartbeat connections open with the first beat.
  log(`${N} agents enrolled in ${round((performance.now() - t0) / 1000)} s`);

  const hb = JSON.stringify({
    hostname: 'bench',
    os: 'linux',
    osVersion: '12',
    ips: ['192.0.2.1'],
    agentVersion: 'bench',
    uptimeSeconds: 100,
  });
  const hbUrl = `${url}/api/agent/heartbeat`;
  // The embedded PostgreSQL's postmaster is the server's child; backends come and go under it.
  const postmaster = embeddedPostmasterOf(server.pid);
  const cpu = () => ({
    server: cpuSecondsOf(server.pid),
    postgres: postmaster ? treeCpuSecondsOf(postmaster) : 0,
    generator: cpuSecondsOf(process.pid),
  });
  const cpuShare = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>, wall: number) => ({
    serverAndPostgres: round((b.server - a.server + b.postgres - a.postgres) / wall / 2, 3),
    server: round((b.server - a.server) / wall / 2, 3),
    postgres: round((b.postgres - a.postgres) / wall / 2, 3),
    generator: round((b.generator - a.generator) / wall / 2, 3),
  });

  // Steady state: random first beat within the first interval, then every interval.
  const firstWave: number[] = [];
  const steady: number[] = [];
  let firstErrors = 0;
  let steadyErrors = 0;
  const start = performance.now();
  const steadyFrom = start + INTERVAL_S * 1000;
  const end = steadyFrom + STEADY_INTERVALS * INTERVAL_S * 1000;
  let cpuSteady0: ReturnType<typeof cpu> | undefined;
  const mark = setTimeout(() => {
    cpuSteady0 = cpu();
  }, steadyFrom - start);
  await Promise.all(
    agents.map(async (a) => {
      let due = start + Math.random() * INTERVAL_S * 1000;
      while (due < end) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const t = performance.now();
        const { status } = await post(hbUrl, a.agent, hb);
        const ms = performance.now() - t;
        const first = due < steadyFrom;
        (first ? firstWave : steady).push(ms);
        if (status !== 200) first ? firstErrors++ : steadyErrors++;
        due += INTERVAL_S * 1000;
      }
    }),
  );
  clearTimeout(mark);
  const steadyWall = (performance.now() - steadyFrom) / 1000;
  const cpuSteady = cpuShare(cpuSteady0 ?? cpu(), cpu(), steadyWall);
  log(`steady state done: ${firstWave.length} first-wave and ${steady.length} steady heartbeats`);

  // All at once over new connections (worst case). A second burst reconnects with the TLS sessions
  // the first one left in each HTTPS agent: what session resumption saves when everyone reconnects.
  for (const a of agents) a.agent.destroy();
  await new Promise((r) => setTimeout(r, 2000));
  const fresh = agents.map(
    (a) => new https.Agent({ key: a.keyPem, cert: a.certPem, ca, keepAlive: true, maxSockets: 1 }),
  );
  const burst = async () => {
    const lat: number[] = [];
    let errors = 0;
    let resumed = 0;
    const c0 = cpu();
    const t = performance.now();
    await Promise.all(
      fresh.map(async (agent) => {
        const t1 = performance.now();
        const r = await post(hbUrl, agent, hb);
        lat.push(performance.now() - t1);
        if (r.status !== 200) errors++;
        if (r.resumed) resumed++;
      }),
    );
    const wall = (performance.now() - t) / 1000;
    return {
      requests: lat.length,
      latencyMs: summary(lat),
      allAnsweredSeconds: round(wall, 2),
      errors,
      tlsSessionsResumed: resumed,
      cpuShareOfMachine: cpuShare(c0, cpu(), wall),
    };
  };
  const allAtOnce = await burst();
  log(`all at once: p99 ${allAtOnce.latencyMs.p99} ms`);
  for (const agent of fresh) agent.destroy();
  await new Promise((r) => setTimeout(r, 2000));
  const allAtOnceResumed = await burst();
  log(`all at once, resuming TLS sessions: p99 ${allAtOnceResumed.latencyMs.p99} ms`);
  for (const agent of fresh) agent.destroy();

  // Event → console: a console session on the live stream, one agent posting events.
  const heard = new Map<string, number>();
  const sse = https.get(`${url}/api/alerts/stream`, { ca, headers: { cookie } }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (d: string) => {
      buf += d;
      for (let k = buf.indexOf('\n\n'); k >= 0; k = buf.indexOf('\n\n')) {
        const chunk = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (data) heard.set(JSON.parse(data).alertId, performance.now());
      }
    });
  });
  await new Promise((r) => setTimeout(r, 500));
  const first = agents[0];
  if (!first) throw new Error('no agent');
  const sender = {
    agent: new https.Agent({ key: first.keyPem, cert: first.certPem, ca, keepAlive: true, maxSockets: 1 }),
  };
  const sent: number[] = [];
  const delays: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    sent.push(t);
    const body = JSON.stringify({
      events: [
        {
          id: crypto.randomUUID(),
          occurredAt: new Date().toISOString(),
          source: 'agent',
          kind: `latency-${i}`,
          severity: 'high',
          title: 'latency probe',
          details: {},
        },
      ],
    });
    await post(`${url}/api/agent/events`, sender.agent, body);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000));
  sse.destroy();
  // Each probe created its own alert; match them to stream events in order of arrival.
  const arrivals = [...heard.values()].sort((a, b) => a - b);
  for (let i = 0; i < Math.min(sent.length, arrivals.length); i++) delays.push((arrivals[i] ?? 0) - (sent[i] ?? 0));
  sender.agent.destroy();
  await server.stop();
  return {
    machine: machine(),
    agents: N,
    heartbeat: {
      intervalSeconds: INTERVAL_S,
      targetP99Ms: 50,
      steadyState: {
        seconds: round(steadyWall, 1),
        requests: steady.length,
        perSecond: round(steady.length / steadyWall, 1),
        latencyMs: summary(steady),
        errors: steadyErrors,
        cpuShareOfMachine: cpuSteady,
      },
      firstWave: { requests: firstWave.length, latencyMs: summary(firstWave), errors: firstErrors },
      allAtOnce,
      allAtOnceResumed,
    },
    eventToConsole: {
      probes: sent.length,
      heard: arrivals.length,
      latencyMs: { p50: round(pct(delays, 50)), p99: round(pct(delays, 99)) },
      targetP99Ms: 1000,
    },
  };
});
