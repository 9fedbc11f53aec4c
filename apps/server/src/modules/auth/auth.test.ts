import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from '../../plugins/auth.ts';
import {
  bootstrapAdmin,
  makeFacility,
  makeTestApp,
  makeUser,
  signIn,
  TEST_PASSWORD,
  totpCode,
} from '../../test/harness.ts';
import { issueBootstrapToken } from './auth.service.ts';

describe('first run', async () => {
  const t = await makeTestApp();
  it('reports that first-run set-up is needed, and refuses a wrong set-up token', async () => {
    const s = await t.app.inject({ method: 'GET', url: '/api/auth/setup-status' });
    assert.deepEqual(s.json(), { needsBootstrap: true });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/auth/bootstrap',
      payload: {
        token: 'x'.repeat(43),
        email: 'a@b.jp',
        displayName: 'A',
        organisationName: 'N',
        password: TEST_PASSWORD,
      },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid');
  });
});

describe('sign-in', async () => {
  const t = await makeTestApp({ MAMORI_LOCKOUT_THRESHOLD: '3' });
  const admin = await bootstrapAdmin(t);

  it('allows only one bootstrap', async () => {
    assert.equal(await issueBootstrapToken(t.database.db), undefined);
    const s = await t.app.inject({ method: 'GET', url: '/api/auth/setup-status' });
    assert.deepEqual(s.json(), { needsBootstrap: false });
  });

  it('sets secure cookie attributes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@region.example', password: TEST_PASSWORD },
    });
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
    assert.ok(c);
    assert.equal(c.httpOnly, true);
    assert.equal(c.secure, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(res.json().state, 'mfa_required');
    assert.deepEqual(res.json().permissions, []);
  });

  it('requires the second factor before any data is readable', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@region.example', password: TEST_PASSWORD },
    });
    const cookie = `${SESSION_COOKIE}=${res.cookies.find((x) => x.name === SESSION_COOKIE)?.value}`;
    const blocked = await t.app.inject({ method: 'GET', url: '/api/facilities', headers: { cookie } });
    assert.equal(blocked.statusCode, 401);
    assert.equal(blocked.json().error.code, 'mfa_required');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/mfa/verify',
      headers: { cookie, 'x-csrf-token': res.json().csrfToken },
      payload: { code: '000000' },
    });
    assert.equal(wrong.statusCode, 400);
  });

  it('rejects a replayed TOTP code', async () => {
    const secret = admin.totpSecret ?? '';
    const code = await totpCode(secret);
    const login = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'admin@region.example', password: TEST_PASSWORD },
      });
      const cookie = `${SESSION_COOKIE}=${res.cookies.find((x) => x.name === SESSION_COOKIE)?.value}`;
      return t.app.inject({
        method: 'POST',
        url: '/api/auth/mfa/verify',
        headers: { cookie, 'x-csrf-token': res.json().csrfToken },
        payload: { code },
      });
    };
    const first = await login();
    const second = await login();
    assert.equal(first.statusCode, 200);
    assert.equal(second.statusCode, 400);
  });

  it('gives the same answer for an unknown e-mail and a wrong password', async () => {
    const a = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.jp', password: 'whatever-password' },
    });
    const b = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@region.example', password: 'wrong-password!!' },
    });
    assert.equal(a.statusCode, 401);
    assert.equal(b.statusCode, 401);
    assert.equal(a.json().error.message, b.json().error.message);
  });

  it('locks an account after repeated failures, and an admin can unlock it', async () => {
    const f = await admin.req('POST', '/api/facilities', makeFacility());
    const staff = await makeUser(t.app, admin, 'facility_staff', { facilityId: f.json().id });
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: staff.email, password: 'not-the-password' },
      });
      assert.equal(r.statusCode, 401);
    }
    const lockedOut = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: staff.email, password: TEST_PASSWORD },
    });
    assert.equal(lockedOut.statusCode, 423);
    const u = await admin.req('GET', `/api/users/${staff.id}`);
    assert.equal(u.json().locked, true);
    const unlock = await admin.req('POST', `/api/users/${staff.id}/unlock`);
    assert.equal(unlock.statusCode, 200);
    await signIn(t.app, staff.email);
  });

  it('refuses state changes without the CSRF token or from another origin', async () => {
    const noToken = await admin.req('POST', '/api/facilities', makeFacility(), { 'x-csrf-token': '' });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.json().error.code, 'csrf');
    const foreign = await admin.req('POST', '/api/facilities', makeFacility(), {
      origin: 'https://evil.example',
      host: 'mamori.test',
    });
    assert.equal(foreign.statusCode, 403);
  });

  it('enforces the password policy and one-time links', async () => {
    const f = await admin.req('POST', '/api/facilities', makeFacility());
    const res = await admin.req('POST', '/api/users', {
      email: 'new@example.jp',
      displayName: 'New',
      role: 'facility_staff',
      facilityId: f.json().id,
    });
    const token = new URL(res.json().invitation.url).searchParams.get('token');
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/auth/set-password',
      payload: { token, password: 'short' },
    });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().error.fields[0].path, 'body.password');
    const common = await t.app.inject({
      method: 'POST',
      url: '/api/auth/set-password',
      payload: { token, password: 'password1234' },
    });
    assert.equal(common.statusCode, 400);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/set-password',
      payload: { token, password: TEST_PASSWORD },
    });
    assert.equal(ok.statusCode, 200);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/set-password',
      payload: { token, password: TEST_PASSWORD },
    });
    assert.equal(again.statusCode, 400);
  });

  it('ends the session on sign-out', async () => {
    const c = await signIn(t.app, 'admin@region.example', TEST_PASSWORD, admin.totpSecret);
    assert.equal((await c.req('GET', '/api/auth/session')).statusCode, 200);
    assert.equal((await c.req('POST', '/api/auth/logout')).statusCode, 200);
    assert.equal((await c.req('GET', '/api/auth/session')).statusCode, 401);
  });
});
