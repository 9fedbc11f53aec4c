import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapAdmin, makeFacility, makeTestApp, makeUser } from '../../test/harness.ts';

describe('audit log', async () => {
  const t = await makeTestApp();
  const admin = await bootstrapAdmin(t);
  const f = (await admin.req('POST', '/api/facilities', makeFacility({ name: '気仙沼診療所' }))).json();
  const fa = await makeUser(t.app, admin, 'facility_admin', { facilityId: f.id });
  await admin.req('PATCH', `/api/users/${fa.id}`, { role: 'facility_staff' });

  it('records who did what, where and from which address', async () => {
    const res = (await admin.req('GET', '/api/audit?action=facility.create')).json();
    assert.equal(res.total, 1);
    const e = res.items[0];
    assert.equal(e.actorEmail, 'admin@region.example');
    assert.equal(e.facilityId, f.id);
    assert.equal(e.ip, '127.0.0.1');
    assert.equal(e.details.name, '気仙沼診療所');
  });

  it('records role changes as such, with before and after', async () => {
    const res = (await admin.req('GET', '/api/audit?action=user.role_change')).json();
    assert.equal(res.total, 1);
    assert.deepEqual(res.items[0].details, { from: 'facility_admin', to: 'facility_staff' });
  });

  it('records failed sign-ins', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: fa.email, password: 'wrong password!' },
    });
    const res = (await admin.req('GET', '/api/audit?action=auth.login')).json();
    assert.ok(
      res.items.some((e: { outcome: string; targetId: string }) => e.outcome === 'failure' && e.targetId === fa.id),
    );
  });

  it('exports CSV for Excel (UTF-8 BOM), and the export itself is audited', async () => {
    const res = await admin.req('GET', `/api/audit/export.csv?facilityId=${f.id}`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    assert.ok(res.body.startsWith('\uFEFFseq,at,actor,facility_id,action'));
    const lines = res.body.trim().split('\n');
    assert.ok(lines.length >= 4);
    assert.ok(lines.slice(1).every((l) => l.includes(f.id)));
    assert.ok(res.body.includes('気仙沼診療所'));
    const exported = (await admin.req('GET', '/api/audit?action=audit.export')).json();
    assert.equal(exported.total, 1);
  });

  it('verifies an intact chain through the API', async () => {
    const res = (await admin.req('POST', '/api/audit/verify')).json();
    assert.equal(res.ok, true);
    assert.ok(res.checked > 5);
  });

  it('rejects unknown filters cleanly', async () => {
    const res = await admin.req('GET', '/api/audit?from=yesterday');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.fields[0].path, 'querystring.from');
  });
});
