/**
 * Notifications end to end on the server: a real SMTP conversation (smtp-server + mailparser),
 * a signed webhook to a local receiver, retries with every attempt recorded, escalation of an
 * unacknowledged critical alert to the regional SOC, and ingestion never blocked by a broken channel.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  bootstrapAdmin,
  enrolTestAgent,
  freePort,
  makeFacility,
  makeTestApp,
  makeUser,
  onCleanup,
} from '../../test/harness.ts';
import { ingestEvents } from '../agents/agents.service.ts';
import {
  enqueueNewAlerts,
  escalateUnacknowledged,
  type NotifySettings,
  retryNow,
  sendDue,
} from './notifications.service.ts';

/** Polls until `fn` returns something truthy (10 s at most). */
async function until<T>(fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notifications', async () => {
  // A real SMTP server on loopback that keeps every message it receives.
  const mails: { to: string; subject: string; text: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        mails.push({
          to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '',
          subject: m.subject ?? '',
          text: m.text ?? '',
        });
        cb();
      }, cb);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => smtp.close(() => r())));

  // A webhook receiver that fails the first call, then accepts.
  const hooks: { body: string; signature: string; timestamp: string }[] = [];
  let failNext = 1;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (failNext-- > 0) return res.writeHead(503).end();
      hooks.push({
        body,
        signature: String(req.headers['x-mamori-signature']),
        timestamp: String(req.headers['x-mamori-timestamp']),
      });
      res.writeHead(204).end();
    });
  });
  const hookPort = await freePort();
  await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => receiver.close(() => r())));

  const t = await makeTestApp();
  const admin = await bootstrapAdmin(t);
  const fa = (await admin.req('POST', '/api/facilities', makeFacility({ name: '塩竈クリニック' }))).json();
  const agent = await enrolTestAgent(t.app, admin, fa.id, 'shiogama-pc1');
  const identity = { id: agent.agentId, facilityId: fa.id, hostname: agent.hostname, certSerial: '' };
  const settings: NotifySettings = {
    mail: { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'Mamori <mamori@region.example>' },
    publicUrl: () => 'https://mamori.region.example',
    escalationMinutes: 15,
    maxAttempts: 3,
  };
  const event = (over: Partial<AgentEvent> = {}): AgentEvent => ({
    id: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    source: 'agent',
    kind: 'test',
    severity: 'high',
    title: '囮ファイルが変更されました',
    details: {},
    ...over,
  });
  const SECRET = 'a-webhook-secret-of-some-length';
  let mailChannelId = '';

  it('lets region admins add e-mail and signed webhook channels; facility admins only e-mail for their facility', async () => {
    const mail = await admin.req('POST', '/api/notification-channels', {
      kind: 'email',
      name: '施設メール',
      facilityId: fa.id,
      config: { to: ['it@shiogama.example.jp'] },
    });
    assert.equal(mail.statusCode, 201, mail.body);
    mailChannelId = mail.json().id;
    const hook = await admin.req('POST', '/api/notification-channels', {
      kind: 'webhook',
      name: 'SOC',
      facilityId: null,
      config: { url: `http://127.0.0.1:${hookPort}/hook`, secret: SECRET },
    });
    assert.equal(hook.statusCode, 201);
    assert.ok(!hook.body.includes(SECRET), 'the secret is never returned');
    for (const [channelId, minSeverity] of [
      [mail.json().id, 'high'],
      [hook.json().id, 'critical'],
    ]) {
      const rule = await admin.req('POST', '/api/notification-rules', {
        channelId,
        facilityId: null,
        minSeverity,
        sources: null,
      });
      assert.equal(rule.statusCode, 201, rule.body);
    }
    const fadmin = await makeUser(t.app, admin, 'facility_admin', { facilityId: fa.id });
    const denied = await fadmin.req('POST', '/api/notification-channels', {
      kind: 'webhook',
      name: 'x',
      facilityId: fa.id,
      config: { url: 'http://127.0.0.1:9/x' },
    });
    assert.equal(denied.statusCode, 403);
    const own = await fadmin.req('POST', '/api/notification-channels', {
      kind: 'email',
      name: '自施設',
      facilityId: fa.id,
      config: { to: ['a@b.jp'] },
    });
    assert.equal(own.statusCode, 201);
    const list = (await fadmin.req('GET', '/api/notification-channels')).json();
    assert.ok(
      list.items.every((c: { facilityId: string | null }) => c.facilityId === fa.id),
      'facility admins do not see region channels',
    );
  });

  it('e-mails a high alert over real SMTP, in plain Japanese with a link', async () => {
    await ingestEvents(t.database.db, identity, [event()]);
    assert.equal(await enqueueNewAlerts(t.database.db), 1, 'high goes to the e-mail rule only');
    assert.equal(await enqueueNewAlerts(t.database.db), 0, 'each alert is matched once');
    const r = await sendDue(t.database.db, settings);
    assert.deepEqual(r, { sent: 1, failed: 0 });
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.to, 'it@shiogama.example.jp');
    assert.match(mails[0]?.subject ?? '', /【Mamori】\[高\] 囮ファイルが変更されました — 塩竈クリニック/);
    assert.match(mails[0]?.text ?? '', /https:\/\/mamori\.region\.example\/alerts\/[0-9a-f-]{36}/);
  });

  it('retries a failing webhook with backoff, records each attempt, and signs the body', async () => {
    await ingestEvents(t.database.db, identity, [
      event({ kind: 'crit', severity: 'critical', title: 'ランサムウェアの疑い' }),
    ]);
    await enqueueNewAlerts(t.database.db);
    const first = await sendDue(t.database.db, settings);
    assert.equal(first.failed, 1, 'the receiver answered 503');
    assert.equal(first.sent, 1, 'the e-mail still went');
    assert.equal(hooks.length, 0);
    assert.deepEqual(await sendDue(t.database.db, settings), { sent: 0, failed: 0 }, 'not due again yet (backoff)');
    await retryNow(t.database.db);
    assert.deepEqual(await sendDue(t.database.db, settings), { sent: 1, failed: 0 });
    const h = hooks[0];
    assert.ok(h);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${h.timestamp}.${h.body}`).digest('hex')}`;
    assert.equal(h.signature, expected);
    assert.equal(JSON.parse(h.body).alert.severity, 'critical');
    const alertId = JSON.parse(h.body).alert.id;
    const deliveries = (await admin.req('GET', `/api/alerts/${alertId}/deliveries`)).json().items;
    const webhook = deliveries.find((d: { attempts: number }) => d.attempts === 2);
    assert.equal(webhook.status, 'sent');
  });

  it('escalates an unacknowledged critical alert to the region channels once', async () => {
    await ingestEvents(t.database.db, identity, [
      event({
        kind: 'esc',
        severity: 'critical',
        title: '未対応の重大アラート',
        occurredAt: new Date(Date.now() - 20 * 60_000).toISOString(),
      }),
    ]);
    await enqueueNewAlerts(t.database.db);
    await sendDue(t.database.db, settings);
    const before = hooks.length;
    assert.ok((await escalateUnacknowledged(t.database.db, 15)) >= 1);
    assert.equal(await escalateUnacknowledged(t.database.db, 15), 0, 'only once');
    await sendDue(t.database.db, settings);
    const escalations = hooks
      .slice(before)
      .map((h) => JSON.parse(h.body))
      .filter((b) => b.reason === 'escalation');
    assert.ok(escalations.some((b) => b.alert.title === '未対応の重大アラート'));
    assert.match(escalations[0].subject, /地域SOC/);
  });

  it('exports alerts to a real SIEM receiver (rsyslog) as RFC 5424 syslog over TCP', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-rsyslog-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'rsyslog.conf'),
      [
        `global(workDirectory="${dir}")`,
        'module(load="imtcp")',
        `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="siem")`,
        'template(name="fields" type="string" string="%app-name%|%msgid%|%syslogseverity-text%|%structured-data%|%msg%\\n")',
        `ruleset(name="siem") { action(type="omfile" file="${dir}/siem.log" template="fields") }`,
      ].join('\n'),
    );
    assert.ok(fs.existsSync('/usr/sbin/rsyslogd'), 'rsyslog is missing: run scripts/install-system-deps.sh');
    const rsyslog = spawn(
      '/usr/sbin/rsyslogd',
      ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')],
      { stdio: 'ignore' },
    );
    onCleanup(async () => {
      rsyslog.kill('SIGTERM');
    });
    await until(async () => {
      const ok = await new Promise<boolean>((r) =>
        net
          .connect(port, '127.0.0.1')
          .on('connect', function (this: net.Socket) {
            this.destroy();
            r(true);
          })
          .on('error', () => r(false)),
      );
      return ok || undefined;
    });
    const ch = await admin.req('POST', '/api/notification-channels', {
      kind: 'syslog',
      name: 'SIEM',
      facilityId: null,
      config: { url: `tcp://127.0.0.1:${port}` },
    });
    assert.equal(ch.statusCode, 201, ch.body);
    await admin.req('POST', '/api/notification-rules', {
      channelId: ch.json().id,
      facilityId: null,
      minSeverity: 'info',
      sources: null,
    });
    await ingestEvents(t.database.db, identity, [
      event({ kind: 'siem', severity: 'critical', title: 'SIEM へ送るアラート' }),
    ]);
    await enqueueNewAlerts(t.database.db);
    await sendDue(t.database.db, settings);
    const line = await until(() => {
      const log = fs.existsSync(path.join(dir, 'siem.log')) ? fs.readFileSync(path.join(dir, 'siem.log'), 'utf8') : '';
      return log.split('\n').find((l) => l.includes('SIEM へ送るアラート'));
    });
    const [app, msgid, severity, sd, msg] = line.split('|');
    assert.equal(app, 'mamori');
    assert.equal(msgid, 'alert');
    assert.equal(severity, 'crit');
    assert.match(sd ?? '', /^\[mamori@32473 alertId="[0-9a-f-]{36}" facility="塩竈クリニック" severity="critical"/);
    assert.equal(JSON.parse((msg ?? '').replace(/^\uFEFF/, '')).alert.title, 'SIEM へ送るアラート');
  });

  it('never blocks ingestion when SMTP is down; the failure is recorded and given up after the limit', async () => {
    const broken: NotifySettings = {
      ...settings,
      mail: { ...settings.mail, smtpUrl: `smtp://127.0.0.1:${await freePort()}` },
    };
    const started = Date.now();
    const ack = await ingestEvents(t.database.db, identity, [event({ kind: 'down' })]);
    assert.equal(ack.accepted.length, 1);
    assert.ok(Date.now() - started < 5000);
    await enqueueNewAlerts(t.database.db);
    for (let i = 0; i < 3; i++) {
      await retryNow(t.database.db);
      await sendDue(t.database.db, broken);
    }
    const alertId = (await admin.req('GET', '/api/alerts?source=agent&limit=500'))
      .json()
      .items.find((a: { kind: string }) => a.kind === 'down').id;
    const d = (await admin.req('GET', `/api/alerts/${alertId}/deliveries`))
      .json()
      .items.find((x: { channelId: string }) => x.channelId === mailChannelId);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 3);
    assert.match(d.lastError, /ECONNREFUSED|connect/i);
  });
});
