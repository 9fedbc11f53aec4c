import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, before, beforeEach, test } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import { createServerClient } from './client.ts';
import { Outbox } from './outbox.ts';
import { drainOutbox, RevokedError } from './sender.ts';
import type { Enrolment } from './state.ts';
import {
  ackAll,
  captureLogger,
  createTestPki,
  type FakeServer,
  startFakeServer,
  type TestPki,
} from './test-helpers.ts';
import { RequestError } from './transport.ts';

let pki: TestPki;
let identity: { keyPem: string; certPem: string };
let root: string;
let outbox: Outbox;
const servers: FakeServer[] = [];
const fast = { initialMs: 20, maxMs: 80, random: () => 1 };

before(async () => {
  pki = await createTestPki();
  identity = await pki.clientIdentity();
});
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-sender-'));
  outbox = new Outbox(path.join(root, 'outbox'), captureLogger());
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

function enrolmentFor(url: string): Enrolment {
  const config = {
    serverUrl: url,
    agentId: '00000000-0000-4000-8000-000000000001',
    facilityId: '00000000-0000-4000-8000-000000000002',
    enrolledAt: new Date().toISOString(),
    heartbeatSeconds: 60,
  };
  return { config, ...identity, caPem: pki.caPem };
}

async function serve(handler: Parameters<typeof startFakeServer>[1], port = 0): Promise<FakeServer> {
  const s = await startFakeServer(pki, handler, port);
  servers.push(s);
  return s;
}

async function fill(n: number, prefix = 'e'): Promise<AgentEvent[]> {
  const out = [];
  for (let i = 0; i < n; i += 1)
    out.push(await outbox.enqueue({ source: 'agent', kind: 'test', severity: 'low', title: `${prefix}${i}` }));
  return out;
}

const batchTitles = (body: unknown) => (body as { events: AgentEvent[] }).events.map((e) => e.title);

test('sends oldest first in batches of at most maxBatch over mutual TLS and empties the outbox', async () => {
  await fill(7);
  const server = await serve((req) => (req.authorized ? ackAll(req.body) : { status: 401 }));
  const { sent } = await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(server.url)),
    maxBatch: () => 3,
    ...captureLogger(),
  });
  assert.equal(sent, 7);
  assert.deepEqual(
    server.requests.map((r) => batchTitles(r.body)),
    [['e0', 'e1', 'e2'], ['e3', 'e4', 'e5'], ['e6']],
  );
  assert.ok(server.requests.every((r) => r.path === '/api/agent/events' && r.authorized));
  assert.equal((await outbox.stats()).count, 0);
});

test('deletes only the ids the server acknowledged (accepted or duplicate)', async () => {
  const events = await fill(3);
  let leftAtSecondRequest: string[] = [];
  const server = await serve(async (req) => {
    if (server.requests.length === 1) {
      // a foreign id in the ack must not delete anything either
      return {
        status: 200,
        body: { accepted: [events[0]!.id], duplicates: [events[1]!.id, '00000000-0000-4000-8000-00000000dead'] },
      };
    }
    leftAtSecondRequest = (await outbox.peek(10)).map((e) => e.title);
    return ackAll(req.body);
  });
  await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(server.url)),
    maxBatch: () => 10,
    ...captureLogger(),
  });
  assert.deepEqual(leftAtSecondRequest, ['e2']);
  assert.deepEqual(batchTitles(server.requests[1]!.body), ['e2']);
  assert.equal((await outbox.stats()).count, 0);
});

test('retries with growing delays while the server answers 503, then delivers', async () => {
  await fill(2);
  const server = await serve((req) => (server.requests.length <= 3 ? { status: 503 } : ackAll(req.body)));
  const delays: number[] = [];
  const { sent } = await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(server.url)),
    maxBatch: () => 10,
    backoff: fast,
    onRetry: (ms) => delays.push(ms),
    ...captureLogger(),
  });
  assert.equal(sent, 2);
  assert.deepEqual(delays, [20, 40, 80]);
  assert.equal(server.requests.length, 4);
});

test('retries while connections are refused and delivers once the server is up', async () => {
  await fill(2);
  const probe = await startFakeServer(pki, () => ({ status: 500 }));
  const port = probe.port;
  await probe.close(); // nothing listens on `port` now
  const errors: unknown[] = [];
  let server: FakeServer | undefined;
  const { sent } = await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(`https://127.0.0.1:${port}`)),
    maxBatch: () => 10,
    backoff: fast,
    onRetry: (_ms, err) => {
      errors.push(err);
      if (errors.length !== 2) return;
      void serve((req) => ackAll(req.body), port).then((s) => {
        server = s;
      });
    },
    ...captureLogger(),
  });
  assert.equal(sent, 2);
  assert.ok(errors.length >= 2);
  assert.ok(errors[0] instanceof RequestError && errors[0].kind === 'unreachable' && errors[0].code === 'ECONNREFUSED');
  assert.equal(server?.requests.length, 1);
});

for (const status of [401, 403]) {
  test(`stops at once on ${status} (revoked) and keeps the events`, async () => {
    await fill(2);
    const server = await serve(() => ({ status, body: { error: { code: 'forbidden', message: 'agent revoked' } } }));
    const retries: number[] = [];
    await assert.rejects(
      drainOutbox({
        outbox,
        client: createServerClient(enrolmentFor(server.url)),
        maxBatch: () => 10,
        backoff: fast,
        onRetry: (ms) => retries.push(ms),
        ...captureLogger(),
      }),
      (err: unknown) => err instanceof RevokedError && err.status === status && /agent revoked/.test(err.message),
    );
    assert.equal(server.requests.length, 1);
    assert.deepEqual(retries, []);
    assert.equal((await outbox.stats()).count, 2);
  });
}

test('a batch the server rejects (400) is split until the bad event is alone, which is quarantined', async () => {
  await fill(5);
  const delivered: string[] = [];
  const server = await serve((req) => {
    if (batchTitles(req.body).includes('e2'))
      return { status: 400, body: { error: { code: 'invalid', message: 'bad' } } };
    delivered.push(...batchTitles(req.body));
    return ackAll(req.body);
  });
  const { sent } = await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(server.url)),
    maxBatch: () => 5,
    ...captureLogger(),
  });
  assert.equal(sent, 4);
  assert.deepEqual(delivered.sort(), ['e0', 'e1', 'e3', 'e4']);
  assert.equal((await outbox.stats()).count, 0);
  assert.equal((await readdir(path.join(root, 'outbox-bad'))).length, 1);
});

test('a server whose certificate is not from the platform CA is not trusted (and retried, not treated as revoked)', async () => {
  await fill(1);
  const other = await createTestPki();
  const impostor = await startFakeServer(other, (req) => ackAll(req.body));
  servers.push(impostor);
  const stop = new AbortController();
  const errors: unknown[] = [];
  await drainOutbox({
    outbox,
    client: createServerClient(enrolmentFor(impostor.url)),
    maxBatch: () => 10,
    backoff: fast,
    signal: stop.signal,
    onRetry: (_ms, err) => {
      errors.push(err);
      stop.abort();
    },
    ...captureLogger(),
  });
  assert.ok(errors[0] instanceof RequestError && errors[0].kind === 'tls', String(errors[0]));
  assert.equal(impostor.requests.length, 0);
  assert.equal((await outbox.stats()).count, 1);
});
