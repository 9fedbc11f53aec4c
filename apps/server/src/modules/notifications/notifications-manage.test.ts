/**
 * Managing notifications after set-up: editing channels (a signing key kept or replaced, never
 * returned), editing and removing rules, a test sent through a channel now (recorded like any
 * delivery), the delivery history across alerts with filters, paging and counts per day, retrying
 * one delivery, and send errors that name their real cause without secrets.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { describe, it } from 'node:test';
import type { AgentEvent, Channel, Delivery, DeliveryListItem, DeliveryListResponse } from '@mamori/contracts';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import {
  bootstrapAdmin,
  enrolTestAgent,
  freePort,
  makeFacility,
  makeTestApp,
  makeUser,
  onCleanup,
  testCa,
} from '../../test/harness.ts';
import { ingestEvents } from '../agents/agents.service.ts';
import { issueServerCertificate } from '../pki/pki.service.ts';
import { enqueueNewAlerts, type NotifySettings, sendDue } from './notifications.service.ts';
import { notificationAttempts } from './notifications.tables.ts';
import { describeSendError, secretsOf } from './senders.ts';

type Hook = { path: string; body: string; signature: string; timestamp: string };

describe('managing notifications', async () => {
  // SMTP that refuses one address with a 550, like a real mail server with an unknown mailbox.
  const mails: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('nobody@')) {
        const err = Object.assign(new Error('5.1.1 Mailbox does not exist'), { responseCode: 550 });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        mails.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        cb();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => smtp.close(() => r())));

  const hooks: Hook[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/gone') return res.writeHead(410, 'Gone').end('channel_is_archived');
      hooks.push({
        path: req.url ?? '',
        body,
        signature: String(req.headers['x-mamori-signature'] ?? ''),
        timestamp: String(req.headers['x-mamori-timestamp'] ?? ''),
      });
      res.writeHead(204).end();
    });
  });
  const hookPort = await freePort();
  await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => receiver.close(() => r())));
  const deadPort = await freePort();

  const t = await makeTestApp({ MAMORI_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });
  const db = t.database.db;
  const admin = await bootstrapAdmin(t);
  const fa = (await admin.req('POST', '/api/facilities', makeFacility({ name: '七ヶ浜クリニック' }))).json();
  const fb = (await admin.req('POST', '/api/facilities', makeFacility({ name: '利府病院' }))).json();
  const fadmin = await makeUser(t.app, admin, 'facility_admin', { facilityId: fa.id });
  const agent = await enrolTestAgent(t.app, admin, fa.id, 'shichigahama-pc1');
  const agentB = await enrolTestAgent(t.app, admin, fb.id, 'rifu-pc1');
  const settings: NotifySettings = {
    mail: { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'Mamori <mamori@region.example>' },
    publicUrl: () => 'https://mamori.test',
    escalationMinutes: 15,
    maxAttempts: 2,
  };
  const raise = async (facility: 'a' | 'b', over: Partial<AgentEvent> = {}) => {
    const a = facility === 'a' ? agent : agentB;
    await ingestEvents(
      db,
      { id: a.agentId, facilityId: facility === 'a' ? fa.id : fb.id, hostname: a.hostname, certSerial: '' },
      [
        {
          id: crypto.randomUUID(),
          occurredAt: new Date().toISOString(),
          source: 'agent',
          kind: `k-${crypto.randomUUID().slice(0, 8)}`,
          severity: 'high',
          title: '管理テストのアラート',
          details: {},
          ...over,
        },
      ],
    );
    return enqueueNewAlerts(db);
  };
  const history = async (query = '', who = admin) => {
    const res = await who.req('GET', `/api/notification-deliveries${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as DeliveryListResponse;
  };
  const audit = async (action: string) =>
    (await admin.req('GET', '/api/audit?limit=500'))
      .json()
      .items.filter((e: { action: string }) => e.action === action);

  const OLD_KEY = 'the-first-signing-key-0123456789';
  const NEW_KEY = 'a-replacement-signing-key-98765';
  const webhook = (
    await admin.req('POST', '/api/notification-channels', {
      kind: 'webhook',
      name: 'SOC webhook',
      facilityId: null,
      config: { url: `http://127.0.0.1:${hookPort}/v1`, secret: OLD_KEY },
    })
  ).json() as Channel;
  const mail = (
    await fadmin.req('POST', '/api/notification-channels', {
      kind: 'email',
      name: '七ヶ浜 事務',
      facilityId: fa.id,
      config: { to: ['jimu@shichigahama.example.jp'] },
    })
  ).json() as Channel;
  const signedWith = (h: Hook, key: string) =>
    h.signature === `sha256=${createHmac('sha256', key).update(`${h.timestamp}.${h.body}`).digest('hex')}`;

  it('changes a webhook URL and keeps its signing key unless a new one is sent; the key is never returned', async () => {
    assert.equal(webhook.hasSecret, true);
    const moved = await admin.req('PATCH', `/api/notification-channels/${webhook.id}`, {
      config: { url: `http://127.0.0.1:${hookPort}/v2` },
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().hasSecret, true, 'the key stayed');
    const test1 = (await admin.req('POST', `/api/notification-channels/${webhook.id}/test`)).json();
    assert.equal(test1.status, 'sent', test1.detail);
    const h1 = hooks.at(-1);
    assert.ok(h1);
    assert.equal(h1.path, '/v2');
    assert.ok(signedWith(h1, OLD_KEY), 'still signed with the first key');
    assert.equal(JSON.parse(h1.body).reason, 'test');

    const rekeyed = await admin.req('PATCH', `/api/notification-channels/${webhook.id}`, {
      config: { secret: NEW_KEY },
    });
    assert.equal(rekeyed.statusCode, 200);
    assert.ok(!rekeyed.body.includes(NEW_KEY) && !rekeyed.body.includes(OLD_KEY), 'no key in the answer');
    await admin.req('POST', `/api/notification-channels/${webhook.id}/test`);
    const h2 = hooks.at(-1);
    assert.ok(h2 && h2 !== h1 && signedWith(h2, NEW_KEY), 'signed with the new key');

    const unkeyed = await admin.req('PATCH', `/api/notification-channels/${webhook.id}`, { config: { secret: null } });
    assert.equal(unkeyed.json().hasSecret, false);
    await admin.req('PATCH', `/api/notification-channels/${webhook.id}`, { config: { secret: NEW_KEY } });

    const entries = await audit('notification.channel_update');
    assert.ok(entries.length >= 3);
    const all = JSON.stringify(entries);
    assert.ok(
      !all.includes(NEW_KEY) && !all.includes(OLD_KEY) && !all.includes('/v2'),
      'no key or URL in the audit log',
    );
    assert.deepEqual(entries[0].details.configFields, ['secret']);
  });

  it('checks an edit as strictly as a new channel', async () => {
    const cases: [unknown, string][] = [
      [{ config: { url: 'ftp://example.jp/x' } }, 'body.config.url'],
      [{ config: { secret: 'short' } }, 'body.config.secret'],
      [{ config: { to: ['it@example.jp'] } }, 'body.config.to'],
      [{ name: ' ' }, 'body.name'],
      [{}, ''],
      [{ kind: 'email' }, ''],
    ];
    for (const [body, path] of cases) {
      const res = await admin.req('PATCH', `/api/notification-channels/${webhook.id}`, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.body}`);
      if (path) {
        const fields = (res.json().error.fields ?? []).map((f: { path: string }) => f.path);
        assert.ok(
          fields.some((f: string) => f.startsWith(path)),
          `${JSON.stringify(body)}: ${fields.join(',')}`,
        );
      }
    }
    const badMail = await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, {
      config: { to: ['ok@example.jp', 'not-an-address'] },
    });
    assert.equal(badMail.statusCode, 400);
    const missing = await admin.req('PATCH', `/api/notification-channels/${crypto.randomUUID()}`, { name: 'x' });
    assert.equal(missing.statusCode, 404);
  });

  it("lets a facility admin edit its own e-mail channel but not a webhook's target", async () => {
    const edited = await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, {
      name: '七ヶ浜 事務室',
      config: { to: ['jimu@shichigahama.example.jp', 'inchou@shichigahama.example.jp'] },
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal(edited.json().name, '七ヶ浜 事務室');
    assert.equal(edited.json().target, 'jimu@shichigahama.example.jp, inchou@shichigahama.example.jp');
    const hookA = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'A webhook',
        facilityId: fa.id,
        config: { url: `http://127.0.0.1:${hookPort}/a` },
      })
    ).json() as Channel;
    const retarget = await fadmin.req('PATCH', `/api/notification-channels/${hookA.id}`, {
      config: { url: 'http://203.0.113.9/' },
    });
    assert.equal(retarget.statusCode, 403);
    const rename = await fadmin.req('PATCH', `/api/notification-channels/${hookA.id}`, { name: 'A webhook (old)' });
    assert.equal(rename.statusCode, 200);
    const regional = await fadmin.req('PATCH', `/api/notification-channels/${webhook.id}`, { name: 'mine now' });
    assert.equal(regional.statusCode, 404, 'a region-level channel is not visible to a facility admin');
    await admin.req('DELETE', `/api/notification-channels/${hookA.id}`);
  });

  it('stops sending to a disabled channel or through a disabled rule, and removes rules', async () => {
    const rule = (
      await fadmin.req('POST', '/api/notification-rules', {
        channelId: mail.id,
        facilityId: null,
        minSeverity: 'high',
        sources: null,
      })
    ).json();
    assert.equal(await raise('a'), 1, 'the rule matches');

    const off = await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, { enabled: false });
    assert.equal(off.json().enabled, false);
    assert.equal(await raise('a'), 0, 'a disabled channel receives nothing new');
    await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, { enabled: true });

    const ruleOff = await fadmin.req('PATCH', `/api/notification-rules/${rule.id}`, { enabled: false });
    assert.equal(ruleOff.statusCode, 200, ruleOff.body);
    assert.equal(ruleOff.json().enabled, false);
    assert.equal(await raise('a'), 0, 'a disabled rule matches nothing');

    const critical = await fadmin.req('PATCH', `/api/notification-rules/${rule.id}`, {
      enabled: true,
      minSeverity: 'critical',
      sources: ['agent'],
    });
    assert.deepEqual(
      [critical.json().minSeverity, critical.json().sources, critical.json().enabled],
      ['critical', ['agent'], true],
    );
    assert.equal(await raise('a'), 0, 'high is now below the threshold');
    assert.equal(await raise('a', { severity: 'critical' }), 1);

    const otherFacility = await fadmin.req('PATCH', `/api/notification-rules/${rule.id}`, { facilityId: fb.id });
    assert.equal(otherFacility.statusCode, 400, 'a facility channel only hears its own facility');
    assert.equal(otherFacility.json().error.fields[0].path, 'body.facilityId');
    const empty = await fadmin.req('PATCH', `/api/notification-rules/${rule.id}`, {});
    assert.equal(empty.statusCode, 400);

    const removed = await fadmin.req('DELETE', `/api/notification-rules/${rule.id}`);
    assert.equal(removed.statusCode, 200);
    assert.equal((await fadmin.req('DELETE', `/api/notification-rules/${rule.id}`)).statusCode, 404);
    assert.equal(await raise('a', { severity: 'critical' }), 0, 'no rule, no delivery');
    const rules = (await fadmin.req('GET', '/api/notification-rules')).json().items;
    assert.ok(!rules.some((r: { id: string }) => r.id === rule.id));

    assert.equal((await audit('notification.rule_update')).length, 2, 'refused changes are not recorded as done');
    const del = await audit('notification.rule_delete');
    assert.equal(del.length, 1);
    assert.equal(del[0].facilityId, fa.id);
    assert.equal(del[0].targetId, rule.id);
  });

  it('sends a test now and records it with its attempt; a failure names its cause', async () => {
    const ok = await fadmin.req('POST', `/api/notification-channels/${mail.id}/test`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().status, 'sent');
    assert.match(ok.json().detail, /^smtp 250/);
    assert.equal(ok.json().delivery.reason, 'test');
    assert.equal(ok.json().delivery.alertId, null);
    assert.equal(ok.json().delivery.facilityId, fa.id);
    assert.equal(ok.json().delivery.attempts, 1);
    assert.ok(mails.includes('jimu@shichigahama.example.jp,inchou@shichigahama.example.jp'));

    // An unknown mailbox: the SMTP reply code is kept.
    await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, { config: { to: ['nobody@example.jp'] } });
    const rejected = (await fadmin.req('POST', `/api/notification-channels/${mail.id}/test`)).json();
    assert.equal(rejected.status, 'failed');
    assert.match(rejected.detail, /550/);
    assert.match(rejected.detail, /Mailbox does not exist/);
    assert.equal(rejected.delivery.status, 'failed', 'a test is not retried by itself');
    assert.equal(rejected.delivery.lastError, rejected.detail);
    await fadmin.req('PATCH', `/api/notification-channels/${mail.id}`, {
      config: { to: ['jimu@shichigahama.example.jp'] },
    });

    // Nobody listening: the socket error with the address, not "fetch failed".
    const dead = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'slack',
        name: 'dead slack',
        facilityId: null,
        config: { url: `http://127.0.0.1:${deadPort}/services/T000/B000/XXXXSECRETTOKEN` },
      })
    ).json() as Channel;
    const refused = (await admin.req('POST', `/api/notification-channels/${dead.id}/test`)).json();
    assert.equal(refused.status, 'failed');
    assert.match(refused.detail, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${deadPort}`));
    assert.doesNotMatch(refused.detail, /fetch failed|XXXXSECRETTOKEN/);
    const [attempt] = await withScope(db, SYSTEM_SCOPE, (tx) =>
      tx.select().from(notificationAttempts).where(eq(notificationAttempts.deliveryId, refused.delivery.id)),
    );
    assert.equal(attempt?.ok, false);
    assert.equal(attempt?.detail, refused.detail);
    assert.equal(attempt?.facilityId, null, 'a region-level test belongs to no facility');

    // The receiver's own words on an error status.
    const gone = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'archived',
        facilityId: null,
        config: { url: `http://127.0.0.1:${hookPort}/gone` },
      })
    ).json() as Channel;
    const g = (await admin.req('POST', `/api/notification-channels/${gone.id}/test`)).json();
    assert.match(g.detail, /HTTP 410 Gone from the webhook: channel_is_archived/);

    const tests = await audit('notification.channel_test');
    assert.ok(tests.some((e: { outcome: string }) => e.outcome === 'failure'));
    assert.ok(
      tests.some(
        (e: { outcome: string; facilityId: string | null }) => e.outcome === 'success' && e.facilityId === fa.id,
      ),
    );
    await admin.req('DELETE', `/api/notification-channels/${dead.id}`);
    await admin.req('DELETE', `/api/notification-channels/${gone.id}`);
  });

  it('names certificate problems of an HTTPS webhook', async () => {
    const cert = await issueServerCertificate(await testCa(), { hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end());
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    onCleanup(() => new Promise<void>((r) => server.close(() => r())));
    const ch = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'private CA',
        facilityId: null,
        config: { url: `https://127.0.0.1:${port}/hook` },
      })
    ).json() as Channel;
    const res = (await admin.req('POST', `/api/notification-channels/${ch.id}/test`)).json();
    assert.equal(res.status, 'failed');
    assert.match(res.detail, /certificate|CERT/i);
    assert.match(res.detail, /[A-Z_]{8,}/, 'the TLS error code is kept');
    await admin.req('DELETE', `/api/notification-channels/${ch.id}`);
  });

  it('lists deliveries across alerts, newest first, with filters, paging and counts per day', async () => {
    // A rule that sends B's alerts to the SOC webhook, and a channel nobody answers.
    const deadHook = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'dead hook',
        facilityId: fb.id,
        config: { url: `http://127.0.0.1:${deadPort}/x` },
      })
    ).json() as Channel;
    for (const channelId of [webhook.id, deadHook.id]) {
      await admin.req('POST', '/api/notification-rules', {
        channelId,
        facilityId: fb.id,
        minSeverity: 'low',
        sources: null,
      });
    }
    const before = Date.now();
    for (let i = 0; i < 3; i++) await raise('b', { title: `利府のアラート ${i}` });
    await sendDue(db, settings);

    const all = await history();
    assert.ok(all.total >= 6 + 5, `${all.total}`);
    const times = all.items.map((d) => d.createdAt);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    const failedFirst = await history(`?channelId=${deadHook.id}`);
    assert.equal(failedFirst.total, 3);
    for (const d of failedFirst.items) {
      assert.equal(d.status, 'pending', 'waiting for the next attempt');
      assert.ok(d.nextAttemptAt && Date.parse(d.nextAttemptAt) > before, 'the next attempt time is given');
      assert.match(d.lastError ?? '', /ECONNREFUSED/);
      assert.equal(d.alert?.severity, 'high');
      assert.match(d.alert?.title ?? '', /^利府のアラート/);
      assert.deepEqual(d.channel, { name: 'dead hook', kind: 'webhook' });
    }
    const sentToSoc = await history(`?channelId=${webhook.id}&status=sent&facilityId=${fb.id}`);
    assert.equal(sentToSoc.total, 3);
    assert.ok(sentToSoc.items.every((d) => d.sentAt && d.nextAttemptAt === null && d.facilityId === fb.id));

    const page1 = await history(`?facilityId=${fb.id}&limit=4`);
    const page2 = await history(`?facilityId=${fb.id}&limit=4&offset=4`);
    assert.equal(page1.total, 6);
    assert.equal(page1.items.length, 4);
    assert.equal(page2.items.length, 2);
    assert.equal(new Set([...page1.items, ...page2.items].map((d) => d.id)).size, 6);

    assert.equal((await history(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).total, 0);
    assert.equal((await history(`?until=${new Date(before - 60 * 60_000).toISOString()}`)).total, 0);
    const recent = await history(`?facilityId=${fb.id}&since=${new Date(before - 1000).toISOString()}`);
    assert.equal(recent.total, 6);
    assert.equal((await history(`?severity=critical&facilityId=${fb.id}`)).total, 0);

    const charted = await history(`?facilityId=${fb.id}&status=sent&chartDays=7`);
    assert.equal(charted.total, 3, 'the state filter narrows the list');
    assert.equal(charted.byDay?.length, 7);
    const today = charted.byDay?.at(-1);
    assert.deepEqual(
      [today?.sent, today?.pending, today?.failed],
      [3, 3, 0],
      'the counts ignore the state filter so the chart shows every state',
    );
    assert.equal(
      today?.day,
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date()),
      'days are Japan-time days',
    );
    assert.equal((await history()).byDay, undefined);

    // A facility admin sees its own facility's deliveries only; a region-level channel stays hidden.
    const own = await history('?limit=500', fadmin);
    assert.ok(own.items.length > 0);
    assert.ok(own.items.every((d) => d.facilityId === fa.id));
    const probe = await history(`?facilityId=${fb.id}`, fadmin);
    assert.equal(probe.total, 0);
    const staff = await makeUser(t.app, admin, 'facility_staff', { facilityId: fa.id });
    assert.equal((await staff.req('GET', '/api/notification-deliveries')).statusCode, 403);
    const bad = await admin.req('GET', '/api/notification-deliveries?status=lost&chartDays=1000');
    assert.equal(bad.statusCode, 400);
  });

  it('hides the channel and its error on deliveries of a region-level channel from facility users', async () => {
    await admin.req('POST', '/api/notification-rules', {
      channelId: webhook.id,
      facilityId: fa.id,
      minSeverity: 'low',
      sources: null,
    });
    const hideDead = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'region dead',
        facilityId: null,
        config: { url: `http://127.0.0.1:${deadPort}/region` },
      })
    ).json() as Channel;
    await admin.req('POST', '/api/notification-rules', {
      channelId: hideDead.id,
      facilityId: fa.id,
      minSeverity: 'low',
      sources: null,
    });
    await raise('a', { title: 'A のアラート(地域へ)' });
    await sendDue(db, settings);
    const seen = (await history(`?channelId=${hideDead.id}`, fadmin)).items;
    assert.equal(seen.length, 1, "the facility's own alert is listed");
    assert.equal(seen[0]?.channel, null);
    assert.equal(seen[0]?.lastError, null, "the region channel's address is not shown");
    const onAlert = (await fadmin.req('GET', `/api/alerts/${seen[0]?.alertId}/deliveries`)).json().items as Delivery[];
    const toRegion = onAlert.find((d) => d.channelId === hideDead.id);
    assert.ok(toRegion, 'the delivery is listed on the alert');
    assert.equal(toRegion?.lastError, null, "nor on the alert's own page");
    const retry = await fadmin.req('POST', `/api/notification-deliveries/${seen[0]?.id}/retry`);
    assert.equal(retry.statusCode, 404, 'nor can it be retried from the facility');
    const adminView = (await history(`?channelId=${hideDead.id}`)).items[0];
    assert.match(adminView?.lastError ?? '', new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
    await admin.req('DELETE', `/api/notification-channels/${hideDead.id}`);
  });

  it('retries one delivery now: a pending one skips its wait, a failed one gets one more attempt', async () => {
    const waiting = (await history('?status=pending&limit=1')).items[0] as DeliveryListItem;
    assert.ok(waiting);
    assert.deepEqual(await sendDue(db, settings), { sent: 0, failed: 0 }, 'nothing is due yet');
    const r = await admin.req('POST', `/api/notification-deliveries/${waiting.id}/retry`);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'pending');
    assert.ok(Date.parse(r.json().nextAttemptAt) <= Date.now());
    const pass = await sendDue(db, settings);
    assert.equal(pass.failed, 1, 'only the retried one was due');
    const after = (await history(`?channelId=${waiting.channelId}`)).items.find((d) => d.id === waiting.id);
    assert.equal(after?.status, 'failed', 'the limit (2) is reached');
    assert.equal(after?.attempts, 2);

    const again = await admin.req('POST', `/api/notification-deliveries/${waiting.id}/retry`);
    assert.equal(again.json().status, 'pending');
    await sendDue(db, settings);
    const third = (await history(`?channelId=${waiting.channelId}`)).items.find((d) => d.id === waiting.id);
    assert.equal(third?.attempts, 3, 'a failed delivery got exactly one more attempt');
    assert.equal(third?.status, 'failed');

    const sent = (await history('?status=sent&limit=1')).items[0];
    const conflict = await admin.req('POST', `/api/notification-deliveries/${sent?.id}/retry`);
    assert.equal(conflict.statusCode, 409);
    const missing = await admin.req('POST', `/api/notification-deliveries/${crypto.randomUUID()}/retry`);
    assert.equal(missing.statusCode, 404);
    const retried = await audit('notification.delivery_retry');
    assert.equal(retried.length, 2);
    assert.equal(retried[0].details.previousStatus, 'failed');
  });

  it('a failed test can be retried and is then sent by the worker', async () => {
    const ch = (
      await admin.req('POST', '/api/notification-channels', {
        kind: 'webhook',
        name: 'late receiver',
        facilityId: null,
        config: { url: `http://127.0.0.1:${deadPort}/late` },
      })
    ).json() as Channel;
    const failed = (await admin.req('POST', `/api/notification-channels/${ch.id}/test`)).json();
    assert.equal(failed.status, 'failed');
    await admin.req('PATCH', `/api/notification-channels/${ch.id}`, {
      config: { url: `http://127.0.0.1:${hookPort}/late` },
    });
    await admin.req('POST', `/api/notification-deliveries/${failed.delivery.id}/retry`);
    const count = hooks.length;
    assert.deepEqual(await sendDue(db, settings), { sent: 1, failed: 0 });
    assert.equal(hooks.length, count + 1);
    assert.equal(JSON.parse(hooks.at(-1)?.body ?? '{}').reason, 'test');
    const d = (await history(`?channelId=${ch.id}`)).items[0];
    assert.equal(d?.status, 'sent');
    assert.equal(d?.attempts, 2);
  });
});

describe('send errors', () => {
  it('keep the cause chain and drop wrappers that say nothing', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' });
    assert.equal(describeSendError(new TypeError('fetch failed', { cause })), 'connect ECONNREFUSED 10.0.0.5:443');
    const both = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED ::1:25'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNREFUSED' }),
    ]);
    assert.equal(
      describeSendError(new TypeError('fetch failed', { cause: both })),
      'connect ECONNREFUSED ::1:25: connect ECONNREFUSED 127.0.0.1:25',
    );
    const tlsErr = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal(describeSendError(tlsErr), 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    const smtpErr = Object.assign(new Error('Invalid login'), {
      code: 'EAUTH',
      response: '535 5.7.8 Authentication credentials invalid',
      command: 'AUTH PLAIN',
    });
    assert.equal(
      describeSendError(smtpErr),
      'Invalid login (EAUTH) — the server answered: 535 5.7.8 Authentication credentials invalid [AUTH PLAIN]',
    );
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(
      describeSendError(new TypeError('fetch failed', { cause: timeout })),
      'no answer within 10 s (timed out)',
    );
  });

  it('never contain the channel key, a webhook token or the SMTP password', () => {
    const target = {
      kind: 'slack',
      config: { url: 'https://hooks.slack.example/services/T1/B2/tokentokentoken', secret: 'signing-key-1234567890' },
    };
    const mail = { smtpUrl: 'smtp://mamori:p%40ssw0rd-long@mail.example.jp:587', from: 'x' };
    const err = new Error(
      'POST https://hooks.slack.example/services/T1/B2/tokentokentoken failed, key signing-key-1234567890, login mamori:p@ssw0rd-long',
    );
    const text = describeSendError(err, secretsOf(target, mail));
    for (const s of ['tokentokentoken', 'signing-key-1234567890', 'p@ssw0rd-long', 'p%40ssw0rd-long']) {
      assert.ok(!text.includes(s), `${s} in ${text}`);
    }
    assert.match(text, /\[redacted\]/);
  });
});
