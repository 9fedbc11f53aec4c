/**
 * Notifications in the console, end to end in real Chromium: the administrator adds an e-mail
 * channel (to a real SMTP server), a signed webhook (to a local receiver; the key is shown once)
 * and a webhook nobody answers, sends a test through each (one arrives signed, one fails with the
 * real cause), edits a channel and a rule, a real agent reports an event, and the delivery history
 * (filtered and paged on the server) shows the sent notifications and the one waiting for a retry
 * with its error and next attempt; "send again" tries it at once. Screenshots in Japanese and
 * English go to e2e/screenshots/.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { api, choose, launch, newPage, setUpFirstAdmin, shot, tid } from './browser.ts';
import { freePort, type Platform, startPlatform } from './platform.ts';
import { type ReceivedHook, type ReceivedMail, startReceivers } from './receivers.ts';

const AGENT = path.resolve(import.meta.dirname, '../apps/agent/src/main.ts');
const run = promisify(execFile);
const agentCmd = (args: string[]) =>
  run(process.execPath, [AGENT, ...args], { env: { ...process.env, MAMORI_AGENT_LOG_LEVEL: 'warn' } });
const FACILITY = '塩竈みなと病院';
const TITLE = 'E2E 通知テスト: 不審なファイル操作';

/** Closes the console's pop-up messages, so a screenshot shows the page under them. */
async function quiet(page: Page): Promise<void> {
  for (const button of await page.locator('.mantine-Notification-closeButton').all()) {
    await button.click().catch(() => {});
  }
  await page
    .locator('.mantine-Notification-root')
    .first()
    .waitFor({ state: 'detached' })
    .catch(() => {});
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Fills and submits the channel form for a webhook; returns the key shown once (if one was generated). */
async function addWebhook(page: Page, name: string, url: string, withKey: boolean): Promise<string | null> {
  await tid(page, 'channel-add').click();
  await tid(page, 'channel-form-kind').getByText('Webhook', { exact: true }).click();
  await tid(page, 'channel-form-name').fill(name);
  await tid(page, 'channel-form-url').fill(url);
  if (withKey) await tid(page, 'channel-form-secret-generate').click();
  await tid(page, 'channel-form-submit').click();
  if (!withKey) {
    await tid(page, 'channel-form-submit').waitFor({ state: 'detached' });
    return null;
  }
  const secret = await tid(page, 'channel-secret').inputValue();
  await quiet(page);
  await shot(page, '32-notifications-secret-once');
  await tid(page, 'channel-secret-done').click();
  await tid(page, 'channel-secret').waitFor({ state: 'detached' });
  return secret;
}

async function addRule(page: Page, channelLabel: string, severityLabel: string): Promise<void> {
  await tid(page, 'rule-add').click();
  await choose(page, 'rule-form-channel', channelLabel);
  await tid(page, 'rule-form-severity').getByText(severityLabel, { exact: true }).click();
  await tid(page, 'rule-form-submit').click();
  await tid(page, 'rule-form-submit').waitFor({ state: 'detached' });
}

describe('notifications console end to end', () => {
  let platform: Platform;
  let browser: Browser;
  let receivers: Awaited<ReturnType<typeof startReceivers>> | undefined;
  let agentProc: ChildProcess | undefined;
  let mails: ReceivedMail[] = [];
  let hooks: ReceivedHook[] = [];
  const problems: string[] = [];
  const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-notify-'));
  let hookPort = 0;
  let deadPort = 0;

  before(async () => {
    receivers = await startReceivers();
    ({ mails, hooks, hookPort } = receivers);
    const { smtpPort } = receivers;
    // A port nobody listens on: deliveries there fail and wait for a retry.
    deadPort = await freePort();
    platform = await startPlatform({
      MAMORI_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAMORI_AGENT_HEARTBEAT_SECONDS: '5',
    });
    browser = await launch();
  });
  after(async () => {
    agentProc?.kill('SIGTERM');
    await browser?.close();
    await platform?.stop();
    await receivers?.close();
    fs.rmSync(agentDir, { recursive: true, force: true });
  });

  it('sets up channels and rules in the console and shows what was sent', async () => {
    const { page } = await newPage(browser, problems);
    await setUpFirstAdmin(page, platform.setupUrl, {
      name: '佐藤 健一',
      email: 'soc@miyagi-net.example.jp',
      password: 'zunda-sendai-matsushima',
    });
    const facility = await api<{ id: string }>(page, 'POST', '/api/facilities', {
      name: FACILITY,
      type: 'hospital_small',
      prefecture: '04',
      contact: { name: '事務 担当', phone: '022-365-0000' },
    });
    assert.equal(facility.status, 201);

    // A fresh load, so the console knows the new facility; the menu leads to the page.
    await page.goto(`${platform.url}/`);
    await tid(page, 'nav-notifications').click();
    await tid(page, 'channels-table').waitFor();
    await tid(page, 'table-empty').waitFor();
    await shot(page, '30-notifications-empty');

    // The e-mail channel: the form explains each mistake on its field before anything is sent.
    await tid(page, 'channel-add').click();
    await tid(page, 'channel-form-submit').click();
    const form = tid(page, 'channel-form');
    await form.getByText('入力してください').first().waitFor();
    assert.equal(await form.getByText('入力してください').count(), 2, 'name and addresses are required');
    await tid(page, 'channel-form-name').fill('病院 情報担当');
    await choose(page, 'channel-form-facility', FACILITY);
    await tid(page, 'channel-form-recipients').fill('it@minato.example.jp, jimu@@minato');
    await tid(page, 'channel-form-submit').click();
    await form.getByText('「jimu@@minato」はメールアドレスの形式になっていません').waitFor();
    await shot(page, '31-notifications-channel-form-errors');
    await tid(page, 'channel-form-recipients').fill('it@minato.example.jp\njimu@minato.example.jp');
    await tid(page, 'channel-form-submit').click();
    await tid(page, 'channel-form-submit').waitFor({ state: 'detached' });

    // The regional SOC's signed webhook (the generated key is shown once) and one that nobody answers.
    const secret = await addWebhook(page, '地域SOC', `http://127.0.0.1:${hookPort}/mamori`, true);
    assert.match(secret ?? '', /^[A-Za-z0-9_-]{32}$/);
    await addWebhook(page, '旧 監視サーバー', `http://127.0.0.1:${deadPort}/down`, false);
    await page.locator('[data-testid="channel-row"]').nth(2).waitFor();
    assert.equal(await tid(page, 'channel-row').count(), 3);
    const socRow = page.locator('[data-testid="channel-row"][data-channel-name="地域SOC"]');
    assert.match((await socRow.textContent()) ?? '', /エスカレーション先/);
    assert.doesNotMatch((await socRow.textContent()) ?? '', new RegExp(secret ?? 'x'), 'the key is never listed');
    await quiet(page);
    await shot(page, '33-notifications-channels');

    // A test through the SOC webhook arrives now, signed with the same key, and the console says so plainly.
    await socRow.getByTestId('channel-test').click();
    const result = tid(page, 'channel-test-result');
    await result.locator('[data-status="sent"]').waitFor();
    assert.match((await tid(page, 'channel-test-detail').textContent()) ?? '', /HTTP 204/);
    const testHook = await until('the test webhook', () => hooks.find((h) => JSON.parse(h.body).reason === 'test'));
    assert.equal(
      testHook.signature,
      `sha256=${createHmac('sha256', secret ?? '')
        .update(`${testHook.timestamp}.${testHook.body}`)
        .digest('hex')}`,
    );
    await quiet(page);
    await shot(page, '33a-notifications-test-sent');
    await tid(page, 'channel-test-close').click();
    await result.locator('[data-status]').waitFor({ state: 'detached' });

    // A test to the server nobody answers fails with the real reason, not "fetch failed".
    await page
      .locator('[data-testid="channel-row"][data-channel-name="旧 監視サーバー"]')
      .getByTestId('channel-test')
      .click();
    await result.locator('[data-status="failed"]').waitFor();
    await result.getByText('送れませんでした').waitFor();
    const why = (await tid(page, 'channel-test-detail').textContent()) ?? '';
    assert.match(why, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${deadPort}`));
    assert.doesNotMatch(why, /fetch failed/);
    await quiet(page);
    await shot(page, '33b-notifications-test-failed');
    await tid(page, 'channel-test-close').click();
    await result.locator('[data-status]').waitFor({ state: 'detached' });

    // Editing the e-mail channel: one more address; a webhook's key is kept unless a new one is typed.
    await page
      .locator('[data-testid="channel-row"][data-channel-name="病院 情報担当"]')
      .getByTestId('channel-edit')
      .click();
    assert.equal(
      await tid(page, 'channel-form-recipients').inputValue(),
      'it@minato.example.jp\njimu@minato.example.jp',
    );
    await tid(page, 'channel-form-recipients').fill(
      'it@minato.example.jp\njimu@minato.example.jp\ninchou@minato.example.jp',
    );
    await tid(page, 'channel-form-submit').click();
    await tid(page, 'channel-form-submit').waitFor({ state: 'detached' });
    await page
      .locator('[data-testid="channel-row"][data-channel-name="病院 情報担当"]', {
        hasText: 'inchou@minato.example.jp',
      })
      .waitFor();
    await socRow.getByTestId('channel-edit').click();
    await tid(page, 'channel-form-secret-remove').waitFor();
    assert.equal(await tid(page, 'channel-form-url').inputValue(), '', 'a webhook URL is never sent back');
    await quiet(page);
    await shot(page, '33c-notifications-channel-edit');
    await tid(page, 'channel-form-name').fill('地域SOC(宮城)');
    await tid(page, 'channel-form-submit').click();
    await tid(page, 'channel-form-submit').waitFor({ state: 'detached' });
    await page.locator('[data-testid="channel-row"][data-channel-name="地域SOC(宮城)"]').waitFor();

    // Rules: high and up to the hospital and the SOC, everything to the old server.
    await tid(page, 'notifications-tab-rules').click();
    await addRule(page, '病院 情報担当 · メール', '高');
    await addRule(page, '地域SOC(宮城) · Webhook', '重大');
    await tid(page, 'rule-add').click();
    await choose(page, 'rule-form-channel', '旧 監視サーバー · Webhook');
    await tid(page, 'rule-form-severity').getByText('情報', { exact: true }).click();
    await tid(page, 'rule-form-source-agent').click();
    await quiet(page);
    await shot(page, '34-notifications-rule-form');
    await tid(page, 'rule-form-submit').click();
    await tid(page, 'rule-form-submit').waitFor({ state: 'detached' });
    await page.locator('[data-testid="rule-row"]').nth(2).waitFor();
    // The SOC rule was meant to be "high and up": edited in place. Switching a rule off and on again.
    const socRule = page.locator('[data-testid="rule-row"][data-channel-name="地域SOC(宮城)"]');
    await socRule.getByTestId('rule-edit').click();
    await tid(page, 'rule-form-severity').getByText('高', { exact: true }).click();
    await tid(page, 'rule-form-submit').click();
    await tid(page, 'rule-form-submit').waitFor({ state: 'detached' });
    await until('the SOC rule at high', async () => /高/.test((await socRule.textContent()) ?? '') || undefined);
    const oldRule = page.locator('[data-testid="rule-row"][data-channel-name="旧 監視サーバー"]');
    await oldRule.getByTestId('rule-enabled').click();
    await oldRule.getByText('止めている', { exact: true }).waitFor();
    assert.equal(await oldRule.getByTestId('rule-enabled').isChecked(), false);
    await oldRule.getByTestId('rule-enabled').click();
    await oldRule.getByText('使う', { exact: true }).waitFor();
    await quiet(page);
    await shot(page, '35-notifications-rules');

    // A real agent enrols and reports a high-severity event, which becomes an alert.
    const token = await api<{ token: string }>(page, 'POST', '/api/enrolment-tokens', {
      facilityId: facility.json.id,
      ttlMinutes: 30,
    });
    assert.equal(token.status, 201);
    const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
    await agentCmd(['enroll', '--server', platform.url, '--token', token.json.token, '--ca', ca, '--dir', agentDir]);
    await agentCmd(['emit', '--kind', 'test', '--title', TITLE, '--severity', 'high', '--dir', agentDir]);
    agentProc = spawn(process.execPath, [AGENT, 'run', '--dir', agentDir], { stdio: 'ignore' });

    // The e-mail and the webhook arrive, signed with the key the console showed once.
    const mail = await until('the e-mail', () => mails.find((m) => m.subject.includes(TITLE)));
    assert.match(mail.to, /it@minato\.example\.jp/);
    const hook = await until('the webhook', () => hooks.find((h) => h.body.includes(TITLE)));
    const expected = `sha256=${createHmac('sha256', secret ?? '')
      .update(`${hook.timestamp}.${hook.body}`)
      .digest('hex')}`;
    assert.equal(hook.signature, expected);

    // The history (read from the server across alerts) shows the two tests and the alert's three
    // notifications: two sent, the unanswered one waiting with its error and the time of the next try.
    await tid(page, 'notifications-tab-deliveries').click();
    await tid(page, 'deliveries-table').waitFor();
    const rows = (status: string, reason = 'alert') =>
      page.locator(`[data-testid="delivery-row"][data-status="${status}"][data-reason="${reason}"]`);
    await until('the deliveries in the history', async () => {
      await tid(page, 'deliveries-refresh').click();
      await page.waitForTimeout(500);
      const sent = await rows('sent').count();
      const waiting = await rows('pending')
        .filter({ hasText: /ECONNREFUSED/ })
        .count();
      const tests = (await rows('sent', 'test').count()) + (await rows('failed', 'test').count());
      return sent === 2 && waiting === 1 && tests === 2;
    });
    assert.match((await tid(page, 'deliveries-total').textContent()) ?? '', /5/);
    const failedRow = rows('pending');
    assert.match((await failedRow.textContent()) ?? '', new RegExp(TITLE));
    assert.match((await failedRow.textContent()) ?? '', /次の送信/);
    await tid(page, 'deliveries-chart').locator('svg').waitFor();
    await quiet(page);
    await shot(page, '36-notifications-history');

    // "Send again" tries the waiting one at once (the worker runs every second), one more attempt recorded.
    const attemptsBefore = Number((await failedRow.locator('td').nth(5).textContent()) ?? '0');
    await failedRow.getByTestId('delivery-retry').click();
    await page.getByText('再送の準備をしました').waitFor();
    await until('one more attempt', async () => {
      await tid(page, 'deliveries-refresh').click();
      await page.waitForTimeout(500);
      const n = Number((await failedRow.locator('td').nth(5).textContent()) ?? '0');
      return n > attemptsBefore || undefined;
    });

    // Filters are applied by the server: waiting ones leave one row; the test of the SOC channel is found by channel.
    await choose(page, 'deliveries-filter-status', '送信待ち');
    await until('one waiting row', async () => (await tid(page, 'delivery-row').count()) === 1);
    await choose(page, 'deliveries-filter-status', '送信済み');
    await choose(page, 'deliveries-filter-channel', '地域SOC(宮城)');
    await until('the SOC rows', async () => (await tid(page, 'delivery-row').count()) === 2);
    assert.equal(await rows('sent', 'test').count(), 1);
    await quiet(page);
    await shot(page, '36a-notifications-history-filtered');

    // Deleting the unanswered channel removes it with its rule.
    await tid(page, 'notifications-tab-channels').click();
    await page
      .locator('[data-testid="channel-row"][data-channel-name="旧 監視サーバー"]')
      .getByTestId('channel-delete')
      .click();
    await tid(page, 'confirm-dialog').getByText('通知ルール(1 件)').waitFor();
    await quiet(page);
    await shot(page, '37-notifications-delete-confirm');
    await tid(page, 'confirm-ok').click();
    await until('two channels', async () => (await tid(page, 'channel-row').count()) === 2);

    // The same screens in English.
    await tid(page, 'lang-switch').click();
    await page.getByText('Add channel').waitFor();
    await quiet(page);
    await shot(page, '40-notifications-channels-en');
    await tid(page, 'channel-add').click();
    await tid(page, 'channel-form-kind').getByText('Syslog (SIEM)', { exact: true }).click();
    await tid(page, 'channel-form-name').fill('SIEM');
    await tid(page, 'channel-form-url').fill('udp://siem:514');
    await tid(page, 'channel-form-submit').click();
    await tid(page, 'channel-form').getByText('Enter tcp://host:port or tls://host:port', { exact: false }).waitFor();
    await quiet(page);
    await shot(page, '41-notifications-syslog-form-en');
    await page.keyboard.press('Escape');
    await tid(page, 'channel-form-submit').waitFor({ state: 'detached' });
    await tid(page, 'notifications-tab-rules').click();
    await tid(page, 'rule-row').first().waitFor();
    await quiet(page);
    await shot(page, '42-notifications-rules-en');
    await tid(page, 'notifications-tab-deliveries').click();
    await tid(page, 'delivery-row').first().waitFor();
    await quiet(page);
    await shot(page, '43-notifications-history-en');
    // A phone-sized screen: filters stack, the tables scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '44-notifications-history-phone-en');

    assert.deepEqual(problems, []);
  });
});
