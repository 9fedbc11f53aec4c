/**
 * Agents and alerts end to end: the administrator creates an enrolment token in the console, a
 * real `mamori-agent` process enrols and heartbeats, a test event becomes an alert that appears
 * live in the open console, an e-mail arrives at a real SMTP server and a signed webhook at a
 * local receiver, and after revocation in the console the agent's next call is refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { api, choose, launch, newPage, setUpFirstAdmin, shot, tid } from './browser.ts';
import { type Platform, startPlatform } from './platform.ts';
import { type ReceivedHook, type ReceivedMail, startReceivers } from './receivers.ts';

const AGENT = path.resolve(import.meta.dirname, '../apps/agent/src/main.ts');
const run = promisify(execFile);
const agentCmd = (args: string[]) =>
  run(process.execPath, [AGENT, ...args], { env: { ...process.env, MAMORI_AGENT_LOG_LEVEL: 'warn' } });

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('agents and alerts end to end', () => {
  let platform: Platform;
  let browser: Browser;
  let receivers: Awaited<ReturnType<typeof startReceivers>> | undefined;
  let agentProc: ChildProcess | undefined;
  let mails: ReceivedMail[] = [];
  let hooks: ReceivedHook[] = [];
  const problems: string[] = [];
  const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-agent-'));
  let hookPort = 0;

  before(async () => {
    receivers = await startReceivers();
    ({ mails, hooks, hookPort } = receivers);
    const { smtpPort } = receivers;
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

  it('enrols a real agent from the console, shows its alert live, notifies, and cuts it off on revocation', async () => {
    const { page } = await newPage(browser, problems);
    await setUpFirstAdmin(page, platform.setupUrl, {
      name: '佐藤 健一',
      email: 'soc@miyagi-net.example.jp',
      password: 'zunda-sendai-matsushima',
    });
    const facility = await api<{ id: string }>(page, 'POST', '/api/facilities', {
      name: '塩竈みなと病院',
      type: 'hospital_small',
      prefecture: '04',
      contact: { name: '事務 担当', phone: '022-365-0000' },
    });
    assert.equal(facility.status, 201);
    // Facility e-mail for high alerts; the regional SOC's signed webhook for everything high and up.
    const mail = await api<{ id: string }>(page, 'POST', '/api/notification-channels', {
      kind: 'email',
      name: '病院 情報担当',
      facilityId: facility.json.id,
      config: { to: ['it@minato.example.jp'] },
    });
    const hook = await api<{ id: string }>(page, 'POST', '/api/notification-channels', {
      kind: 'webhook',
      name: '地域SOC',
      facilityId: null,
      config: { url: `http://127.0.0.1:${hookPort}/mamori`, secret: 'soc-webhook-secret-0123456789' },
    });
    for (const ch of [mail, hook]) {
      const r = await api(page, 'POST', '/api/notification-rules', {
        channelId: ch.json.id,
        facilityId: null,
        minSeverity: 'high',
        sources: null,
      });
      assert.equal(r.status, 201);
    }

    // The console creates the one-time token (a fresh load, so it knows the new facility).
    await page.goto(`${platform.url}/agents`);
    await tid(page, 'agent-add').click();
    await choose(page, 'agent-token-facility', '塩竈みなと病院');
    await tid(page, 'agent-token-create').click();
    const token = await tid(page, 'agent-token').inputValue();
    assert.match(token, /^mt_/);
    await shot(page, '20-agent-token');
    await tid(page, 'agent-token-done').click();

    // A real agent process enrols with it, verifying the server against the platform CA.
    const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
    const enrol = await agentCmd(['enroll', '--server', platform.url, '--token', token, '--ca', ca, '--dir', agentDir]);
    assert.match(enrol.stdout + enrol.stderr, /enrol/i);
    await assert.rejects(
      agentCmd(['enroll', '--server', platform.url, '--token', token, '--ca', ca, '--dir', `${agentDir}-2`]),
      'the token is single-use',
    );
    agentProc = spawn(process.execPath, [AGENT, 'run', '--dir', agentDir], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => agentProc?.on('exit', (code) => r(code)));

    await page.goto(`${platform.url}/agents`);
    await page.locator('[data-testid="agent-row"][data-status="online"]').waitFor({ timeout: 20_000 });
    await shot(page, '21-agent-online');

    // An event on the agent appears live in the open inbox, without a reload.
    await tid(page, 'nav-alerts').click();
    await page.locator('[data-testid="alerts-live"][data-state="live"]').waitFor();
    const started = Date.now();
    await agentCmd([
      'emit',
      '--kind',
      'test',
      '--title',
      'E2E テストアラート',
      '--severity',
      'high',
      '--dir',
      agentDir,
    ]);
    await page.locator('[data-testid="alert-row"]', { hasText: 'E2E テストアラート' }).waitFor({ timeout: 20_000 });
    const liveMs = Date.now() - started;
    await shot(page, '22-alert-live');

    // Notifications: a real SMTP conversation and a signed webhook.
    const m = await until('the e-mail', () => mails.find((x) => x.subject.includes('E2E テストアラート')));
    assert.equal(m.to, 'it@minato.example.jp');
    const h = await until('the webhook', () => hooks.find((x) => x.body.includes('E2E テストアラート')));
    assert.match(h.signature, /^sha256=[0-9a-f]{64}$/);

    // Open the alert and acknowledge it.
    await page.locator('[data-testid="alert-row"]', { hasText: 'E2E テストアラート' }).click();
    await tid(page, 'alert-status-ack').click();
    await page.locator('[data-testid="alert-status"][data-status="acknowledged"]').waitFor();
    await shot(page, '23-alert-detail');

    // Revocation in the console cuts the agent off at its next call.
    await tid(page, 'nav-agents').click();
    await tid(page, 'agent-revoke').first().click();
    await tid(page, 'confirm-ok').click();
    await page.locator('[data-testid="agent-row"][data-status="revoked"]').waitFor();
    await shot(page, '24-agent-revoked');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
    assert.equal(code, 77, 'the agent stops with "refused by the server"');
    agentProc = undefined;
    console.log(`event on the agent → alert visible in the console: ${liveMs} ms`);
    assert.deepEqual(problems, []);
  });
});
