/**
 * The newcomer's path, end to end in real Chromium: start the platform as `npm start` does, open
 * the printed one-time link, create the first administrator, enrol the authenticator app, create
 * two facilities and a facility administrator for each, and see all of it in the audit trail.
 * Then one facility administrator accepts the invitation and sees only their own facility.
 * Screenshots of every step go to e2e/screenshots/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { choose, launch, newPage, setUpFirstAdmin, shot, tid, totp } from './browser.ts';
import { type Platform, startPlatform } from './platform.ts';

const ADMIN = { email: 'admin@miyagi-net.example.jp', password: 'zunda-sendai-matsushima', name: '佐藤 健一' };
const FACILITIES = [
  {
    name: 'みやぎ中央クリニック',
    type: '診療所',
    admin: { name: '高橋 花子', email: 'takahashi@chuo-clinic.example.jp' },
  },
  {
    name: '仙台北病院',
    type: '病院(200〜399床)',
    admin: { name: '鈴木 一郎', email: 'suzuki@sendai-kita.example.jp' },
  },
];

let platform: Platform;
let browser: Browser;
const problems: string[] = [];
const page0 = () => newPage(browser, problems);

describe('console end to end in Chromium', () => {
  before(async () => {
    platform = await startPlatform();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const invitations: string[] = [];

  it('printed a console URL and a one-time set-up link, and no password', () => {
    assert.match(platform.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(platform.setupUrl, /\/setup\?token=[\w-]{20,}/);
    assert.doesNotMatch(platform.output(), /password[:=]/i);
  });

  it('a newcomer creates the first admin, enrols MFA, creates facilities and their admins, and sees the audit trail', async () => {
    const { ctx, page } = await page0();
    // The second factor is mandatory for administrators: set-up goes straight to enrolment.
    const secret = await setUpFirstAdmin(page, platform.setupUrl, ADMIN, '01');
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await shot(page, '03-dashboard-first');

    await tid(page, 'nav-facilities').click();
    for (const f of FACILITIES) {
      await tid(page, 'facility-create').click();
      await tid(page, 'facility-form-name').fill(f.name);
      await choose(page, 'facility-form-type', f.type);
      await tid(page, 'facility-form-prefecture').fill('宮城');
      await page.getByRole('option', { name: '宮城県', exact: true }).click();
      await tid(page, 'facility-form-contact-name').fill('事務 担当');
      await tid(page, 'facility-form-contact-phone').fill('022-123-4567');
      if (f === FACILITIES[0]) await shot(page, '04-facility-form');
      await tid(page, 'facility-form-submit').click();
      await tid(page, 'facility-form-submit').waitFor({ state: 'detached' });
    }
    await page
      .getByText(FACILITIES[1]?.name ?? '')
      .first()
      .waitFor();
    assert.equal(await tid(page, 'facility-row').count(), 2);
    await shot(page, '05-facilities');

    await tid(page, 'nav-users').click();
    for (const f of FACILITIES) {
      await tid(page, 'user-invite').click();
      await tid(page, 'invite-name').fill(f.admin.name);
      await tid(page, 'invite-email').fill(f.admin.email);
      await choose(page, 'invite-role', '施設管理者', false);
      await tid(page, 'invite-facility').click();
      await page.getByRole('option', { name: f.name }).click();
      await tid(page, 'invite-submit').click();
      await tid(page, 'invite-link').waitFor();
      if (f === FACILITIES[0]) await shot(page, '06-invitation-link');
      const link = await tid(page, 'invite-link').inputValue();
      assert.match(link, /\/set-password\?token=/);
      invitations.push(link);
      await tid(page, 'invite-done').click();
    }
    await page.locator(`[data-user-email="${FACILITIES[1]?.admin.email}"]`).waitFor();
    await shot(page, '07-users');

    await tid(page, 'nav-audit').click();
    await tid(page, 'audit-row').first().waitFor();
    const actions = await page
      .locator('[data-testid="audit-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    for (const a of ['platform.bootstrap', 'auth.mfa_enrol', 'facility.create', 'user.create']) {
      assert.ok(actions.includes(a), `audit trail lacks ${a}: ${actions.join(', ')}`);
    }
    assert.equal(actions.filter((a) => a === 'facility.create').length, 2);
    assert.equal(actions.filter((a) => a === 'user.create').length, 2);
    await tid(page, 'audit-verify').click();
    await tid(page, 'confirm-ok')
      .click()
      .catch(() => {});
    await page.locator('[data-testid="audit-verify-result"][data-ok="true"]').waitFor();
    await shot(page, '08-audit-trail-verified');

    // The same screen in English.
    await tid(page, 'lang-switch').click();
    await page.getByText('Audit log', { exact: false }).first().waitFor();
    await shot(page, '09-audit-trail-en');
    await ctx.close();
  });

  it('a facility administrator accepts the invitation and sees only their own facility', async () => {
    const { ctx, page } = await page0();
    const [link] = invitations;
    assert.ok(link);
    await page.goto(link.replace(/^https:\/\/[^/]+/, platform.url));
    await tid(page, 'set-password-greeting').waitFor();
    await tid(page, 'set-password-password').fill('hagi-no-tsuki-2026');
    await tid(page, 'set-password-password-confirm').fill('hagi-no-tsuki-2026');
    await tid(page, 'set-password-submit').click();
    await tid(page, 'login-email').waitFor();
    await tid(page, 'login-email').fill(FACILITIES[0]?.admin.email ?? '');
    await tid(page, 'login-password').fill('hagi-no-tsuki-2026');
    await tid(page, 'login-submit').click();
    await tid(page, 'mfa-setup-secret').waitFor();
    const secret = ((await tid(page, 'mfa-setup-secret').textContent()) ?? '').replace(/\s/g, '');
    await tid(page, 'mfa-code').fill(await totp(secret));
    await tid(page, 'mfa-submit').click();
    await tid(page, 'nav-facilities').click();
    await tid(page, 'facility-row').first().waitFor();
    assert.equal(await tid(page, 'facility-row').count(), 1);
    assert.equal(await page.getByText(FACILITIES[1]?.name ?? '').count(), 0);
    await shot(page, '10-facility-admin-own-facility');
    await ctx.close();
  });

  it('serves interactive API documentation generated from the contracts', async () => {
    const { ctx, page } = await page0();
    await page.goto(`${platform.url}/api/docs`);
    await page.getByText('Mamori API').first().waitFor();
    await page.getByText('/api/facilities').first().waitFor();
    await shot(page, '11-api-docs');
    await ctx.close();
  });

  it('had no page errors and no server errors', () => {
    assert.deepEqual(problems, []);
  });
});
