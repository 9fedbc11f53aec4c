/**
 * Cross-tenant isolation over every route: a user of facility A (each facility role, and an
 * auditor assigned only to A) can neither read nor change anything of facility B. The test fails
 * when a route exists that this table does not cover, so a new route cannot skip the check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapAdmin, type Client, enrolTestAgent, makeFacility, makeTestApp, makeUser } from './harness.ts';

describe('tenancy: facility A never sees or changes facility B', async () => {
  const t = await makeTestApp();
  const admin = await bootstrapAdmin(t);
  const a = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設A診療所' }))).json();
  const b = (
    await admin.req('POST', '/api/facilities', makeFacility({ name: '施設B病院', type: 'hospital_small' }))
  ).json();
  const adminA = await makeUser(t.app, admin, 'facility_admin', { facilityId: a.id });
  const staffA = await makeUser(t.app, admin, 'facility_staff', { facilityId: a.id });
  const auditorA = await makeUser(t.app, admin, 'auditor', { assignedFacilityIds: [a.id] });
  const adminB = await makeUser(t.app, admin, 'facility_admin', { facilityId: b.id });
  // Activity inside B so B has audit entries, a renamed facility and a reset user.
  await adminB.req('PATCH', `/api/facilities/${b.id}`, { name: '施設B病院(改)' });
  await adminB.req('POST', '/api/users', {
    email: 'b-staff@example.jp',
    displayName: 'B staff',
    role: 'facility_staff',
    facilityId: b.id,
  });
  const agentB = await enrolTestAgent(t.app, admin, b.id, 'b-secret-host');
  const { ingestEvents } = await import('../modules/agents/agents.service.ts');
  await ingestEvents(
    t.database.db,
    { id: agentB.agentId, facilityId: b.id, hostname: agentB.hostname, certSerial: '' },
    [
      {
        id: crypto.randomUUID(),
        occurredAt: new Date().toISOString(),
        source: 'agent',
        kind: 'test',
        severity: 'high',
        title: 'B secret alert',
        details: {},
      },
    ],
  );
  const alertB = (await admin.req('GET', `/api/alerts?facilityId=${b.id}`)).json().items[0].id as string;
  const chB = (
    await adminB.req('POST', '/api/notification-channels', {
      kind: 'email',
      name: 'B秘密チャンネル',
      facilityId: b.id,
      config: { to: ['b-secret@example.jp'] },
    })
  ).json().id as string;
  const ruleB = (
    await adminB.req('POST', '/api/notification-rules', {
      channelId: chB,
      facilityId: null,
      minSeverity: 'low',
      sources: null,
    })
  ).json().id as string;
  // B's alert becomes a delivery to B's channel; B also sent a test (it fails: no SMTP in tests).
  const notificationsSvc = await import('../modules/notifications/notifications.service.ts');
  await notificationsSvc.enqueueNewAlerts(t.database.db);
  await adminB.req('POST', `/api/notification-channels/${chB}/test`);
  const deliveryB = (await adminB.req('GET', '/api/notification-deliveries?limit=500')).json().items[0].id as string;
  // Decoys in B: a policy, an inventory with a beacon, a timeline event and a beacon opening.
  const polB = (
    await adminB.req('POST', '/api/decoy-policies', {
      facilityId: b.id,
      name: 'B秘密ポリシー',
      directories: ['/srv/b-secret-share'],
    })
  ).json().id as string;
  const decoysSvc = await import('../modules/decoys/decoys.service.ts');
  const identB = { id: agentB.agentId, facilityId: b.id, hostname: agentB.hostname, certSerial: '' };
  await decoysSvc.reportInventory(t.database.db, identB, {
    decoys: [
      {
        policyId: polB,
        path: '/srv/b-secret-share/00_b-secret-decoy.docx',
        directory: '/srv/b-secret-share',
        kind: 'docx',
        sha256: 'b'.repeat(64),
        size: 1000,
        beaconToken: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      },
    ],
    verifiedAt: new Date().toISOString(),
    problems: [],
    isolated: false,
  });
  await decoysSvc.recordBeaconHit(t.database.db, {
    token: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    channel: 'http',
    ip: '198.51.100.7',
    userAgent: 'b-secret-viewer',
  });
  // A decoy-server sensor in B, attacked once: a session with a secret username and command.
  const sensorB = await enrolTestAgent(t.app, admin, b.id, 'b-secret-sensor', 'sensor');
  const sessionB = crypto.randomUUID();
  const sensorEvent = (interaction: string, extra: Record<string, unknown>, seconds: number) => ({
    id: crypto.randomUUID(),
    occurredAt: new Date(Date.now() - 60_000 + seconds * 1000).toISOString(),
    source: 'sensor',
    kind: `sensor.${interaction}`,
    severity: 'medium' as const,
    title: 'B secret sensor alert',
    details: {
      sessionId: sessionB,
      persona: 'ssh',
      srcIp: '203.0.113.66',
      srcPort: 40000,
      dstPort: 22,
      interaction,
      stage: 'login_success',
      ...extra,
    },
    dedupKey: `sensor:${sensorB.agentId}:203.0.113.66`,
  });
  await ingestEvents(
    t.database.db,
    { id: sensorB.agentId, facilityId: b.id, hostname: sensorB.hostname, certSerial: '' },
    [
      sensorEvent('login', { username: 'b-secret-user', password: 'b-secret-pass', success: true }, 1),
      sensorEvent('command', { command: 'cat /b-secret-command' }, 2),
    ],
  );
  const secretsOfB = [
    'b-secret-sensor',
    'b-secret-user',
    'b-secret-pass',
    'b-secret-command',
    '203.0.113.66',
    sessionB,
    polB,
    'B秘密ポリシー',
    'b-secret-share',
    'b-secret-viewer',
    chB,
    ruleB,
    deliveryB,
    'B秘密チャンネル',
    'b-secret@example.jp',
    b.id,
    adminB.id,
    adminB.email,
    'b-staff@example.jp',
    '施設B病院',
    'b-secret-host',
    'B secret alert',
    alertB,
  ];

  /** How each route is called against B's resources; `list` routes must simply not show B. */
  type Probe = { method: string; url: string; body?: unknown; list?: boolean; public?: boolean };
  const probes: Record<string, Probe[]> = {
    'GET /api/facilities': [
      { method: 'GET', url: '/api/facilities?limit=500', list: true },
      { method: 'GET', url: `/api/facilities?q=${encodeURIComponent('施設B')}`, list: true },
    ],
    'POST /api/facilities': [
      { method: 'POST', url: '/api/facilities', body: makeFacility({ name: '施設B病院 別館' }) },
    ],
    'GET /api/facilities/{id}': [{ method: 'GET', url: `/api/facilities/${b.id}` }],
    'PATCH /api/facilities/{id}': [{ method: 'PATCH', url: `/api/facilities/${b.id}`, body: { name: 'taken over' } }],
    'GET /api/users': [
      { method: 'GET', url: '/api/users?limit=500', list: true },
      { method: 'GET', url: `/api/users?facilityId=${b.id}`, list: true },
    ],
    'POST /api/users': [
      {
        method: 'POST',
        url: '/api/users',
        body: { email: 'intruder@example.jp', displayName: 'x', role: 'facility_admin', facilityId: b.id },
      },
    ],
    'GET /api/users/{id}': [{ method: 'GET', url: `/api/users/${adminB.id}` }],
    'PATCH /api/users/{id}': [{ method: 'PATCH', url: `/api/users/${adminB.id}`, body: { displayName: 'hijacked' } }],
    'POST /api/users/{id}/password-reset': [{ method: 'POST', url: `/api/users/${adminB.id}/password-reset` }],
    'POST /api/users/{id}/mfa-reset': [{ method: 'POST', url: `/api/users/${adminB.id}/mfa-reset` }],
    'POST /api/users/{id}/unlock': [{ method: 'POST', url: `/api/users/${adminB.id}/unlock` }],
    'GET /api/audit': [
      { method: 'GET', url: '/api/audit?limit=500', list: true },
      { method: 'GET', url: `/api/audit?facilityId=${b.id}`, list: true },
    ],
    'GET /api/audit/export.csv': [{ method: 'GET', url: '/api/audit/export.csv', list: true }],
    'POST /api/audit/verify': [{ method: 'POST', url: '/api/audit/verify' }],
    'GET /api/settings': [{ method: 'GET', url: '/api/settings', list: true }],
    'PATCH /api/settings': [{ method: 'PATCH', url: '/api/settings', body: { organisationName: 'taken over' } }],
    'POST /api/pki/client-certificates': [
      { method: 'POST', url: '/api/pki/client-certificates', body: { userId: adminB.id, days: 30 } },
    ],
    'GET /api/pki/client-certificates': [{ method: 'GET', url: '/api/pki/client-certificates' }],
    'POST /api/pki/client-certificates/{serial}/revoke': [
      { method: 'POST', url: '/api/pki/client-certificates/0a1b/revoke' },
    ],
    'POST /api/enrolment-tokens': [
      { method: 'POST', url: '/api/enrolment-tokens', body: { facilityId: b.id, ttlMinutes: 60 } },
    ],
    'GET /api/agents': [
      { method: 'GET', url: '/api/agents?limit=500', list: true },
      { method: 'GET', url: `/api/agents?facilityId=${b.id}`, list: true },
    ],
    'POST /api/agents/{id}/revoke': [{ method: 'POST', url: `/api/agents/${agentB.agentId}/revoke` }],
    'GET /api/alerts': [
      { method: 'GET', url: '/api/alerts?limit=500', list: true },
      { method: 'GET', url: `/api/alerts?facilityId=${b.id}`, list: true },
    ],
    'GET /api/alerts/export.jsonl': [{ method: 'GET', url: '/api/alerts/export.jsonl', list: true }],
    'GET /api/alerts/{id}': [{ method: 'GET', url: `/api/alerts/${alertB}` }],
    'PATCH /api/alerts/{id}': [{ method: 'PATCH', url: `/api/alerts/${alertB}`, body: { status: 'resolved' } }],
    'POST /api/alerts/{id}/comments': [{ method: 'POST', url: `/api/alerts/${alertB}/comments`, body: { body: 'x' } }],
    'GET /api/notification-channels': [{ method: 'GET', url: '/api/notification-channels', list: true }],
    'POST /api/notification-channels': [
      {
        method: 'POST',
        url: '/api/notification-channels',
        body: { kind: 'email', name: 'x', facilityId: b.id, config: { to: ['x@example.jp'] } },
      },
    ],
    'DELETE /api/notification-channels/{id}': [{ method: 'DELETE', url: `/api/notification-channels/${chB}` }],
    'PATCH /api/notification-channels/{id}': [
      { method: 'PATCH', url: `/api/notification-channels/${chB}`, body: { name: 'taken over', enabled: false } },
      { method: 'PATCH', url: `/api/notification-channels/${chB}`, body: { config: { to: ['intruder@example.jp'] } } },
    ],
    'POST /api/notification-channels/{id}/test': [{ method: 'POST', url: `/api/notification-channels/${chB}/test` }],
    'PATCH /api/notification-rules/{id}': [
      { method: 'PATCH', url: `/api/notification-rules/${ruleB}`, body: { enabled: false, minSeverity: 'critical' } },
    ],
    'DELETE /api/notification-rules/{id}': [{ method: 'DELETE', url: `/api/notification-rules/${ruleB}` }],
    'GET /api/notification-deliveries': [
      { method: 'GET', url: '/api/notification-deliveries?limit=500&chartDays=30', list: true },
      { method: 'GET', url: `/api/notification-deliveries?facilityId=${b.id}`, list: true },
      { method: 'GET', url: `/api/notification-deliveries?channelId=${chB}`, list: true },
    ],
    'POST /api/notification-deliveries/{id}/retry': [
      { method: 'POST', url: `/api/notification-deliveries/${deliveryB}/retry` },
    ],
    'GET /api/notification-rules': [{ method: 'GET', url: '/api/notification-rules', list: true }],
    'POST /api/notification-rules': [
      {
        method: 'POST',
        url: '/api/notification-rules',
        body: { channelId: chB, facilityId: null, minSeverity: 'info', sources: null },
      },
    ],
    'GET /api/alerts/{id}/deliveries': [{ method: 'GET', url: `/api/alerts/${alertB}/deliveries`, list: true }],
    // A never-ending event stream; agents.test.ts proves B's console hears nothing of A over real TLS.
    'GET /api/alerts/stream': [],
    // Agents post with their own certificate; a user session is refused (401), and the agent's
    // facility comes from its certificate (agents.test.ts proves A's agent cannot post into B).
    'POST /api/agents/enroll': [
      {
        method: 'POST',
        url: '/api/agents/enroll',
        body: {
          token: 'x'.repeat(40),
          csrPem: 'x'.repeat(200),
          host: { hostname: 'h', os: 'linux', osVersion: '', ips: [], agentVersion: '1', uptimeSeconds: 1 },
        },
      },
    ],
    'POST /api/agent/heartbeat': [
      {
        method: 'POST',
        url: '/api/agent/heartbeat',
        body: { hostname: 'h', os: 'linux', osVersion: '', ips: [], agentVersion: '1', uptimeSeconds: 1 },
      },
    ],
    'POST /api/agent/events': [
      {
        method: 'POST',
        url: '/api/agent/events',
        body: {
          events: [
            {
              id: crypto.randomUUID(),
              occurredAt: new Date().toISOString(),
              source: 'agent',
              kind: 'test',
              severity: 'low',
              title: 'x',
            },
          ],
        },
      },
    ],
    'GET /api/decoy-policies': [
      { method: 'GET', url: '/api/decoy-policies?limit=500', list: true },
      { method: 'GET', url: `/api/decoy-policies?facilityId=${b.id}`, list: true },
    ],
    'POST /api/decoy-policies': [
      {
        method: 'POST',
        url: '/api/decoy-policies',
        body: { facilityId: b.id, name: 'x', directories: ['/srv/x'] },
      },
    ],
    'PUT /api/decoy-policies/{id}': [
      { method: 'PUT', url: `/api/decoy-policies/${polB}`, body: { name: 'taken over', directories: ['/srv/x'] } },
    ],
    'DELETE /api/decoy-policies/{id}': [{ method: 'DELETE', url: `/api/decoy-policies/${polB}` }],
    'GET /api/decoys/coverage': [
      { method: 'GET', url: '/api/decoys/coverage', list: true },
      { method: 'GET', url: `/api/decoys/coverage?facilityId=${b.id}`, list: true },
    ],
    'GET /api/decoys': [{ method: 'GET', url: `/api/decoys?agentId=${agentB.agentId}` }],
    'GET /api/agents/{id}/timeline': [{ method: 'GET', url: `/api/agents/${agentB.agentId}/timeline` }],
    'POST /api/agents/{id}/isolate': [
      { method: 'POST', url: `/api/agents/${agentB.agentId}/isolate`, body: { reason: 'x' } },
    ],
    'POST /api/agents/{id}/release': [
      { method: 'POST', url: `/api/agents/${agentB.agentId}/release`, body: { reason: 'x' } },
    ],
    'GET /api/beacon-hits': [
      { method: 'GET', url: '/api/beacon-hits?limit=500', list: true },
      { method: 'GET', url: `/api/beacon-hits?facilityId=${b.id}`, list: true },
    ],
    'POST /api/agent/decoys/inventory': [
      {
        method: 'POST',
        url: '/api/agent/decoys/inventory',
        body: { decoys: [], verifiedAt: new Date().toISOString() },
      },
    ],
    'GET /api/sensors': [
      { method: 'GET', url: '/api/sensors?limit=500', list: true },
      { method: 'GET', url: `/api/sensors?facilityId=${b.id}`, list: true },
    ],
    'PUT /api/sensors/{agentId}/config': [
      {
        method: 'PUT',
        url: `/api/sensors/${sensorB.agentId}/config`,
        body: { bind: '127.0.0.1', personas: [{ kind: 'ssh', port: 2222 }] },
      },
    ],
    'GET /api/sensors/sessions': [
      { method: 'GET', url: '/api/sensors/sessions?limit=500', list: true },
      { method: 'GET', url: `/api/sensors/sessions?facilityId=${b.id}`, list: true },
      { method: 'GET', url: '/api/sensors/sessions?srcIp=203.0.113.66', list: true },
      { method: 'GET', url: `/api/sensors/sessions?agentId=${sensorB.agentId}`, list: true },
    ],
    'GET /api/sensors/sessions/{id}': [{ method: 'GET', url: `/api/sensors/sessions/${sessionB}` }],
    'GET /api/sensors/sources': [
      { method: 'GET', url: '/api/sensors/sources?hours=2160&limit=200', list: true },
      { method: 'GET', url: `/api/sensors/sources?facilityId=${b.id}`, list: true },
    ],
    'GET /api/sensors/credentials': [
      { method: 'GET', url: '/api/sensors/credentials?hours=2160&limit=200', list: true },
      { method: 'GET', url: `/api/sensors/credentials?facilityId=${b.id}`, list: true },
    ],
    'POST /api/agent/sensor/status': [
      { method: 'POST', url: '/api/agent/sensor/status', body: { revision: 1, listening: [], problems: [] } },
    ],
    // Routes about the caller's own session or public set-up carry no facility data.
    'GET /api/auth/setup-status': [{ method: 'GET', url: '/api/auth/setup-status', list: true, public: true }],
    'POST /api/auth/bootstrap': [],
    'POST /api/auth/login': [],
    'GET /api/auth/session': [{ method: 'GET', url: '/api/auth/session', list: true }],
    'POST /api/auth/logout': [],
    'POST /api/auth/mfa/setup': [],
    'POST /api/auth/mfa/enable': [],
    'POST /api/auth/mfa/verify': [],
    'GET /api/auth/one-time-token': [],
    'POST /api/auth/set-password': [],
    'GET /api/health': [],
    'GET /api/ready': [],
    'GET /api/pki/ca.crt': [],
  };

  it('covers every route of the API', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const missing = routes.filter((r) => !(r in probes));
    assert.deepEqual(missing, [], `routes without a tenancy probe: ${missing.join(', ')}`);
  });

  const users: [string, Client][] = [
    ['facility_admin of A', adminA],
    ['facility_staff of A', staffA],
    ['auditor assigned to A', auditorA],
  ];
  for (const [who, client] of users) {
    it(`${who}: every probe is refused or shows nothing of B`, async () => {
      for (const probe of Object.values(probes).flat()) {
        const res = await client.req(probe.method, probe.url, probe.body);
        const label = `${who} ${probe.method} ${probe.url}`;
        assert.ok(res.statusCode < 500, `${label} → ${res.statusCode}`);
        if (probe.list) {
          if (res.statusCode === 200) {
            for (const s of secretsOfB) assert.ok(!res.body.includes(s), `${label} leaked ${s}`);
          }
        } else {
          assert.ok([400, 401, 403, 404].includes(res.statusCode), `${label} → ${res.statusCode} ${res.body}`);
        }
      }
    });
  }

  it('left B untouched', async () => {
    const ab = (await admin.req('GET', `/api/alerts/${alertB}`)).json();
    assert.equal(ab.status, 'new');
    assert.equal(ab.timeline.length, 1);
    const channels = (await admin.req('GET', '/api/notification-channels')).json();
    assert.ok(
      channels.items.some((c: { id: string }) => c.id === chB),
      "B's channel survived",
    );
    const channelB = channels.items.find((c: { id: string }) => c.id === chB);
    assert.deepEqual(
      [channelB.name, channelB.enabled, channelB.target],
      ['B秘密チャンネル', true, 'b-secret@example.jp'],
    );
    const rulesB = (await admin.req('GET', '/api/notification-rules')).json().items;
    const rB = rulesB.find((r: { id: string }) => r.id === ruleB);
    assert.deepEqual([rB?.enabled, rB?.minSeverity], [true, 'low'], "B's rule survived unchanged");
    const audited = (await admin.req('GET', `/api/audit?facilityId=${b.id}&limit=500`)).json().items;
    assert.ok(
      !audited.some((e: { action: string }) => e.action === 'notification.delivery_retry'),
      "nobody retried B's deliveries",
    );
    const agents = (await admin.req('GET', `/api/agents?facilityId=${b.id}`)).json();
    assert.equal(agents.items[0].status, 'online');
    const fb = await admin.req('GET', `/api/facilities/${b.id}`);
    assert.equal(fb.json().name, '施設B病院(改)');
    const ub = await admin.req('GET', `/api/users/${adminB.id}`);
    assert.equal(ub.json().displayName.startsWith('facility_admin'), true);
    assert.equal(ub.json().hasPassword, true);
    const list = await admin.req('GET', '/api/users?q=intruder');
    assert.equal(list.json().total, 0);
    const pol = (await admin.req('GET', `/api/decoy-policies?facilityId=${b.id}`)).json();
    assert.equal(pol.items[0].name, 'B秘密ポリシー');
    const cov = (await admin.req('GET', `/api/decoys/coverage?facilityId=${b.id}`)).json();
    assert.equal(cov.hosts[0].decoys, 1, "B's inventory survived");
    assert.equal(cov.hosts[0].isolationDesired, null, 'nobody of A isolated B’s host');
    const s = await admin.req('GET', '/api/settings');
    assert.notEqual(s.json().organisationName, 'taken over');
    const sensors = (await admin.req('GET', `/api/sensors?facilityId=${b.id}`)).json();
    assert.equal(sensors.items[0].revision, 0, "nobody of A reconfigured B's sensor");
    const sess = (await admin.req('GET', `/api/sensors/sessions/${sessionB}`)).json();
    assert.deepEqual(
      sess.interactions.map((i: { interaction: string }) => i.interaction),
      ['login', 'command'],
    );
  });

  it('still lets A work with its own data', async () => {
    const own = await adminA.req('GET', '/api/facilities');
    assert.deepEqual(
      own.json().items.map((f: { id: string }) => f.id),
      [a.id],
    );
    const edit = await adminA.req('PATCH', `/api/facilities/${a.id}`, { name: '施設A診療所(新)' });
    assert.equal(edit.statusCode, 200);
    const invite = await adminA.req('POST', '/api/users', {
      email: 'a-nurse@example.jp',
      displayName: 'A nurse',
      role: 'facility_staff',
      facilityId: a.id,
    });
    assert.equal(invite.statusCode, 201);
    const audit = await auditorA.req('GET', '/api/audit?limit=500');
    assert.ok(audit.json().items.some((e: { action: string }) => e.action === 'facility.update'));
    assert.ok(audit.json().items.every((e: { facilityId: string | null }) => e.facilityId === a.id));
  });

  it('the database refuses cross-facility rows even if a query forgets a filter', async () => {
    const { withScope } = await import('../db/scope.ts');
    const { facilities } = await import('../modules/facilities/facilities.tables.ts');
    const rows = await withScope(t.database.db, { kind: 'facilities', ids: [a.id] }, (tx) =>
      tx.select().from(facilities),
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [a.id],
    );
    await assert.rejects(
      withScope(t.database.db, { kind: 'facilities', ids: [a.id] }, (tx) =>
        tx
          .insert(facilities)
          .values({ ...makeFacility(), organisationId: rows[0]?.organisationId ?? '', onCallContact: null }),
      ),
      (err: Error & { cause?: Error }) => /row-level security/.test(String(err.cause?.message)),
    );
  });
});
