/** Agents over real mutual TLS: enrolment, heartbeats, exactly-once events, folding, isolation, revocation. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import {
  bootstrapAdmin,
  createTestDatabase,
  enrolTestAgent,
  makeAgentCsr,
  makeFacility,
  makeUser,
  onCleanup,
} from '../../test/harness.ts';
import { detectOfflineAgents } from './agents.service.ts';

type Res = { status: number; json: () => { [k: string]: unknown } };
type AgentCreds = { keyPem: string; certPem: string; caPem: string };

describe('agent API over mutual TLS', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-agents-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(
    loadConfig({
      DATABASE_URL: await createTestDatabase(),
      MAMORI_DATA_DIR: dir,
      MAMORI_PORT: '0',
      MAMORI_LOG_LEVEL: 'silent',
      MAMORI_WEB_DIR: '',
      MAMORI_AGENT_HEARTBEAT_SECONDS: '30',
    }),
  );
  onCleanup(() => server.stop());
  const t = { app: server.app, database: server.database, url: '' };
  const admin = await bootstrapAdmin(t);
  const fa = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設A' }))).json();
  const fb = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設B' }))).json();
  const agentA = await enrolTestAgent(server.app, admin, fa.id, 'a-fileserver');
  const agentA2 = await enrolTestAgent(server.app, admin, fa.id, 'a-emr-terminal');
  await enrolTestAgent(server.app, admin, fb.id, 'b-fileserver');

  const call = (url: string, body: unknown, creds?: AgentCreds): Promise<Res> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = https.request(
        `${server.url}${url}`,
        {
          method: 'POST',
          ca: agentA.caPem,
          ...(creds ? { key: creds.keyPem, cert: creds.certPem } : {}),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(b) }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const facts = {
    hostname: 'a-fileserver',
    os: 'linux',
    osVersion: 'Debian 12',
    ips: ['192.0.2.10'],
    agentVersion: '0.1.0',
    uptimeSeconds: 3600,
  };
  const event = (over: Partial<AgentEvent> = {}): AgentEvent => ({
    id: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    source: 'agent',
    kind: 'test',
    severity: 'medium',
    title: 'テストイベント',
    details: {},
    ...over,
  });

  it('answers a heartbeat with the policy and records host facts', async () => {
    const res = await call('/api/agent/heartbeat', { ...facts, uptimeSeconds: 7200 }, agentA);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json().policy, {
      heartbeatSeconds: 30,
      maxBatch: 500,
      decoys: [],
      isolation: null,
      sensor: null,
    });
    const list = (await admin.req('GET', `/api/agents?facilityId=${fa.id}`)).json();
    const me = list.items.find((a: { id: string }) => a.id === agentA.agentId);
    assert.equal(me.uptimeSeconds, 7200);
    assert.equal(me.status, 'online');
  });

  it('refuses calls without a certificate, or with one from another CA', async () => {
    const none = await call('/api/agent/heartbeat', facts);
    assert.equal(none.status, 401);
    const { loadOrCreateCa, issueServerCertificate } = await import('../pki/pki.service.ts');
    const otherCa = await loadOrCreateCa(path.join(dir, 'other-ca'), { commonName: 'Rogue CA' });
    const rogue = await issueServerCertificate(otherCa, { hostnames: ['rogue'], ipAddresses: [] });
    const res = await call('/api/agent/heartbeat', facts, {
      keyPem: rogue.keyPem,
      certPem: rogue.certPem,
      caPem: agentA.caPem,
    });
    assert.equal(res.status, 401);
  });

  it('stores each event exactly once, however often it is sent', async () => {
    const events = [event({ dedupKey: 'once' }), event({ dedupKey: 'once' }), event({ dedupKey: 'once' })];
    const first = (await call('/api/agent/events', { events }, agentA)).json();
    assert.equal((first.accepted as string[]).length, 3);
    const again = (await call('/api/agent/events', { events }, agentA)).json();
    assert.deepEqual(again.accepted, []);
    assert.equal((again.duplicates as string[]).length, 3);
    const alerts = (await admin.req('GET', `/api/alerts?facilityId=${fa.id}`)).json();
    const folded = alerts.items.filter((a: { title: string; count: number }) => a.count === 3);
    assert.equal(folded.length, 1, 'three events with one dedup key are one alert counting 3');
  });

  it("folds a storm into one alert and keeps the highest severity; the alert is in the agent's facility", async () => {
    const storm = Array.from({ length: 200 }, (_, i) =>
      event({ kind: 'storm', severity: i === 150 ? 'critical' : 'low' }),
    );
    const res = await call('/api/agent/events', { events: storm }, agentA2);
    assert.equal(res.status, 200);
    const list = (await admin.req('GET', '/api/alerts?source=agent&limit=500')).json();
    const a = list.items.find((x: { kind: string }) => x.kind === 'storm');
    assert.equal(a.count, 200);
    assert.equal(a.severity, 'critical');
    assert.equal(a.facilityId, fa.id);
    assert.equal(a.hostname, 'a-emr-terminal');
    const inB = (await admin.req('GET', `/api/alerts?facilityId=${fb.id}`)).json();
    assert.equal(inB.total, 0, "facility A's agents cannot create anything in B");
  });

  it('a folded alert shows one event whole: the latest of the most severe', async () => {
    const key = `coherent-${crypto.randomUUID()}`;
    const send = (e: Partial<AgentEvent>) =>
      call('/api/agent/events', { events: [event({ dedupKey: key, ...e })] }, agentA);
    await send({ kind: 'decoy.read', severity: 'critical', title: 'read', details: { path: '/srv/a' } });
    await send({ kind: 'tree.mass_modify', severity: 'high', title: 'storm', details: { path: '/srv/b' } });
    const find = async () =>
      (await admin.req('GET', '/api/alerts?source=agent&limit=500'))
        .json()
        .items.find((a: { title: string; count: number }) => ['read', 'note'].includes(a.title) && a.count >= 2);
    const afterLow = await find();
    assert.equal(afterLow.title, 'read', 'a less severe event does not replace what the alert shows');
    assert.equal(afterLow.kind, 'decoy.read');
    const detail = (await admin.req('GET', `/api/alerts/${afterLow.id}`)).json();
    assert.deepEqual(detail.details, { path: '/srv/a' });
    await send({ kind: 'tree.ransom_note', severity: 'critical', title: 'note', details: { path: '/srv/README.txt' } });
    const afterNote = (await admin.req('GET', `/api/alerts/${afterLow.id}`)).json();
    assert.equal(afterNote.title, 'note');
    assert.equal(afterNote.kind, 'tree.ransom_note');
    assert.deepEqual(afterNote.details, { path: '/srv/README.txt' });
    assert.equal(afterNote.count, 3);
  });

  it('rejects malformed, oversized and self-duplicating batches with clear errors', async () => {
    const big = await call('/api/agent/events', { events: Array.from({ length: 501 }, () => event()) }, agentA);
    assert.equal(big.status, 400);
    const bad = await call('/api/agent/events', { events: [{ ...event(), severity: 'apocalyptic' }] }, agentA);
    assert.equal(bad.status, 400);
    const e = event();
    const dup = await call('/api/agent/events', { events: [e, e] }, agentA);
    assert.equal(dup.status, 400);
    assert.match(String((dup.json().error as { message: string }).message), /repeats an event id/);
  });

  it('enrolment tokens are single-use and a broken CSR does not use one up', async () => {
    const { token } = (await admin.req('POST', '/api/enrolment-tokens', { facilityId: fa.id })).json() as {
      token: string;
    };
    const enrol = async (csrPem: string) =>
      server.app.inject({ method: 'POST', url: '/api/agents/enroll', payload: { token, csrPem, host: facts } });
    const broken = await enrol(
      `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(200)}\n-----END CERTIFICATE REQUEST-----`,
    );
    assert.equal(broken.statusCode, 400);
    const ok = await enrol((await makeAgentCsr('third')).csrPem);
    assert.equal(ok.statusCode, 201, ok.body);
    const reused = await enrol((await makeAgentCsr('fourth')).csrPem);
    assert.equal(reused.statusCode, 401);
    assert.match(reused.json().error.message, /already used or expired/);
  });

  it('raises one "agent offline" alert for a silent agent', async () => {
    const raised = await detectOfflineAgents(server.database.db, { heartbeatSeconds: 30, offlineAfterSeconds: -1 });
    assert.ok(raised >= 3);
    assert.equal(
      await detectOfflineAgents(server.database.db, { heartbeatSeconds: 30, offlineAfterSeconds: -1 }),
      0,
      'only once per silence',
    );
    const list = (await admin.req('GET', '/api/alerts?source=agent&limit=500')).json();
    assert.ok(
      list.items.some(
        (a: { kind: string; hostname: string }) => a.kind === 'agent_offline' && a.hostname === 'b-fileserver',
      ),
    );
  });

  it('pushes new alerts live to open consoles in scope, and only to them', async () => {
    const userB = await makeUser(server.app, admin, 'facility_admin', { facilityId: fb.id });
    const open = (cookie: string) => {
      const got: string[] = [];
      const req = https.get(
        `${server.url}/api/alerts/stream`,
        { ca: agentA.caPem, headers: { cookie: `__Host-mamori_session=${cookie}` } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (d: string) => got.push(d));
        },
      );
      req.on('error', () => {});
      return { got, close: () => req.destroy() };
    };
    const adminStream = open(admin.cookie);
    const bStream = open(userB.cookie);
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    await call('/api/agent/events', { events: [event({ kind: 'live', severity: 'critical' })] }, agentA2);
    while (!adminStream.got.join('').includes('event: alert') && Date.now() - sent < 5000)
      await new Promise((r) => setTimeout(r, 20));
    const text = adminStream.got.join('');
    assert.match(text, /event: alert\ndata: \{[^\n]*"facilityId":"[^"]+"/);
    assert.ok(text.includes(fa.id));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!bStream.got.join('').includes(fa.id), "facility B's console hears nothing of A");
    adminStream.close();
    bStream.close();
  });

  it('triage: resolve, then refuse to reopen while a newer open alert for the same problem exists', async () => {
    const first = event({ kind: 'reopen', dedupKey: 'reopen-key' });
    await call('/api/agent/events', { events: [first] }, agentA2);
    const list = (await admin.req('GET', '/api/alerts?source=agent&limit=500')).json();
    const old = list.items.find((a: { kind: string }) => a.kind === 'reopen');
    const resolved = await admin.req('PATCH', `/api/alerts/${old.id}`, { status: 'resolved' });
    assert.equal(resolved.statusCode, 200);
    assert.deepEqual(
      resolved.json().timeline.map((e: { type: string }) => e.type),
      ['occurred', 'status'],
    );
    await call('/api/agent/events', { events: [event({ kind: 'reopen', dedupKey: 'reopen-key' })] }, agentA2);
    const reopen = await admin.req('PATCH', `/api/alerts/${old.id}`, { status: 'investigating' });
    assert.equal(reopen.statusCode, 409);
    const comment = await admin.req('POST', `/api/alerts/${old.id}/comments`, {
      body: '再発のため新しいアラートで対応',
    });
    assert.equal(comment.json().timeline.at(-1).body, '再発のため新しいアラートで対応');
  });

  it('exports alerts as JSON lines for a SIEM, oldest change first, and since a time', async () => {
    const all = await admin.req('GET', '/api/alerts/export.jsonl');
    assert.equal(all.statusCode, 200);
    assert.match(String(all.headers['content-type']), /application\/x-ndjson/);
    const lines = all.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; updatedAt: string; count: number });
    assert.ok(lines.some((a) => a.kind === 'storm' && a.count === 200));
    const times = lines.map((a) => a.updatedAt);
    assert.deepEqual([...times].sort(), times);
    const later = await admin.req(
      'GET',
      `/api/alerts/export.jsonl?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    assert.equal(later.body, '');
    const bad = await admin.req('GET', '/api/alerts/export.jsonl?since=yesterday');
    assert.equal(bad.statusCode, 400);
  });

  it('a revoked agent is refused from its next call on', async () => {
    const rev = await admin.req('POST', `/api/agents/${agentA.agentId}/revoke`);
    assert.equal(rev.statusCode, 200);
    assert.equal(rev.json().status, 'revoked');
    const hb = await call('/api/agent/heartbeat', facts, agentA);
    assert.equal(hb.status, 403);
    const ev = await call('/api/agent/events', { events: [event()] }, agentA);
    assert.equal(ev.status, 403);
    const other = await call('/api/agent/heartbeat', facts, agentA2);
    assert.equal(other.status, 200, 'other agents are unaffected');
  });
});
