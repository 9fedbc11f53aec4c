/**
 * Decoys in the console, end to end in real Chromium: the administrator creates a decoy policy
 * through the form (a system directory is refused on its line), a test agent enrolled with the real
 * `mamori-agent enroll` reports its planted decoys and a decoy event over mutual TLS, the console
 * shows the coverage and the host's attack timeline with its evidence, the administrator isolates
 * the host with a reason (the agent's next heartbeat carries the request), and a beacon opened by a
 * separate HTTP client appears at once as a critical alert. Screenshots in Japanese and English go
 * to e2e/screenshots/.
 *
 * The helpers at the top stand in for a real agent; a later test can swap them for a running
 * `mamori-agent` and a ransomware simulator without touching the console steps.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { AgentEvent, PlantedDecoy } from '@mamori/contracts';
import type { Browser, Page } from 'playwright-core';
import { loadEnrolment } from '../apps/agent/src/state.ts';
import { type AgentCreds, agentRequest } from '../apps/server/src/test/harness.ts';
import { runAttack } from '../tools/ransim/harness.ts';
import { makeTree } from '../tools/ransim/ransim.ts';
import { api, choose, launch, newPage, setUpFirstAdmin, shot, tid } from './browser.ts';
import { type Platform, startPlatform } from './platform.ts';

const AGENT = path.resolve(import.meta.dirname, '../apps/agent/src/main.ts');
const run = promisify(execFile);
const FACILITY = '塩竈みなと病院';
const HOST = 'minato-fs01';
const ADMIN = { name: '佐藤 健一', email: 'soc@miyagi-net.example.jp', password: 'zunda-sendai-matsushima' };

// ---------------------------------------------------------------------------------------------
// Helpers: a stand-in agent (enrolment by the real CLI, then the agent API over mutual TLS).

/** An enrolled agent: its id and the key material to call the agent API as it. */
type TestAgent = { agentId: string; creds: AgentCreds; dir: string };

/**
 * Enrols an agent for `facilityId` with the real `mamori-agent enroll` and a token from the console's
 * API, then names it `hostname` with a first heartbeat (enrolment reports this machine's name).
 */
async function enrolAgent(platform: Platform, page: Page, facilityId: string, hostname: string): Promise<TestAgent> {
  const token = await api<{ token: string }>(page, 'POST', '/api/enrolment-tokens', { facilityId, ttlMinutes: 10 });
  assert.equal(token.status, 201);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-decoy-agent-'));
  const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
  await run(
    process.execPath,
    [AGENT, 'enroll', '--server', platform.url, '--token', token.json.token, '--ca', ca, '--dir', dir],
    { env: { ...process.env, MAMORI_AGENT_LOG_LEVEL: 'warn' } },
  );
  const e = await loadEnrolment(dir);
  if (!e) throw new Error('the agent did not enrol');
  const agent = { agentId: e.config.agentId, creds: { keyPem: e.keyPem, certPem: e.certPem, caPem: e.caPem }, dir };
  await heartbeat(platform, agent, hostname);
  return agent;
}

/** Calls the agent API as `agent` over mutual TLS; fails on anything but 200. */
async function asAgent<T>(platform: Platform, agent: TestAgent, url: string, body: unknown): Promise<T> {
  const res = await agentRequest(platform.url, 'POST', url, body, agent.creds, agent.creds.caPem);
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.json())}`);
  return res.json() as T;
}

const hostFacts = (hostname: string) => ({
  hostname,
  os: 'linux' as const,
  osVersion: 'Debian 12',
  ips: ['192.0.2.21'],
  agentVersion: '0.1.0',
  uptimeSeconds: 3600,
});

/** A heartbeat; returns the policy the server hands back (decoy policies and the isolation request). */
const heartbeat = (platform: Platform, agent: TestAgent, hostname: string) =>
  asAgent<{ policy: { decoys: { id: string }[]; isolation: { desired: string } | null } }>(
    platform,
    agent,
    '/api/agent/heartbeat',
    hostFacts(hostname),
  );

/** Decoys as an agent would report them after planting: one CSV, one PDF with a beacon, one DOCX. */
function plantedDecoys(policyId: string, directory: string, beaconToken: string): PlantedDecoy[] {
  const sha = (c: string) => c.repeat(64);
  return [
    {
      policyId,
      directory,
      path: `${directory}/000_患者一覧_20250401.csv`,
      kind: 'csv',
      sha256: sha('1'),
      size: 18_432,
      beaconToken: null,
    },
    {
      policyId,
      directory,
      path: `${directory}/紹介状_佐々木様.pdf`,
      kind: 'pdf',
      sha256: sha('2'),
      size: 52_100,
      beaconToken,
    },
    {
      policyId,
      directory,
      path: `${directory}/zzz_退院サマリー.docx`,
      kind: 'docx',
      sha256: sha('3'),
      size: 31_007,
      beaconToken: null,
    },
  ];
}

/** One agent event of the decoy module. */
function decoyEvent(kind: string, severity: AgentEvent['severity'], title: string, details: Record<string, unknown>) {
  return { id: randomUUID(), occurredAt: new Date().toISOString(), source: 'decoys', kind, severity, title, details };
}

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

/** Opens a beacon the way a document viewer elsewhere would: a plain GET with no console cookie. */
function openBeacon(baseUrl: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${baseUrl}/b/${token}`,
      { rejectUnauthorized: false, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Acrobat/24' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------

describe('decoys in the console end to end', () => {
  let platform: Platform;
  let browser: Browser;
  let page: Page;
  let facilityId = '';
  let agentProc: ChildProcess | undefined;
  const problems: string[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-decoys-'));
  const share = path.join(root, 'share', '医事課');
  const agents: TestAgent[] = [];

  before(async () => {
    fs.mkdirSync(share, { recursive: true });
    platform = await startPlatform({ MAMORI_DECOY_ROOTS: os.tmpdir(), MAMORI_AGENT_HEARTBEAT_SECONDS: '5' });
    browser = await launch();
  });
  after(async () => {
    agentProc?.kill('SIGTERM');
    await browser?.close();
    await platform?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    for (const a of agents) fs.rmSync(a.dir, { recursive: true, force: true });
  });

  it('creates a policy, shows coverage and the timeline with evidence, isolates the host and shows a beacon live', async () => {
    ({ page } = await newPage(browser, problems));
    await setUpFirstAdmin(page, platform.setupUrl, ADMIN);
    const facility = await api<{ id: string }>(page, 'POST', '/api/facilities', {
      name: FACILITY,
      type: 'hospital_small',
      prefecture: '04',
      contact: { name: '事務 担当', phone: '022-365-0000' },
    });
    assert.equal(facility.status, 201);
    facilityId = facility.json.id;
    const agent = await enrolAgent(platform, page, facility.json.id, HOST);
    agents.push(agent);

    // The policy form: a system directory is refused on its own line, then the policy is saved.
    await page.goto(`${platform.url}/decoys?tab=policies`);
    await tid(page, 'decoy-policy-create').click();
    await choose(page, 'decoy-policy-facility', FACILITY);
    await tid(page, 'decoy-policy-name').fill('医事課の共有フォルダ');
    await tid(page, 'decoy-policy-hosts').click();
    await page.getByRole('option', { name: HOST, exact: true }).click();
    await tid(page, 'decoy-policy-name').click(); // close the host list
    await tid(page, 'decoy-policy-directories').fill(`${share}\n/etc`);
    await tid(page, 'decoy-policy-isolate').check();
    await tid(page, 'decoy-policy-isolate-warning').waitFor();
    await tid(page, 'decoy-policy-submit').click();
    const lineError = page.locator('[data-testid="decoy-policy-dir-errors"] li[data-line="2"]');
    await lineError.waitFor();
    assert.match((await lineError.textContent()) ?? '', /2行目.*システム用のフォルダ/);
    await tid(page, 'decoy-policy-directories').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, '40-decoys-policy-refused');
    await tid(page, 'decoy-policy-directories').fill(share);
    await tid(page, 'decoy-policy-isolate').uncheck();
    await tid(page, 'decoy-policy-submit').click();
    await tid(page, 'decoy-policy-submit').waitFor({ state: 'detached' });
    await page.locator('[data-testid="decoy-policy-row"][data-name="医事課の共有フォルダ"]').waitFor();
    await quiet(page);
    await shot(page, '41-decoys-policies');

    // The agent receives the policy on its heartbeat and reports what it planted.
    const hb = await heartbeat(platform, agent, HOST);
    const policyId = hb.policy.decoys[0]?.id;
    assert.ok(policyId, 'the heartbeat carries the new policy');
    const beaconToken = `e2e${randomUUID().replace(/-/g, '')}`.slice(0, 32);
    const decoys = plantedDecoys(policyId, share, beaconToken);
    await asAgent(platform, agent, '/api/agent/decoys/inventory', {
      decoys,
      verifiedAt: new Date().toISOString(),
      problems: [],
      isolated: false,
    });

    await page.goto(`${platform.url}/decoys`);
    const row = page.locator(`[data-testid="decoys-host-row"][data-host="${HOST}"]`);
    await row.locator('[data-testid="decoys-host-count"]', { hasText: '3' }).waitFor();
    assert.equal(await row.getAttribute('data-coverage'), 'ok');
    await tid(page, 'decoys-coverage-chart').locator('svg').waitFor();
    await shot(page, '42-decoys-coverage');

    // A decoy is encrypted and the agent kills the process: both appear on the host's timeline.
    const target = decoys[0]!;
    await asAgent(platform, agent, '/api/agent/events', {
      events: [
        decoyEvent('decoy.modified', 'critical', `おとりファイルが書き換えられました: ${path.basename(target.path)}`, {
          path: target.path,
          directory: share,
          policyId,
          change: 'modified',
          beforeSha256: target.sha256,
          afterSha256: 'f'.repeat(64),
          beforeSize: target.size,
          afterSize: target.size + 16,
          beforeEntropy: 4.52,
          afterEntropy: 7.98,
          pid: 31337,
          cmdline: '/usr/bin/python3 /tmp/ransim.py --encrypt /srv/share',
          user: 'clerk01',
        }),
        decoyEvent('containment.killed', 'critical', '不審なプロセスを強制終了しました: python3 (PID 31337)', {
          pid: 31337,
          comm: 'python3',
          cmdline: '/usr/bin/python3 /tmp/ransim.py --encrypt /srv/share',
          user: 'clerk01',
          decoyPath: target.path,
        }),
      ],
    });
    await row.click();
    const modified = page.locator('[data-testid="decoy-timeline-item"][data-kind="decoy.modified"]');
    await modified.waitFor();
    const evidence = (await modified.locator('[data-testid="decoy-evidence"]').textContent()) ?? '';
    assert.match(evidence, /000_患者一覧_20250401\.csv/);
    assert.match(evidence, /11111111…1111/, 'hashes are shortened');
    assert.match(evidence, /4\.5.*7\.98?|4\.5.*8\.0/, 'entropy before and after');
    assert.match(evidence, /31337/);
    assert.match(evidence, /ransim\.py/);
    assert.match(evidence, /clerk01/);
    await page.locator('[data-testid="decoy-timeline-item"][data-kind="containment.killed"]').waitFor();
    assert.equal(await tid(page, 'decoy-row').count(), 3);
    await quiet(page);
    await shot(page, '43-decoys-host-timeline');

    // The timeline links to the alert, whose advice tells the clerk what to do.
    await modified.locator('[data-testid="decoy-timeline-alert"]').click();
    await tid(page, 'alert-advice').waitFor();
    assert.match((await tid(page, 'alert-advice').textContent()) ?? '', /LANケーブル/);
    await shot(page, '44-decoys-alert-advice');
    await page.goBack();

    // Isolation by the SOC: a reason is required, the agent's next heartbeat carries the request.
    await tid(page, 'decoy-host-isolate').click();
    assert.equal(await tid(page, 'confirm-ok').isDisabled(), true, 'no reason, no isolation');
    await tid(page, 'decoy-host-reason').fill('おとりファイルの暗号化を検知。調査のため切り離し');
    await shot(page, '45-decoys-isolate-confirm');
    await tid(page, 'confirm-ok').click();
    await page.locator('[data-testid="decoy-host-isolation"][data-isolation="isolating"]').waitFor();
    const asked = await heartbeat(platform, agent, HOST);
    assert.equal(asked.policy.isolation?.desired, 'isolated');
    await asAgent(platform, agent, '/api/agent/events', {
      events: [
        decoyEvent('containment.isolated', 'critical', 'この端末をネットワークから切り離しました', {
          requestId: randomUUID(),
          reason: 'soc',
        }),
      ],
    });
    await page.reload();
    await page.locator('[data-testid="decoy-host-isolation"][data-isolation="isolated"]').waitFor();
    await shot(page, '46-decoys-host-isolated');
    const audit = await api<{ items: { action: string; details: { reason?: string } }[] }>(
      page,
      'GET',
      '/api/audit?action=host.isolate',
    );
    assert.equal(audit.json.items[0]?.details.reason, 'おとりファイルの暗号化を検知。調査のため切り離し');

    // A beacon opened elsewhere: a critical alert pops up in the open console, and the beacon tab lists it.
    await page.goto(`${platform.url}/decoys?tab=beacons`);
    await page.locator('[data-testid="alerts-live"][data-state="live"]').waitFor();
    await tid(page, 'beacon-viewer-notes').waitFor();
    assert.equal(await openBeacon(platform.url, beaconToken), 200);
    await page
      .locator('[data-testid="alert-toast"][data-severity="critical"]', { hasText: 'おとり文書が開かれました' })
      .waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="beacon-hit-row"][data-channel="http"]').waitFor({ timeout: 20_000 });
    await shot(page, '47-decoys-beacon-live');

    // The same screens in English.
    await quiet(page);
    await tid(page, 'lang-switch').click();
    await page.getByText('Opened decoys (beacons)').waitFor();
    await shot(page, '48-decoys-beacons-en');
    await tid(page, 'decoys-tab-coverage').click();
    await tid(page, 'decoys-coverage-chart').locator('svg').waitFor();
    await shot(page, '49-decoys-coverage-en');
    await row.click();
    await page.getByText('Attack timeline (newest first)').waitFor();
    await quiet(page);
    await shot(page, '50-decoys-host-en');
    await tid(page, 'lang-switch').click();

    assert.deepEqual(problems, []);
  });
  it('a real agent plants decoys from a console policy, kills the ransomware simulator, and the alert shows live with evidence', async () => {
    // A real agent process, enrolled with a token from the console API, running with its decoy runtime.
    const token = await api<{ token: string }>(page, 'POST', '/api/enrolment-tokens', { facilityId, ttlMinutes: 10 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-real-agent-'));
    agents.push({ agentId: '', creds: { keyPem: '', certPem: '', caPem: '' }, dir });
    const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
    const env = { ...process.env, MAMORI_AGENT_LOG_LEVEL: 'warn', MAMORI_AGENT_DECOY_ROOTS: os.tmpdir() };
    await run(
      process.execPath,
      [AGENT, 'enroll', '--server', platform.url, '--token', token.json.token, '--ca', ca, '--dir', dir],
      { env },
    );
    agentProc = spawn(process.execPath, [AGENT, 'run', '--dir', dir], { env, stdio: 'ignore' });
    const hostname = os.hostname();
    const agentId = (await loadEnrolment(dir))?.config.agentId ?? '';

    // A ward's shared folders with ordinary files; the console's policy puts decoys in each folder.
    const ward = await makeTree(path.join(root, 'ward'), 60, 'e2e-ward');
    const folders = [ward, '2023', '2024', path.join('2024', '外来'), '共有'].map((d) => path.resolve(ward, d));
    await page.goto(`${platform.url}/decoys?tab=policies`);
    await tid(page, 'decoy-policy-create').click();
    await choose(page, 'decoy-policy-facility', FACILITY);
    await tid(page, 'decoy-policy-name').fill('病棟の共有フォルダ');
    await tid(page, 'decoy-policy-hosts').click();
    await page.getByRole('option', { name: hostname, exact: true }).click();
    await tid(page, 'decoy-policy-name').click(); // close the host list
    await tid(page, 'decoy-policy-directories').fill(folders.join('\n'));
    await tid(page, 'decoy-policy-submit').click();
    await tid(page, 'decoy-policy-submit').waitFor({ state: 'detached' });

    // The agent plants on its next heartbeat and reports; the coverage shows it.
    let planted: string[] = [];
    for (const deadline = Date.now() + 60_000; planted.length < folders.length * 2; ) {
      if (Date.now() > deadline) throw new Error(`the agent planted ${planted.length} decoys`);
      await new Promise((r) => setTimeout(r, 500));
      const list = await api<{ items: { path: string }[] }>(page, 'GET', `/api/decoys?agentId=${agentId}&limit=500`);
      planted = list.json.items.map((d) => d.path);
    }
    for (const p of planted) assert.ok(fs.existsSync(p), `planted ${p}`);
    await new Promise((r) => setTimeout(r, 1500)); // watches in place, first sweep done

    // The inbox is open and live; the simulator starts encrypting at LockBit's pace.
    await tid(page, 'nav-alerts').click();
    await page.locator('[data-testid="alerts-live"][data-state="live"]').waitFor();
    const attack = await runAttack({
      root: ward,
      order: 'alphabetical',
      log: path.join(root, 'ransim.jsonl'),
      rate: 400,
    });
    assert.equal(attack.signal, 'SIGKILL', 'the agent killed the simulator');
    const decoySet = new Set(planted);
    const lost = attack.done.filter((d) => !decoySet.has(d.path)).length;
    assert.ok(lost < attack.total / 2, `the simulator was stopped early (${lost} of ${attack.total} files)`);

    // The critical alert appears live, without a reload, and its detail carries the evidence.
    const row = page.locator('[data-testid="alert-row"][data-severity="critical"]', { hasText: hostname }).first();
    await row.waitFor({ timeout: 20_000 });
    await shot(page, '51-decoys-real-attack-alert');
    await row.click();
    await tid(page, 'alert-advice').waitFor();
    const detail = (await page.locator('main').textContent()) ?? '';
    assert.match(detail, /LAN|ケーブル/, 'the advice tells the clerk what to do');
    const timeline = await api<{ entries: { kind: string; details: Record<string, unknown> }[] }>(
      page,
      'GET',
      `/api/agents/${agentId}/timeline`,
    );
    const killed = timeline.json.entries.find((e) => e.kind === 'containment.killed');
    assert.equal(killed?.details.pid, attack.pid, 'the evidence names the killed process');
    assert.ok(timeline.json.entries.some((e) => e.kind.startsWith('decoy.') && decoySet.has(String(e.details.path))));
    await shot(page, '52-decoys-real-attack-detail');
    console.log(`simulator killed after ${lost} ordinary files of ${attack.total}`);
    assert.deepEqual(problems, []);
  });
});
