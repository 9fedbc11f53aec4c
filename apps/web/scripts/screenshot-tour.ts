/**
 * A screenshot tour of every console screen against a freshly started server, for looking at the
 * layout and wording by eye (not an assertion-based test). It drives the same data-testids as the
 * end-to-end test and uses a real TOTP code for the second factor.
 *
 * Usage (the server prints both URLs at start; use a fresh MAMORI_DATA_DIR):
 *   node apps/web/scripts/screenshot-tour.ts https://127.0.0.1:PORT 'https://127.0.0.1:PORT/setup?token=…' [outDir]
 * Screenshots go to outDir (default /tmp/web-shots). Needs /usr/bin/chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import { type Browser, chromium, type Page } from 'playwright-core';

const [BASE, SETUP_URL, OUT] = process.argv.slice(2);
if (!BASE || !SETUP_URL) {
  console.error('usage: screenshot-tour.ts <baseUrl> <setupUrl> [outDir]');
  process.exit(2);
}
const SHOTS = OUT ?? '/tmp/web-shots';
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-tour-'));
const ADMIN_STATE = path.join(WORK, 'admin-state.json');
fs.mkdirSync(SHOTS, { recursive: true });
const state: { adminSecret?: string; inviteUrl?: string } = {};
const problems: string[] = [];

const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});

async function newPage(viewport = { width: 1366, height: 900 }) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport,
    locale: 'ja-JP',
    timezoneId: 'Europe/London',
  });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`[console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`[pageerror] ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`[${r.status()}] ${r.url()}`);
  });
  return { ctx, page };
}
const shot = async (page: Page, name: string, fullPage = true) => {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
  console.log('shot', name);
};
const tid = (page: Page, id: string) => page.getByTestId(id);
let lastCode = '';
async function totp(secret: string): Promise<string> {
  for (;;) {
    const code = await generate({ secret });
    if (code !== lastCode) {
      lastCode = code;
      return code;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
async function choose(page: Page, testId: string, optionText: string, exact = true) {
  await tid(page, testId).click();
  await page.getByRole('option', { name: optionText, exact }).click();
}

const ADMIN = { email: 'admin@miyagi-net.example.jp', password: 'zunda-sendai-matsushima-2025', name: '佐藤 健一' };

// 1. Set-up
{
  const { ctx, page } = await newPage();
  await page.goto(`${BASE}/login`);
  await tid(page, 'login-needs-setup').waitFor();
  await shot(page, '00-login-needs-setup');
  await page.goto(SETUP_URL);
  await tid(page, 'setup-email').waitFor();
  await shot(page, '01-setup');
  await tid(page, 'setup-password').fill('short');
  await tid(page, 'setup-submit').click();
  await shot(page, '02-setup-validation');
  await tid(page, 'setup-organisation').fill('みやぎ医療連携ネットワーク');
  await tid(page, 'setup-name').fill(ADMIN.name);
  await tid(page, 'setup-email').fill(ADMIN.email);
  await tid(page, 'setup-password').fill(ADMIN.password);
  await tid(page, 'setup-password-confirm').fill(ADMIN.password);
  await tid(page, 'setup-submit').click();
  await tid(page, 'mfa-setup-qr').waitFor();
  await shot(page, '03-mfa-setup');
  const secret = ((await tid(page, 'mfa-setup-secret').textContent()) ?? '').replace(/\s/g, '');
  state.adminSecret = secret;
  await tid(page, 'mfa-code').fill('000000');
  await tid(page, 'mfa-submit').click();
  await tid(page, 'mfa-error').waitFor();
  await shot(page, '04-mfa-setup-wrong-code');
  await tid(page, 'mfa-code').fill(await totp(secret));
  await tid(page, 'mfa-submit').click();
  await tid(page, 'nav-dashboard').waitFor();
  await page.waitForTimeout(1500);
  await shot(page, '05-dashboard-empty');

  // 2. Facilities
  await tid(page, 'nav-facilities').click();
  await tid(page, 'facility-create').waitFor();
  await shot(page, '06-facilities-empty');
  await tid(page, 'facility-create').click();
  await tid(page, 'facility-form-submit').click();
  await shot(page, '07-facility-form-validation', false);
  const facilities: [string, string, string, string, string, string, boolean][] = [
    ['みやぎ中央クリニック', '診療所', '宮城県', '佐藤 花子', '022-123-4567', 'sato@chuo-clinic.example.jp', true],
    ['仙台北病院', '病院(200〜399床)', '宮城県', '鈴木 一郎', '022-222-3333', '', false],
    ['石巻港湾病院', '病院(400床以上)', '宮城県', '高橋 次郎', '0225-11-2222', 'it@ishinomaki.example.jp', false],
    ['塩竈すずらん薬局', '薬局', '宮城県', '田中 美咲', '022-365-0000', '', false],
    ['山形さくら歯科', '歯科', '山形県', '伊藤 誠', '023-600-1234', '', false],
    ['名取ひまわり苑', '介護施設', '宮城県', '渡辺 由美', '022-384-9999', '', false],
    ['岩沼こども診療所', '診療所', '宮城県', '山本 拓也', '0223-22-1111', '', false],
  ];
  for (const [i, [name, type, pref, cname, phone, email, oncall]] of facilities.entries()) {
    if (i > 0) await tid(page, 'facility-create').click();
    await tid(page, 'facility-form-name').fill(name);
    await choose(page, 'facility-form-type', type);
    await tid(page, 'facility-form-prefecture').fill(pref.slice(0, 2));
    await page.getByRole('option', { name: pref, exact: true }).click();
    await tid(page, 'facility-form-contact-name').fill(cname);
    await tid(page, 'facility-form-contact-phone').fill(phone);
    if (email) await tid(page, 'facility-form-contact-email').fill(email);
    if (oncall) {
      await tid(page, 'facility-form-oncall').check();
      await tid(page, 'facility-form-oncall-name').fill('当直 事務');
      await tid(page, 'facility-form-oncall-phone').fill('090-1234-5678');
      if (i === 0) await shot(page, '08-facility-form-filled', false);
    }
    await tid(page, 'facility-form-submit').click();
    await tid(page, 'facility-form-submit').waitFor({ state: 'detached' });
  }
  await page.waitForTimeout(800);
  await shot(page, '09-facilities-list');
  await choose(page, 'facility-filter-type', '診療所');
  await page.waitForTimeout(600);
  await shot(page, '10-facilities-filter-type');
  await tid(page, 'facility-filter-type').click();
  await page.keyboard.press('Escape');
  // edit one
  await page.goto(`${BASE}/facilities`);
  await tid(page, 'facility-row').first().waitFor();
  await tid(page, 'facility-search').fill('仙台');
  await page.waitForTimeout(800);
  await tid(page, 'facility-edit').first().click();
  await tid(page, 'facility-form-contact-phone').fill('abc');
  await tid(page, 'facility-form-submit').click();
  await shot(page, '11-facility-edit-validation', false);
  await tid(page, 'facility-form-contact-phone').fill('022-222-4444');
  await tid(page, 'facility-form-submit').click();
  await tid(page, 'facility-form-submit').waitFor({ state: 'detached' });

  // 3. Users
  await tid(page, 'nav-users').click();
  await tid(page, 'user-invite').waitFor();
  await tid(page, 'user-invite').click();
  await tid(page, 'invite-name').fill('佐藤 花子');
  await tid(page, 'invite-email').fill('sato@chuo-clinic.example.jp');
  await choose(page, 'invite-role', '施設管理者', false);
  await tid(page, 'invite-submit').click();
  await shot(page, '12-invite-validation', false);
  await tid(page, 'invite-facility').click();
  await page.getByRole('option', { name: 'みやぎ中央クリニック' }).click();
  await shot(page, '13-invite-filled', false);
  await tid(page, 'invite-submit').click();
  await tid(page, 'invite-link').waitFor();
  state.inviteUrl = await tid(page, 'invite-link').inputValue();
  await shot(page, '14-invite-link', false);
  await tid(page, 'invite-done').click();
  // auditor with assigned facilities
  await tid(page, 'user-invite').click();
  await tid(page, 'invite-name').fill('監査 太郎');
  await tid(page, 'invite-email').fill('audit@miyagi-net.example.jp');
  await choose(page, 'invite-role', '監査担当', false);
  await tid(page, 'invite-assigned').click();
  await page.getByRole('option', { name: 'みやぎ中央クリニック' }).click();
  await page.getByRole('option', { name: '仙台北病院' }).click();
  await page.keyboard.press('Escape');
  await shot(page, '15-invite-auditor', false);
  await tid(page, 'invite-submit').click();
  await tid(page, 'invite-link').waitFor();
  await tid(page, 'invite-done').click();
  // duplicate e-mail → conflict message
  await tid(page, 'user-invite').click();
  await tid(page, 'invite-name').fill('重複 テスト');
  await tid(page, 'invite-email').fill('audit@miyagi-net.example.jp');
  await choose(page, 'invite-role', '分析担当(ISAC)', false);
  await tid(page, 'invite-submit').click();
  await tid(page, 'invite-error').waitFor();
  await shot(page, '16-invite-conflict', false);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(500);
  await shot(page, '17-users-list');
  const row = page.locator('[data-testid="user-row"][data-user-email="audit@miyagi-net.example.jp"]');
  await row.getByTestId('user-actions').click();
  await shot(page, '18-user-actions-menu', false);
  await tid(page, 'user-action-reset-password').click();
  await tid(page, 'confirm-ok').waitFor();
  await shot(page, '19-confirm-reset', false);
  await tid(page, 'confirm-ok').click();
  await tid(page, 'reset-link').waitFor();
  await shot(page, '20-reset-link', false);
  await tid(page, 'reset-done').click();
  await row.getByTestId('user-actions').click();
  await tid(page, 'user-action-edit').click();
  await tid(page, 'user-form-name').waitFor();
  await shot(page, '21-user-edit', false);
  await page.keyboard.press('Escape');
  await row.getByTestId('user-actions').click();
  await tid(page, 'user-action-disable').click();
  await tid(page, 'confirm-ok').click();
  await page.waitForTimeout(800);
  await shot(page, '22-users-after-disable');

  // 4. Settings
  await tid(page, 'nav-settings').click();
  await tid(page, 'settings-org').waitFor();
  await shot(page, '23-settings');
  await tid(page, 'settings-idle').fill('3');
  await tid(page, 'settings-submit').click();
  await shot(page, '24-settings-validation', false);
  await tid(page, 'settings-idle').fill('20');
  await tid(page, 'settings-submit').click();
  await page.waitForTimeout(800);

  // 5. Audit
  await tid(page, 'nav-audit').click();
  await tid(page, 'audit-row').first().waitFor();
  await shot(page, '25-audit');
  await tid(page, 'audit-verify').click();
  await tid(page, 'audit-verify-result').waitFor();
  await shot(page, '26-audit-verified');
  await choose(page, 'audit-filter-action', '施設の登録');
  await page.waitForTimeout(600);
  await shot(page, '27-audit-filter-action');
  const href = await tid(page, 'audit-export').getAttribute('href');
  console.log('export href', href);
  const csv = await page.evaluate(async (h) => (await fetch(h ?? '')).text(), href);
  console.log('csv lines', csv.split('\n').length);
  await tid(page, 'audit-detail').first().click();
  await shot(page, '28-audit-detail', false);
  await page.keyboard.press('Escape');
  await tid(page, 'audit-filter-dates').click();
  await shot(page, '29-audit-datepicker', false);
  await page.keyboard.press('Escape');

  // 6. Dashboard with data, then English
  await tid(page, 'nav-dashboard').click();
  await tid(page, 'dash-chart-types').waitFor();
  await tid(page, 'dash-chart-audit').waitFor();
  await page.waitForTimeout(1500);
  await shot(page, '30-dashboard');
  await tid(page, 'lang-switch').click();
  await page.waitForTimeout(1200);
  await shot(page, '31-dashboard-en');
  await tid(page, 'nav-users').click();
  await tid(page, 'user-row').first().waitFor();
  await shot(page, '32-users-en');
  await tid(page, 'lang-switch').click();
  await page.waitForTimeout(300);

  // mobile
  await page.setViewportSize({ width: 390, height: 844 });
  await tid(page, 'nav-dashboard').isVisible();
  await page.goto(`${BASE}/facilities`);
  await tid(page, 'facility-row').first().waitFor();
  await shot(page, '33-mobile-facilities', false);
  await page.setViewportSize({ width: 1366, height: 900 });

  // 7. Sign out / sign in with MFA
  await tid(page, 'signout').click();
  await tid(page, 'login-notice').waitFor();
  await shot(page, '34-login-signed-out');
  await tid(page, 'login-email').fill(ADMIN.email);
  await tid(page, 'login-password').fill('wrong-password-123');
  await tid(page, 'login-submit').click();
  await tid(page, 'login-error').waitFor();
  await shot(page, '35-login-wrong');
  await page.goto(`${BASE}/audit`);
  await tid(page, 'login-email').waitFor();
  console.log('deep link →', page.url());
  await tid(page, 'login-email').fill(ADMIN.email);
  await tid(page, 'login-password').fill(ADMIN.password);
  await tid(page, 'login-submit').click();
  await tid(page, 'mfa-code').waitFor();
  await shot(page, '36-mfa');
  await tid(page, 'mfa-code').fill(await totp(secret));
  await tid(page, 'mfa-submit').click();
  await tid(page, 'audit-table').waitFor();
  console.log('after MFA →', page.url());
  await page.waitForTimeout(500);
  if (!page.url().endsWith('/audit')) problems.push(`deep link not kept through MFA: ${page.url()}`);
  await ctx.storageState({ path: ADMIN_STATE });
  await ctx.close();
}

// 8. Invitation → set password → facility admin enrols MFA
{
  const { ctx, page } = await newPage();
  const url = (state.inviteUrl ?? '').replace(/^https:\/\/[^/]+/, BASE);
  await page.goto(url);
  await tid(page, 'set-password-greeting').waitFor();
  await shot(page, '37-set-password');
  await tid(page, 'set-password-password').fill('sato-password-2025');
  await tid(page, 'set-password-password-confirm').fill('sato-password-2025');
  await tid(page, 'set-password-submit').click();
  await page.waitForTimeout(800);
  await shot(page, '38-set-password-policy');
  await tid(page, 'set-password-password').fill('hanamizuki-aoba-dori-77');
  await tid(page, 'set-password-password-confirm').fill('hanamizuki-aoba-dori-77');
  await tid(page, 'set-password-submit').click();
  await tid(page, 'login-notice').waitFor();
  await shot(page, '39-login-password-set');
  await tid(page, 'login-email').fill('sato@chuo-clinic.example.jp');
  await tid(page, 'login-password').fill('hanamizuki-aoba-dori-77');
  await tid(page, 'login-submit').click();
  await tid(page, 'mfa-setup-secret').waitFor();
  const secret = ((await tid(page, 'mfa-setup-secret').textContent()) ?? '').replace(/\s/g, '');
  await tid(page, 'mfa-code').fill(await totp(secret));
  await tid(page, 'mfa-submit').click();
  await tid(page, 'nav-dashboard').waitFor();
  await page.waitForTimeout(1500);
  await shot(page, '40-facility-admin-dashboard');
  await tid(page, 'nav-users').click();
  await tid(page, 'user-invite').click();
  await tid(page, 'invite-role').click();
  await shot(page, '41-facility-admin-invite-roles', false);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await tid(page, 'nav-settings').click();
  await tid(page, 'settings-readonly-note').waitFor();
  await shot(page, '42-facility-admin-settings-readonly');
  await tid(page, 'nav-facilities').click();
  await tid(page, 'facility-row').first().waitFor();
  await shot(page, '43-facility-admin-facilities');
  // set-password with a used link
  await page.goto(url);
  await tid(page, 'set-password-invalid').waitFor();
  await shot(page, '44-set-password-used-link');
  await ctx.close();
}

// 9. Lockout and unlock
{
  const { ctx, page } = await newPage();
  await page.goto(`${BASE}/login`);
  for (let i = 0; i < 6; i++) {
    await tid(page, 'login-email').fill('sato@chuo-clinic.example.jp');
    await tid(page, 'login-password').fill(`wrong-password-${i}`);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/auth/login')),
      tid(page, 'login-submit').click(),
    ]);
    await page.waitForTimeout(300);
  }
  await shot(page, '45-login-locked');
  await ctx.close();
}

// 9b. Unlock from the users page; English sign-in page
{
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 900 },
    storageState: ADMIN_STATE,
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`[pageerror] ${e.message}`));
  await page.goto(`${BASE}/users`);
  const row = page.locator('[data-testid="user-row"][data-user-email="sato@chuo-clinic.example.jp"]');
  await row.getByTestId('user-actions').click();
  await shot(page, '46a-user-menu-locked', false);
  await tid(page, 'user-action-unlock').click();
  await tid(page, 'confirm-ok').waitFor();
  await shot(page, '46b-confirm-unlock', false);
  await tid(page, 'confirm-ok').click();
  await page.waitForTimeout(1000);
  await shot(page, '46c-users-unlocked', false);
  await ctx.close();
  const { ctx: c2, page: p2 } = await newPage();
  await p2.goto(`${BASE}/login`);
  await tid(p2, 'lang-switch').click();
  await p2.waitForTimeout(300);
  await shot(p2, '46d-login-en', false);
  await c2.close();
}

// 10. Idle expiry with a fake clock (admin session)
{
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 900 },
    storageState: ADMIN_STATE,
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`[pageerror] ${e.message}`));
  await page.clock.install();
  await page.goto(`${BASE}/users`);
  await tid(page, 'user-row').first().waitFor();
  await shot(page, '46e-users-before-idle');
  await page.clock.fastForward('18:10');
  await page.waitForTimeout(1500);
  await shot(page, '47-idle-warning', false);
  await page.clock.fastForward('01:10');
  await tid(page, 'login-notice').waitFor({ timeout: 10000 });
  await shot(page, '48-login-idle');
  await ctx.close();
}

await browser.close();
fs.rmSync(WORK, { recursive: true, force: true });
const unexpected = problems.filter((p) => !/status of 4\d\d/.test(p));
console.log(`screenshots in ${SHOTS}; problems: ${unexpected.length ? `\n${unexpected.join('\n')}` : 'none'}`);
process.exitCode = unexpected.length ? 1 : 0;
