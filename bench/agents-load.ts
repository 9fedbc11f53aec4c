/**
 * agents-load: many agents heartbeating, and how fast an event reaches an open console.
 *
 * The platform runs as a child process (embedded PostgreSQL). This process enrols N agents the
 * real way (default 5,000; `agents-load 1000` for fewer), each with its own certificate and its own
 * keep-alive mutual-TLS connection, then lets every agent heartbeat every 30 s (first beats spread
 * over the first 30 s) for 60 s. Reported: heartbeat latency p50/p90/p99, requests/s, errors, and
 * the server's CPU share (server + PostgreSQL processes, CPU seconds / wall seconds / cores).
 * Then one agent posts 100 events, 100 ms apart, while a console session listens on
 * GET /api/alerts/stream: the time from posting an event to the console hearing of it, p50/p99.
 * Targets (issue 3): heartbeat p99 < 50 ms with 5,000 agents; event → console p99 < 1 s.
 */
import https from 'node:https';
import {
  bootstrapAdmin,
  cpuSecondsOf,
  descendants,
  enrolAgents,
  freePort,
  log,
  machine,
  round,
  runBench,
  spawnServer,
  tempDir,
} from './lib.ts';

const N = Number(process.argv[2] ?? 5000);
const INTERVAL_S = 30;
const DURATION_S = 60;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

function post(url: string, agent: https.Agent, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

await runBench('agents-load', 12 * 60_000, async () => {
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
  log(`${N} agents enrolled in ${round((performance.now() - t0) / 1000)} s`);

  // Heartbeats: every agent every 30 s, phases spread evenly.
  const hb = JSON.stringify({
    hostname: 'bench',
    os: 'linux',
    osVersion: '12',
    ips: ['192.0.2.1'],
    agentVersion: 'bench',
    uptimeSeconds: 100,
  });
  const latencies: number[] = [];
  let errors = 0;
  const pids = () => [server.pid, ...descendants(server.pid)];
  const cpu0 = pids().reduce((a, p) => a + cpuSecondsOf(p), 0);
  const start = performance.now();
  const end = start + DURATION_S * 1000;
  await Promise.all(
    agents.map(async (a, i) => {
      let due = start + (i / agents.length) * INTERVAL_S * 1000;
      while (due < end) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const t = performance.now();
        const status = await post(`${url}/api/agent/heartbeat`, a.agent, hb);
        latencies.push(performance.now() - t);
        if (status !== 200) errors++;
        due += INTERVAL_S * 1000;
      }
    }),
  );
  const wall = (performance.now() - start) / 1000;
  const cpu = pids().reduce((a, p) => a + cpuSecondsOf(p), 0) - cpu0;
  log(`heartbeats done: ${latencies.length}`);

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
  const sender = agents[0];
  if (!sender) throw new Error('no agent');
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
  for (const a of agents) a.agent.destroy();
  await server.stop();
  return {
    machine: machine(),
    agents: N,
    heartbeat: {
      intervalSeconds: INTERVAL_S,
      seconds: round(wall, 1),
      requests: latencies.length,
      perSecond: round(latencies.length / wall, 1),
      latencyMs: { p50: round(pct(latencies, 50)), p90: round(pct(latencies, 90)), p99: round(pct(latencies, 99)) },
      errors,
      serverCpuShareOfMachine: round(cpu / wall / 2, 3),
      targetP99Ms: 50,
    },
    eventToConsole: {
      probes: sent.length,
      heard: arrivals.length,
      latencyMs: { p50: round(pct(delays, 50)), p99: round(pct(delays, 99)) },
      targetP99Ms: 1000,
    },
  };
});
