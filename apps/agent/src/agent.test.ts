import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentEvent, HeartbeatRequestSchema } from '@mamori/contracts';
import { NotEnrolledError, runAgent } from './agent.ts';
import { Outbox } from './outbox.ts';
import { saveEnrolment, statePaths } from './state.ts';
import {
  ackAll,
  captureLogger,
  createTestPki,
  type FakeServer,
  startFakeServer,
  type TestPki,
} from './test-helpers.ts';

let pki: TestPki;
let root: string;
let server: FakeServer | undefined;
const fast = { initialMs: 20, maxMs: 80, random: () => 1 };

before(async () => {
  pki = await createTestPki();
});
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-agent-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(root, { recursive: true, force: true });
});

async function enrolFor(url: string): Promise<void> {
  const { keyPem, certPem } = await pki.clientIdentity();
  await saveEnrolment(root, {
    config: {
      serverUrl: url,
      agentId: '00000000-0000-4000-8000-000000000001',
      facilityId: '00000000-0000-4000-8000-000000000002',
      enrolledAt: new Date().toISOString(),
      heartbeatSeconds: 60,
    },
    keyPem,
    certPem,
    caPem: pki.caPem,
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

const policy = { heartbeatSeconds: 5, maxBatch: 2 };

test('heartbeats with host facts, follows the policy batch size, sends events queued before and during the run, stops on signal', async () => {
  const batches: string[][] = [];
  server = await startFakeServer(pki, (req) => {
    if (!req.authorized) return { status: 401 };
    if (req.path === '/api/agent/heartbeat')
      return { status: 200, body: { serverTime: new Date().toISOString(), policy } };
    batches.push((req.body as { events: AgentEvent[] }).events.map((e) => e.title));
    return ackAll(req.body);
  });
  await enrolFor(server.url);
  const queue = new Outbox(statePaths(root).outbox, captureLogger());
  for (const t of ['q1', 'q2', 'q3', 'q4', 'q5'])
    await queue.enqueue({ source: 'agent', kind: 'test', severity: 'high', title: t });

  const { logger, lines } = captureLogger();
  const stop = new AbortController();
  const running = runAgent({ dir: root, logger, signal: stop.signal, backoff: fast, pollMs: 20 });
  await until(() => batches.flat().length === 5);
  const other = new Outbox(statePaths(root).outbox, captureLogger()); // like `mamori-agent emit`
  await other.enqueue({ source: 'agent', kind: 'test', severity: 'info', title: 'while running' });
  await until(async () => (await queue.stats()).count === 0 && batches.flat().length === 6);
  stop.abort();
  assert.equal(await running, 'stopped');

  assert.equal(server.requests[0]?.path, '/api/agent/heartbeat', 'the policy is fetched before events are sent');
  assert.deepEqual(batches.flat(), ['q1', 'q2', 'q3', 'q4', 'q5', 'while running']);
  assert.ok(
    batches.every((b) => b.length <= policy.maxBatch),
    JSON.stringify(batches),
  );
  const facts = HeartbeatRequestSchema.parse(server.requests.find((r) => r.path === '/api/agent/heartbeat')?.body);
  assert.ok(['linux', 'windows', 'darwin', 'other'].includes(facts.os));
  assert.equal(facts.agentVersion, '0.1.0');
  assert.ok(lines.some((l) => l.msg === 'agent stopped'));
  assert.ok(!JSON.stringify(lines).includes('PRIVATE KEY'), 'keys never reach the log');
});

test('keeps retrying heartbeats while the server is down', async () => {
  const probe = await startFakeServer(pki, () => ({ status: 500 }));
  await enrolFor(probe.url);
  await probe.close();
  const { logger, lines } = captureLogger();
  const stop = new AbortController();
  const running = runAgent({ dir: root, logger, signal: stop.signal, backoff: fast });
  await until(() => lines.filter((l) => l.msg === 'heartbeat failed; will retry').length >= 3);
  stop.abort();
  assert.equal(await running, 'stopped');
});

for (const status of [401, 403]) {
  test(`ends with "revoked" and a clear log line when the server answers ${status}`, async () => {
    server = await startFakeServer(pki, () => ({
      status,
      body: { error: { code: 'forbidden', message: 'agent revoked' } },
    }));
    await enrolFor(server.url);
    const { logger, lines } = captureLogger();
    const never = new AbortController();
    assert.equal(await runAgent({ dir: root, logger, signal: never.signal, backoff: fast }), 'revoked');
    const line = lines.find((l) => l.level === 50);
    assert.match(String(line?.msg), /revoked or its certificate is no longer valid/);
    assert.match(String(line?.msg), /agent revoked/);
    assert.equal(server.requests.length, 1, 'no retry after 401/403');
  });
}

test('refuses to run when not enrolled, or when the enrolment is incomplete', async () => {
  const attempt = () => runAgent({ dir: root, logger: captureLogger().logger, signal: new AbortController().signal });
  await assert.rejects(attempt(), NotEnrolledError);
  await enrolFor('https://127.0.0.1:1');
  await rm(statePaths(root).key);
  await assert.rejects(attempt(), (err: Error) => err instanceof NotEnrolledError && /agent\.key/.test(err.message));
});
