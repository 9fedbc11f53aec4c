/** Decoys on the server: policies and their checks, policy on heartbeat, inventory, coverage, isolation, beacons. */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import dnsPacket from 'dns-packet';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import {
  agentRequest,
  bootstrapAdmin,
  createTestDatabase,
  enrolTestAgent,
  freePort,
  makeFacility,
  makeUser,
  onCleanup,
} from '../../test/harness.ts';

describe('decoys', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-decoys-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const dnsPort = await freePort();
  const server = await startServer(
    loadConfig({
      DATABASE_URL: await createTestDatabase(),
      MAMORI_DATA_DIR: dir,
      MAMORI_PORT: '0',
      MAMORI_LOG_LEVEL: 'silent',
      MAMORI_WEB_DIR: '',
      MAMORI_DECOY_ROOTS: '/srv,/home,C:\\Users',
      MAMORI_BEACON_DNS_ZONE: 'beacon.example.jp',
      MAMORI_BEACON_DNS_PORT: String(dnsPort),
      MAMORI_BEACON_HTTP_PORT: '0',
    }),
  );
  onCleanup(() => server.stop());
  const admin = await bootstrapAdmin({ app: server.app, database: server.database, url: '' });
  const fa = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設A' }))).json();
  const fb = (await admin.req('POST', '/api/facilities', makeFacility({ name: '施設B' }))).json();
  const a1 = await enrolTestAgent(server.app, admin, fa.id, 'a-fs01');
  const a2 = await enrolTestAgent(server.app, admin, fa.id, 'a-emr02');
  const b1 = await enrolTestAgent(server.app, admin, fb.id, 'b-fs01');
  const agent = (creds: typeof a1, method: 'GET' | 'POST', url: string, body?: unknown) =>
    agentRequest(server.url, method, url, body, creds, a1.caPem);
  const facts = (hostname: string) => ({
    hostname,
    os: 'linux',
    osVersion: 'Debian 12',
    ips: ['192.0.2.10'],
    agentVersion: '0.1.0',
    uptimeSeconds: 60,
  });
  const policyBody = (over: Record<string, unknown> = {}) => ({
    facilityId: fa.id,
    name: '共有フォルダ',
    directories: ['/srv/share/カルテ', '/home/shared'],
    perDirectory: 4,
    kinds: ['csv', 'docx', 'pdf'],
    ...over,
  });

  let policyId = '';
  it('refuses system directories, relative paths and paths outside the allowed roots', async () => {
    for (const bad of ['/etc/decoys', 'relative/dir', '/srv/../etc', '/opt/elsewhere', 'C:\\Windows\\Temp', '/']) {
      const res = await admin.req('POST', '/api/decoy-policies', policyBody({ directories: [bad] }));
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      assert.equal(res.json().error.fields[0].path, 'body.directories.0');
    }
    const dup = await admin.req('POST', '/api/decoy-policies', policyBody({ directories: ['/srv/a', '/srv/a'] }));
    assert.equal(dup.statusCode, 400);
    const foreign = await admin.req('POST', '/api/decoy-policies', policyBody({ agentIds: [b1.agentId] }));
    assert.equal(foreign.statusCode, 400, 'an agent of another facility cannot be targeted');
  });

  it('creates a policy (audited) and hands it to the facility’s agents on their heartbeat only', async () => {
    const res = await admin.req('POST', '/api/decoy-policies', policyBody());
    assert.equal(res.statusCode, 201, res.body);
    policyId = res.json().id;
    assert.deepEqual(res.json().response, { kill: true, isolate: false });
    const hb = await agent(a1, 'POST', '/api/agent/heartbeat', facts('a-fs01'));
    assert.equal(hb.status, 200);
    const [p] = hb.json().policy.decoys;
    assert.equal(p.id, policyId);
    assert.deepEqual(p.directories, ['/srv/share/カルテ', '/home/shared']);
    assert.match(p.beaconBaseUrl, /^http:\/\/127\.0\.0\.1:\d+\/b$/);
    assert.equal(p.beaconDnsZone, 'beacon.example.jp');
    assert.match(p.seed, /^[0-9a-f]{32}$/);
    const hbB = await agent(b1, 'POST', '/api/agent/heartbeat', facts('b-fs01'));
    assert.deepEqual(hbB.json().policy.decoys, [], 'facility B sees nothing of A’s policies');
    const audit = (await admin.req('GET', '/api/audit?action=decoy.policy_create')).json();
    assert.equal(audit.items[0].targetId, policyId);
  });

  it('targets listed hosts only and changes the revision when the policy changes', async () => {
    const before = (await agent(a2, 'POST', '/api/agent/heartbeat', facts('a-emr02'))).json().policy.decoys[0].revision;
    const upd = await admin.req(
      'PUT',
      `/api/decoy-policies/${policyId}`,
      policyBody({ facilityId: undefined, agentIds: [a1.agentId], perDirectory: 6 }),
    );
    assert.equal(upd.statusCode, 200, upd.body);
    const forA2 = (await agent(a2, 'POST', '/api/agent/heartbeat', facts('a-emr02'))).json().policy.decoys;
    assert.deepEqual(forA2, [], 'a host not in the list gets no decoys');
    const forA1 = (await agent(a1, 'POST', '/api/agent/heartbeat', facts('a-fs01'))).json().policy.decoys[0];
    assert.equal(forA1.perDirectory, 6);
    assert.notEqual(forA1.revision, before);
  });

  const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
  it('stores the inventory report and shows coverage per host', async () => {
    const decoy = (p: string, over: Record<string, unknown> = {}) => ({
      policyId,
      path: p,
      directory: path.posix.dirname(p),
      kind: 'docx',
      sha256: 'a'.repeat(64),
      size: 20480,
      beaconToken: null,
      ...over,
    });
    const report = {
      decoys: [
        decoy('/srv/share/カルテ/00_退院サマリー.docx', { beaconToken: token }),
        decoy('/srv/share/カルテ/zz_患者一覧.csv', { kind: 'csv' }),
        decoy('/home/shared/00_紹介状.pdf', { kind: 'pdf' }),
      ],
      verifiedAt: new Date().toISOString(),
      problems: [{ policyId, directory: '/home/missing', message: 'directory does not exist' }],
    };
    const res = await agent(a1, 'POST', '/api/agent/decoys/inventory', report);
    assert.equal(res.status, 200, JSON.stringify(res.json()));
    assert.equal(res.json().stored, 3);
    const bad = await agent(a1, 'POST', '/api/agent/decoys/inventory', {
      ...report,
      decoys: [decoy('/x', { beaconToken: 'Not A Token!' })],
    });
    assert.equal(bad.status, 400);
    const stolen = await agent(b1, 'POST', '/api/agent/decoys/inventory', {
      decoys: [decoy('/srv/b/x.docx', { beaconToken: token })],
      verifiedAt: new Date().toISOString(),
    });
    assert.equal(stolen.status, 409, "another facility's agent cannot take over a beacon token");
    const twice = await agent(a1, 'POST', '/api/agent/decoys/inventory', {
      decoys: [decoy('/srv/x.csv'), decoy('/srv/x.csv')],
      verifiedAt: new Date().toISOString(),
    });
    assert.equal(twice.status, 400);
    const none = await agentRequest(server.url, 'POST', '/api/agent/decoys/inventory', report, undefined, a1.caPem);
    assert.equal(none.status, 401, 'no certificate, no report');
    const cov = (await admin.req('GET', `/api/decoys/coverage?facilityId=${fa.id}`)).json();
    const h = cov.hosts.find((x: { agentId: string }) => x.agentId === a1.agentId);
    assert.equal(h.decoys, 3);
    assert.equal(h.directories, 2);
    assert.equal(h.beacons, 1);
    assert.equal(h.problems[0].message, 'directory does not exist');
    const list = (await admin.req('GET', `/api/decoys?agentId=${a1.agentId}`)).json();
    assert.equal(list.total, 3);
  });

  it('keeps decoy events as the host timeline and tracks isolation reported by the agent', async () => {
    const ev = (kind: string, details: Record<string, unknown>): AgentEvent => ({
      id: crypto.randomUUID(),
      occurredAt: new Date().toISOString(),
      source: 'decoys',
      kind,
      severity: 'critical',
      title: `test ${kind}`,
      details,
      dedupKey: `decoys:${a1.agentId}:${policyId}`,
    });
    const events = [
      ev('decoy.modified', { path: '/srv/share/カルテ/00_退院サマリー.docx', pid: 4242, afterEntropy: 7.99 }),
      ev('containment.killed', { pid: 4242 }),
      ev('containment.isolated', { command: 'nft' }),
    ];
    const res = await agent(a1, 'POST', '/api/agent/events', { events });
    assert.equal(res.status, 200);
    const again = await agent(a1, 'POST', '/api/agent/events', { events });
    assert.equal(again.json().duplicates.length, 3);
    const tl = (await admin.req('GET', `/api/agents/${a1.agentId}/timeline`)).json();
    assert.deepEqual(tl.entries.map((e: { kind: string }) => e.kind).sort(), [
      'containment.isolated',
      'containment.killed',
      'decoy.modified',
    ]);
    assert.equal(tl.entries.find((e: { kind: string }) => e.kind === 'decoy.modified').details.pid, 4242);
    assert.ok(tl.entries.every((e: { alertId: string | null }) => e.alertId));
    const cov = (await admin.req('GET', `/api/decoys/coverage?facilityId=${fa.id}`)).json();
    assert.equal(cov.hosts.find((x: { agentId: string }) => x.agentId === a1.agentId).isolated, true);
  });

  it('lets the SOC release and isolate a host (audited, once per request) within its scope only', async () => {
    const res = await admin.req('POST', `/api/agents/${a1.agentId}/release`, { reason: '調査完了' });
    assert.equal(res.statusCode, 200, res.body);
    const hb = (await agent(a1, 'POST', '/api/agent/heartbeat', facts('a-fs01'))).json().policy.isolation;
    assert.equal(hb.desired, 'released');
    await admin.req('POST', `/api/agents/${a1.agentId}/isolate`, { reason: '再調査' });
    const hb2 = (await agent(a1, 'POST', '/api/agent/heartbeat', facts('a-fs01'))).json().policy.isolation;
    assert.equal(hb2.desired, 'isolated');
    assert.notEqual(hb2.requestId, hb.requestId);
    const noReason = await admin.req('POST', `/api/agents/${a1.agentId}/isolate`, {});
    assert.equal(noReason.statusCode, 400);
    const userB = await makeUser(server.app, admin, 'facility_admin', { facilityId: fb.id });
    const cross = await userB.req('POST', `/api/agents/${a1.agentId}/isolate`, { reason: 'x' });
    assert.equal(cross.statusCode, 404, 'another facility cannot even see the host');
    const staff = await makeUser(server.app, admin, 'facility_staff', { facilityId: fa.id });
    const denied = await staff.req('POST', `/api/agents/${a1.agentId}/release`, { reason: 'x' });
    assert.equal(denied.statusCode, 403);
    const audit = (await admin.req('GET', '/api/audit?action=host.isolate')).json();
    assert.equal(audit.items[0].details.reason, '再調査');
  });

  it('a beacon opened anywhere raises a critical alert and answers the same pixel for unknown tokens', async () => {
    const fetchBeacon = (t: string) =>
      new Promise<{ status: number; type: string; body: Buffer }>((resolve, reject) => {
        https
          .get(
            `${server.url}/b/${t}`,
            { ca: a1.caPem, headers: { 'user-agent': 'Microsoft Office Word 2014' } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  type: String(res.headers['content-type']),
                  body: Buffer.concat(chunks),
                }),
              );
            },
          )
          .on('error', reject);
      });
    const known = await fetchBeacon(token);
    const unknown = await fetchBeacon('ffffffffffffffffffffffffffffffff');
    assert.equal(known.status, 200);
    assert.equal(known.type, 'image/gif');
    assert.deepEqual(known.body, unknown.body, 'the caller cannot tell a known token from an unknown one');
    assert.ok(!known.body.toString('latin1').includes('施設'));
    const alerts = (await admin.req('GET', `/api/alerts?facilityId=${fa.id}&source=decoys`)).json();
    const a = alerts.items.find((x: { kind: string }) => x.kind === 'beacon.opened');
    assert.equal(a.severity, 'critical');
    assert.equal(a.hostname, 'a-fs01');
    assert.match(a.title, /00_退院サマリー\.docx/);
    const hits = (await admin.req('GET', `/api/beacon-hits?facilityId=${fa.id}`)).json();
    assert.equal(hits.items[0].userAgent, 'Microsoft Office Word 2014');
    assert.equal(hits.items[0].channel, 'http');
    const inB = (await admin.req('GET', `/api/beacon-hits?facilityId=${fb.id}`)).json();
    assert.equal(inB.total, 0);
  });

  it('answers the beacon DNS zone (recording the lookup) and refuses other names', async () => {
    const ask = (name: string) =>
      new Promise<dnsPacket.Packet>((resolve, reject) => {
        const sock = dgram.createSocket('udp4');
        sock.once('message', (m) => {
          sock.close();
          resolve(dnsPacket.decode(m));
        });
        sock.once('error', reject);
        sock.send(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }), dnsPort, '127.0.0.1');
      });
    const hit = await ask(`${token.toUpperCase()}.Beacon.Example.JP`);
    assert.equal((hit as { rcode?: string }).rcode, 'NOERROR');
    assert.deepEqual(hit.answers, []);
    const other = await ask('www.example.com');
    assert.equal((other as { rcode?: string }).rcode, 'REFUSED');
    let dns: { channel: string }[] = [];
    for (let i = 0; i < 50 && !dns.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      dns = (await admin.req('GET', `/api/beacon-hits?facilityId=${fa.id}`))
        .json()
        .items.filter((h: { channel: string }) => h.channel === 'dns');
    }
    assert.equal(dns.length, 1);
  });

  it('deleting a policy stops handing it out and is audited', async () => {
    const del = await admin.req('DELETE', `/api/decoy-policies/${policyId}`);
    assert.equal(del.statusCode, 204);
    const hb = (await agent(a1, 'POST', '/api/agent/heartbeat', facts('a-fs01'))).json().policy.decoys;
    assert.deepEqual(hb, []);
    const again = await admin.req('DELETE', `/api/decoy-policies/${policyId}`);
    assert.equal(again.statusCode, 404);
  });
});
