import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapAdmin, makeFacility, makeTestApp, makeUser } from '../../test/harness.ts';

describe('facilities', async () => {
  const t = await makeTestApp();
  const admin = await bootstrapAdmin(t);

  it('creates, filters by type, prefecture and name, and pages', async () => {
    await admin.req(
      'POST',
      '/api/facilities',
      makeFacility({ name: '仙台駅前クリニック', type: 'clinic', prefecture: '04' }),
    );
    await admin.req(
      'POST',
      '/api/facilities',
      makeFacility({ name: '盛岡中央病院', type: 'hospital_large', prefecture: '03' }),
    );
    await admin.req('POST', '/api/facilities', makeFacility({ name: '石巻薬局', type: 'pharmacy', prefecture: '04' }));
    const byType = (await admin.req('GET', '/api/facilities?type=hospital_large')).json();
    assert.deepEqual(
      byType.items.map((f: { name: string }) => f.name),
      ['盛岡中央病院'],
    );
    const byPref = (await admin.req('GET', '/api/facilities?prefecture=04')).json();
    assert.equal(byPref.total, 2);
    const byName = (await admin.req('GET', `/api/facilities?q=${encodeURIComponent('薬局')}`)).json();
    assert.deepEqual(
      byName.items.map((f: { name: string }) => f.name),
      ['石巻薬局'],
    );
    const wildcard = (await admin.req('GET', '/api/facilities?q=%25')).json();
    assert.equal(wildcard.total, 0, 'a % in the search is a literal, not a wildcard');
    const page = (await admin.req('GET', '/api/facilities?limit=2&offset=2')).json();
    assert.equal(page.items.length, 1);
    assert.equal(page.total, 3);
  });

  it('explains invalid fields', async () => {
    const res = await admin.req('POST', '/api/facilities', {
      ...makeFacility(),
      type: 'castle',
      prefecture: '48',
      contact: { name: '', phone: 'abc' },
    });
    assert.equal(res.statusCode, 400);
    const paths = res
      .json()
      .error.fields.map((f: { path: string }) => f.path)
      .sort();
    assert.deepEqual(paths, ['body.contact.name', 'body.contact.phone', 'body.prefecture', 'body.type']);
  });

  it('adds and removes the on-call contact', async () => {
    const f = (
      await admin.req(
        'POST',
        '/api/facilities',
        makeFacility({ onCallContact: { name: '当直', phone: '090-0000-0000' } }),
      )
    ).json();
    assert.equal(f.onCallContact.name, '当直');
    const removed = await admin.req('PATCH', `/api/facilities/${f.id}`, { onCallContact: null });
    assert.equal(removed.statusCode, 200);
    assert.equal(removed.json().onCallContact, null);
    const empty = await admin.req('PATCH', `/api/facilities/${f.id}`, {});
    assert.equal(empty.statusCode, 400);
  });

  it('lets only region administrators create facilities', async () => {
    const f = (await admin.req('POST', '/api/facilities', makeFacility())).json();
    const fa = await makeUser(t.app, admin, 'facility_admin', { facilityId: f.id });
    const res = await fa.req('POST', '/api/facilities', makeFacility());
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
  });

  it("puts the organisation's name in every session", async () => {
    const s = (await admin.req('GET', '/api/auth/session')).json();
    assert.equal(s.organisationName, 'Miyagi Regional Network');
  });
});
