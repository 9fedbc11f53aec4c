/**
 * The ingestion path under concurrency, and the agent identity cache: concurrent batches folding
 * into one alert, a batch racing another transaction that creates the same open alert, and
 * revocation taking effect at once despite the cache.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { AgentEvent } from '@mamori/contracts';
import { sql } from 'drizzle-orm';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import { bootstrapAdmin, enrolTestAgent, makeFacility, makeTestApp } from '../../test/harness.ts';
import { raiseAlert } from '../alerts/alerts.service.ts';
import { type AgentIdentity, authenticateAgent, ingestEvents } from './agents.service.ts';

describe('event ingestion and agent identity', async () => {
  const t = await makeTestApp();
  const db = t.database.db;
  const admin = await bootstrapAdmin(t);
  const fa = (await admin.req('POST', '/api/facilities', makeFacility())).json();
  const enrolled = await Promise.all([
    enrolTestAgent(t.app, admin, fa.id, 'ingest-1'),
    enrolTestAgent(t.app, admin, fa.id, 'ingest-2'),
    enrolTestAgent(t.app, admin, fa.id, 'ingest-3'),
  ]);
  /** A stand-in for the mutual-TLS socket: a verified peer certificate with the agent's serial. */
  const socketOf = (certPem: string) =>
    ({
      authorized: true,
      getPeerCertificate: () => ({ serialNumber: new X509Certificate(certPem).serialNumber }),
    }) as unknown as TLSSocket;
  const [a1, a2, a3] = await Promise.all(enrolled.map((e) => authenticateAgent(db, socketOf(e.certPem))));
  assert.ok(a1 && a2 && a3);

  const event = (over: Partial<AgentEvent> = {}): AgentEvent => ({
    id: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    source: 'agent',
    kind: 'test',
    severity: 'low',
    title: 'ingestion test',
    details: {},
    ...over,
  });
  const alertsWithKey = (key: string) =>
    withScope(db, SYSTEM_SCOPE, async (tx) => {
      const r = await tx.execute<{ id: string; count: number; severity: string }>(
        sql`select id, count, severity from alerts where dedup_key = ${key}`,
      );
      return r.rows;
    });
  const linksOf = (ids: string[]) =>
    withScope(db, SYSTEM_SCOPE, async (tx) => {
      const r = await tx.execute<{ alert_id: string | null }>(
        sql`select alert_id from agent_events where id = any(${sql.param(ids)}::uuid[])`,
      );
      return r.rows.map((x) => x.alert_id);
    });

  it('folds concurrent batches (and their retries) sharing a dedup key into one alert, each event once', async () => {
    const key = `shared:${crypto.randomUUID()}`;
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => event({ dedupKey: key, severity: b === 5 && i === 3 ? 'high' : 'low' })),
    );
    const agentsFor = [a1, a2];
    // Every batch is sent twice at the same time, by alternating agents: a retry racing the original.
    const acks = await Promise.all(
      batches.flatMap((events, b) => [
        ingestEvents(db, agentsFor[b % 2] as AgentIdentity, events),
        ingestEvents(db, agentsFor[b % 2] as AgentIdentity, [...events].reverse()),
      ]),
    );
    const all = batches.flat().map((e) => e.id);
    const accepted = acks.flatMap((a) => a.accepted);
    assert.equal(accepted.length, all.length, 'each event accepted exactly once');
    assert.equal(new Set(accepted).size, all.length);
    assert.equal(acks.flatMap((a) => a.duplicates).length, all.length, 'each retry saw its events as duplicates');
    const open = await alertsWithKey(key);
    assert.equal(open.length, 1);
    assert.equal(open[0]?.count, all.length);
    assert.equal(open[0]?.severity, 'high');
    assert.deepEqual(new Set(await linksOf(all)), new Set([open[0]?.id]));
  });

  it('links a batch to the open alert another transaction created while the batch was being stored', async () => {
    const key = `race:${crypto.randomUUID()}`;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let created: () => void = () => {};
    const createdInTx = new Promise<void>((r) => {
      created = r;
    });
    // Another writer creates the open alert for the key and holds its transaction open.
    const other = withScope(db, { kind: 'facilities', ids: [fa.id] }, async (tx) => {
      const r = await raiseAlert(tx, {
        facilityId: fa.id,
        source: 'agent',
        kind: 'test',
        severity: 'medium',
        title: 'created elsewhere',
        dedupKey: key,
        occurredAt: new Date(),
      });
      created();
      await gate;
      return r;
    });
    await createdInTx;
    const events = Array.from({ length: 3 }, () => event({ dedupKey: key }));
    const ingest = ingestEvents(db, a3 as AgentIdentity, events);
    await new Promise((r) => setTimeout(r, 200));
    release();
    const [mine, ack] = await Promise.all([other, ingest]);
    assert.equal(ack.accepted.length, 3);
    const open = await alertsWithKey(key);
    assert.equal(open.length, 1, 'one open alert for the key');
    assert.equal(open[0]?.id, mine.id);
    assert.equal(open[0]?.count, 4);
    assert.deepEqual(await linksOf(events.map((e) => e.id)), [mine.id, mine.id, mine.id]);
  });

  it('reuses a looked-up identity, yet refuses a revoked agent from its next call on', async () => {
    const e = await enrolTestAgent(t.app, admin, fa.id, 'ingest-revoke');
    const socket = socketOf(e.certPem);
    const first = await authenticateAgent(db, socket);
    assert.equal(first.id, e.agentId);
    // Changed behind the platform's back (as another replica would): the cached identity is kept.
    await withScope(db, SYSTEM_SCOPE, (tx) =>
      tx.execute(sql`update agents set hostname = 'renamed' where id = ${e.agentId}::uuid`),
    );
    assert.equal((await authenticateAgent(db, socket)).hostname, 'ingest-revoke');
    // Revoked through this process: refused at once.
    const rev = await admin.req('POST', `/api/agents/${e.agentId}/revoke`);
    assert.equal(rev.statusCode, 200);
    await assert.rejects(authenticateAgent(db, socket), (err: { status?: number }) => err.status === 403);
  });
});
