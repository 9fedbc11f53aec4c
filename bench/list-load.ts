/**
 * list-load: the authenticated facility list under load.
 *
 * The platform runs as a child process (`node apps/server/src/main.ts start`); this process sets it
 * up over HTTPS (trusting the platform CA): first administrator through the printed one-time
 * /setup link, TOTP enrolment, 200 facilities. Then autocannon, in this process (so load generator
 * and server are separate processes, but share the machine's cores), runs 200 concurrent
 * keep-alive connections for 15 s against GET /api/facilities?limit=50 with the session cookie,
 * after a 3 s warm-up at the same concurrency whose figures are discarded. Between the two, a 5 s
 * run over a single connection records the per-request service time without queueing.
 *
 * The API rate limit (default 1200 requests per client per minute; every connection here comes
 * from 127.0.0.1) is raised with MAMORI_API_RATE_LIMIT=1000000 so the limiter is exercised but
 * never refuses.
 *
 * Twice: embedded PostgreSQL (the default), and an external Debian PostgreSQL 15 cluster with
 * default settings on 127.0.0.1 (DATABASE_URL to a fresh database). `list-load embedded` or
 * `list-load external` runs one.
 *
 * Note: autocannon 9 always connects with rejectUnauthorized: false (it overrides tlsOptions), so
 * the load itself does not verify the certificate; every set-up request does, against the CA.
 */
import autocannon from 'autocannon';
import {
  bootstrapAdmin,
  cpuSecondsOf,
  descendants,
  embeddedPgVersion,
  freePort,
  log,
  machine,
  round,
  runBench,
  type ServerChild,
  spawnServer,
  startPg15,
  tempDir,
} from './lib.ts';

const CONNECTIONS = 200;
const DURATION_S = 15;
const WARMUP_S = 3;
const SINGLE_S = 5;
const FACILITIES = 200;
const PATH = '/api/facilities?limit=50';
const TARGET_P99_MS = 50;

type Session = { cookie: string; csrf: string };

async function setUp(server: ServerChild, url: string): Promise<Session> {
  const { cookie, csrf, authed } = await bootstrapAdmin(server, url);
  const types = ['clinic', 'hospital_small'] as const;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < FACILITIES; i = next++) {
      const res = await authed('POST', '/api/facilities', {
        name: `ベンチ医院 ${String(i + 1).padStart(3, '0')}`,
        type: types[i % types.length],
        prefecture: String((i % 47) + 1).padStart(2, '0'),
        contact: { name: '佐藤 花子', phone: '022-123-4567' },
      });
      if (res.status !== 201) throw new Error(`create facility: ${res.status} ${res.body}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);

  const list = await authed('GET', PATH);
  const page = JSON.parse(list.body);
  if (list.status !== 200 || page.items?.length !== 50 || page.total !== FACILITIES) {
    throw new Error(`list check failed: ${list.status} ${list.body.slice(0, 300)}`);
  }
  log(
    `set up: admin with TOTP, ${FACILITIES} facilities; ${PATH} returns 50 of ${page.total} (${list.body.length} bytes)`,
  );
  return { cookie, csrf };
}

const fire = (url: string, ca: string, cookie: string, duration: number, connections = CONNECTIONS) =>
  autocannon({
    url: `${url}${PATH}`,
    connections,
    duration,
    headers: { cookie },
    // Overridden by autocannon 9 (rejectUnauthorized: false); passed for when it is honoured.
    tlsOptions: { ca },
  });

async function loadTest(kind: 'embedded' | 'external') {
  const dataDir = tempDir(`load-${kind}`);
  const env: Record<string, string> = { MAMORI_API_RATE_LIMIT: '1000000' };
  let database: string;
  let pgRoot: () => number[];
  if (kind === 'external') {
    const pg15 = await startPg15();
    env.DATABASE_URL = await pg15.createDatabase('mamori_bench');
    database = `Debian PostgreSQL ${pg15.version} (external, default settings)`;
    pgRoot = () => [pg15.postmasterPid, ...descendants(pg15.postmasterPid)];
  } else {
    env.MAMORI_EMBEDDED_PG_PORT = String(await freePort());
    database = `${embeddedPgVersion()} (embedded)`;
    pgRoot = () => [];
  }
  const server = spawnServer(dataDir, env);
  try {
    await server.waitReady(90_000);
    const { url } = await server.announced;
    const session = await setUp(server, url);
    const ca = server.ca();
    const tree = () => (kind === 'embedded' ? descendants(server.pid) : pgRoot());
    const pgCpu = () => tree().reduce((a, p) => a + cpuSecondsOf(p), 0);

    log(`${kind}: warm-up ${WARMUP_S} s at ${CONNECTIONS} connections`);
    await fire(url, ca, session.cookie, WARMUP_S);

    log(`${kind}: ${SINGLE_S} s at 1 connection (service time without queueing)`);
    const single = await fire(url, ca, session.cookie, SINGLE_S, 1);

    log(`${kind}: measuring ${DURATION_S} s at ${CONNECTIONS} connections`);
    const before = { server: cpuSecondsOf(server.pid), pg: pgCpu(), bench: process.cpuUsage() };
    const r = await fire(url, ca, session.cookie, DURATION_S);
    const benchCpu = process.cpuUsage(before.bench);
    const cpu = {
      serverProcess: round(cpuSecondsOf(server.pid) - before.server, 1),
      postgres: round(pgCpu() - before.pg, 1),
      autocannon: round((benchCpu.user + benchCpu.system) / 1e6, 1),
    };
    const result = {
      database,
      requestsPerSecMean: round(r.requests.average, 0),
      requestsPerSecFromTotal: round(r.requests.total / r.duration, 0),
      requestsTotal: r.requests.total,
      latencyMs: {
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
        mean: round(r.latency.mean, 2),
      },
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      status2xx: r['2xx'],
      durationS: r.duration,
      cpuSecondsDuringRun: cpu,
      singleConnection: {
        requestsPerSec: round(single.requests.average, 0),
        latencyMs: { p50: single.latency.p50, p90: single.latency.p90, p99: single.latency.p99 },
        errors: single.errors,
        non2xx: single.non2xx,
      },
      passP99: r.latency.p99 < TARGET_P99_MS && r.errors === 0 && r.non2xx === 0,
    };
    log(
      `${kind}: ${result.requestsPerSecMean} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

const only = process.argv[2];
if (only !== undefined && only !== 'embedded' && only !== 'external') {
  process.stderr.write('usage: list-load.ts [embedded|external]\n');
  process.exit(2);
}

await runBench('list-load', 6 * 60_000, async () => {
  const out: Record<string, unknown> = {
    connections: CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    singleConnectionS: SINGLE_S,
    facilities: FACILITIES,
    path: PATH,
    apiRateLimit: 1_000_000,
    loadGenerator: 'autocannon 9 in the bench process; server in a child process; same machine',
    targetP99Ms: TARGET_P99_MS,
  };
  if (only !== 'external') out.embedded = await loadTest('embedded');
  if (only !== 'embedded') out.external = await loadTest('external');
  out.machine = machine();
  return out;
});
