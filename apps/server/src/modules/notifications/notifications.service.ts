import {
  CHANNEL_CONFIG_SCHEMAS,
  type Channel,
  type ChannelTestResponse,
  type CreateChannelRequest,
  type CreateRuleRequest,
  type Delivery,
  type DeliveryDayCount,
  type DeliveryListQuery,
  type DeliveryListResponse,
  type Rule,
  type Severity,
  type UpdateChannelRequest,
  type UpdateRuleRequest,
} from '@mamori/contracts';
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, lte, ne, type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { conflict, forbidden, invalid, notFound } from '../../lib/errors.ts';
import { alerts } from '../alerts/alerts.tables.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { facilities } from '../facilities/facilities.tables.ts';
import {
  notificationAttempts,
  notificationChannels,
  notificationDeliveries,
  notificationRules,
} from './notifications.tables.ts';
import {
  type AlertMessage,
  type ChannelTarget,
  describeSendError,
  type MailSettings,
  secretsOf,
  send,
} from './senders.ts';

/** What the worker needs: mail settings, links, escalation delay and retry limits. */
export type NotifySettings = {
  mail: MailSettings;
  publicUrl: () => string;
  escalationMinutes: number;
  maxAttempts: number;
};

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
/** Backoff between attempts: 30 s, 2 min, 10 min, 30 min, then hourly. */
const BACKOFF_S = [30, 120, 600, 1800, 3600];

type ChannelRow = typeof notificationChannels.$inferSelect;
const toChannel = (c: ChannelRow): Channel => ({
  id: c.id,
  kind: c.kind as Channel['kind'],
  name: c.name,
  facilityId: c.facilityId,
  target:
    c.kind === 'email'
      ? (c.config.to ?? []).join(', ')
      : c.kind === 'syslog'
        ? (c.config.url ?? '')
        : new URL(c.config.url ?? 'http://invalid').host,
  hasSecret: !!c.config.secret,
  hasCaPem: !!c.config.caPem,
  enabled: c.enabled,
  createdAt: c.createdAt.toISOString(),
});

/**
 * Creates a channel. Facility administrators may add e-mail channels for their facility; webhooks
 * (which make the server call out to a URL) and region-level channels are for region administrators.
 */
export async function createChannel(db: Db, actor: Actor, req: CreateChannelRequest): Promise<Channel> {
  const isRegion = actor.role === 'region_admin' || actor.role === 'system';
  if (!isRegion && (req.kind !== 'email' || req.facilityId === null)) {
    throw forbidden('Only region administrators can add webhooks or region-level channels');
  }
  return withScope(db, actor.scope, async (tx) => {
    if (req.facilityId) {
      const [f] = await tx.select({ id: facilities.id }).from(facilities).where(eq(facilities.id, req.facilityId));
      if (!f) throw notFound('Facility');
    }
    const [row] = await tx
      .insert(notificationChannels)
      .values({ kind: req.kind, name: req.name, facilityId: req.facilityId, config: req.config })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await appendAudit(tx, actor, {
      action: 'notification.channel_create',
      facilityId: row.facilityId,
      targetType: 'channel',
      targetId: row.id,
      details: { kind: row.kind, name: row.name },
    });
    return toChannel(row);
  });
}

/** Channels in the actor's scope. */
export async function listChannels(db: Db, actor: Actor): Promise<Channel[]> {
  const rows = await withScope(db, actor.scope, (tx) =>
    tx.select().from(notificationChannels).orderBy(asc(notificationChannels.name)).limit(1000),
  );
  return rows.map(toChannel);
}

/** Deletes a channel (and its rules and pending deliveries). */
export async function deleteChannel(db: Db, actor: Actor, id: string): Promise<void> {
  await withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.delete(notificationChannels).where(eq(notificationChannels.id, id)).returning();
    if (!row) throw notFound('Channel');
    await appendAudit(tx, actor, {
      action: 'notification.channel_delete',
      facilityId: row.facilityId,
      targetType: 'channel',
      targetId: id,
    });
  });
}

// Which config fields each kind of channel uses.
const CONFIG_FIELDS: Record<Channel['kind'], readonly string[]> = {
  email: ['to'],
  webhook: ['url', 'secret'],
  slack: ['url'],
  teams: ['url'],
  syslog: ['url', 'caPem'],
};

/**
 * Renames, enables/disables or re-targets a channel. Config fields left out keep their value (the
 * signing key is replaced only when a new one is sent, and never returned); the merged config is
 * checked as on create. Only region administrators may change where a webhook or syslog channel sends.
 */
export async function updateChannel(db: Db, actor: Actor, id: string, req: UpdateChannelRequest): Promise<Channel> {
  const isRegion = actor.role === 'region_admin' || actor.role === 'system';
  return withScope(db, actor.scope, async (tx) => {
    const [ch] = await tx.select().from(notificationChannels).where(eq(notificationChannels.id, id)).for('update');
    if (!ch) throw notFound('Channel');
    const kind = ch.kind as Channel['kind'];
    let config = ch.config;
    if (req.config) {
      if (!isRegion && kind !== 'email') {
        throw forbidden('Only region administrators can change where a webhook or syslog channel sends');
      }
      const unused = Object.keys(req.config).filter((k) => !CONFIG_FIELDS[kind].includes(k));
      if (unused.length) {
        throw invalid(
          `A ${kind} channel does not use ${unused.join(', ')}`,
          unused.map((k) => ({ path: `body.config.${k}`, message: 'not used by this kind of channel' })),
        );
      }
      const merged: Record<string, unknown> = { ...ch.config };
      for (const [k, v] of Object.entries(req.config)) {
        if (v === null) delete merged[k];
        else if (v !== undefined) merged[k] = v;
      }
      const parsed = CHANNEL_CONFIG_SCHEMAS[kind].safeParse(merged);
      if (!parsed.success) {
        throw invalid(
          'The channel settings are not valid',
          parsed.error.issues.map((i) => ({
            path: ['body', 'config', ...i.path.map(String)].join('.'),
            message: i.message,
          })),
        );
      }
      config = parsed.data;
    }
    const [row] = await tx
      .update(notificationChannels)
      .set({ name: req.name ?? ch.name, enabled: req.enabled ?? ch.enabled, config })
      .where(eq(notificationChannels.id, id))
      .returning();
    if (!row) throw notFound('Channel');
    await appendAudit(tx, actor, {
      action: 'notification.channel_update',
      facilityId: row.facilityId,
      targetType: 'channel',
      targetId: id,
      // Which fields changed, never their values (URLs and keys may be secret).
      details: {
        name: row.name,
        ...(req.name !== undefined && req.name !== ch.name ? { previousName: ch.name } : {}),
        ...(req.enabled !== undefined ? { enabled: req.enabled } : {}),
        ...(req.config ? { configFields: Object.keys(req.config) } : {}),
      },
    });
    return toChannel(row);
  });
}

type RuleRow = typeof notificationRules.$inferSelect;
const toRule = (row: RuleRow): Rule => ({
  id: row.id,
  channelId: row.channelId,
  facilityId: row.facilityId,
  minSeverity: row.minSeverity as Severity,
  sources: row.sources ?? null,
  enabled: row.enabled,
  createdAt: row.createdAt.toISOString(),
});

/** Adds a rule to a channel in the actor's scope. */
export async function createRule(db: Db, actor: Actor, req: CreateRuleRequest): Promise<Rule> {
  return withScope(db, actor.scope, async (tx) => {
    const [ch] = await tx.select().from(notificationChannels).where(eq(notificationChannels.id, req.channelId));
    if (!ch) throw notFound('Channel');
    if (ch.facilityId && req.facilityId && req.facilityId !== ch.facilityId) {
      throw invalid("A facility channel only receives its own facility's alerts", [
        { path: 'body.facilityId', message: 'must be the channel facility or null' },
      ]);
    }
    const [row] = await tx
      .insert(notificationRules)
      .values({
        channelId: ch.id,
        ownerFacilityId: ch.facilityId,
        facilityId: req.facilityId ?? ch.facilityId,
        minSeverity: req.minSeverity,
        sources: req.sources,
      })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await appendAudit(tx, actor, {
      action: 'notification.rule_create',
      facilityId: ch.facilityId,
      targetType: 'channel',
      targetId: ch.id,
      details: { minSeverity: req.minSeverity, sources: req.sources },
    });
    return toRule(row);
  });
}

/** Rules in the actor's scope. */
export async function listRules(db: Db, actor: Actor): Promise<Rule[]> {
  const rows = await withScope(db, actor.scope, (tx) =>
    tx.select().from(notificationRules).orderBy(asc(notificationRules.createdAt)).limit(1000),
  );
  return rows.map(toRule);
}

/** Changes a rule's threshold, modules, facility or whether it is on (same checks as on create). */
export async function updateRule(db: Db, actor: Actor, id: string, req: UpdateRuleRequest): Promise<Rule> {
  return withScope(db, actor.scope, async (tx) => {
    const [found] = await tx
      .select({ rule: notificationRules, channel: notificationChannels })
      .from(notificationRules)
      .innerJoin(notificationChannels, eq(notificationChannels.id, notificationRules.channelId))
      .where(eq(notificationRules.id, id));
    if (!found) throw notFound('Rule');
    const { channel } = found;
    let facilityId = found.rule.facilityId;
    if (req.facilityId !== undefined) {
      if (channel.facilityId && req.facilityId && req.facilityId !== channel.facilityId) {
        throw invalid("A facility channel only receives its own facility's alerts", [
          { path: 'body.facilityId', message: 'must be the channel facility or null' },
        ]);
      }
      if (req.facilityId) {
        const [f] = await tx.select({ id: facilities.id }).from(facilities).where(eq(facilities.id, req.facilityId));
        if (!f) throw invalid('No such facility', [{ path: 'body.facilityId', message: 'unknown facility' }]);
      }
      facilityId = req.facilityId ?? channel.facilityId;
    }
    const [row] = await tx
      .update(notificationRules)
      .set({
        facilityId,
        ...(req.minSeverity !== undefined ? { minSeverity: req.minSeverity } : {}),
        ...(req.sources !== undefined ? { sources: req.sources } : {}),
        ...(req.enabled !== undefined ? { enabled: req.enabled } : {}),
      })
      .where(eq(notificationRules.id, id))
      .returning();
    if (!row) throw notFound('Rule');
    await appendAudit(tx, actor, {
      action: 'notification.rule_update',
      facilityId: channel.facilityId,
      targetType: 'rule',
      targetId: id,
      details: { channelId: channel.id, channelName: channel.name, ...req },
    });
    return toRule(row);
  });
}

/** Deletes a rule; alerts stop going to its channel through it. */
export async function deleteRule(db: Db, actor: Actor, id: string): Promise<void> {
  await withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.delete(notificationRules).where(eq(notificationRules.id, id)).returning();
    if (!row) throw notFound('Rule');
    await appendAudit(tx, actor, {
      action: 'notification.rule_delete',
      facilityId: row.ownerFacilityId,
      targetType: 'rule',
      targetId: id,
      details: { channelId: row.channelId, minSeverity: row.minSeverity, sources: row.sources ?? null },
    });
  });
}

type DeliveryRow = typeof notificationDeliveries.$inferSelect;
const toDelivery = (d: DeliveryRow): Delivery => ({
  id: d.id,
  alertId: d.alertId,
  facilityId: d.facilityId,
  channelId: d.channelId,
  reason: d.reason as Delivery['reason'],
  status: d.status as Delivery['status'],
  attempts: d.attempts,
  lastError: d.lastError,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  createdAt: d.createdAt.toISOString(),
  sentAt: d.sentAt?.toISOString() ?? null,
});

/**
 * A delivery as the actor may see it: the error text of a delivery to a channel the actor cannot see
 * (a region-level channel, under row-level security) names that channel's address, so it is left out.
 */
const visibleDelivery = (d: DeliveryRow, channelVisible: boolean): Delivery => ({
  ...toDelivery(d),
  lastError: channelVisible ? d.lastError : null,
});

/** Deliveries of one alert (in the actor's scope), for the alert's detail page. */
export async function listDeliveries(db: Db, actor: Actor, alertId: string): Promise<Delivery[]> {
  const rows = await withScope(db, actor.scope, (tx) =>
    tx
      .select({ d: notificationDeliveries, channelId: notificationChannels.id })
      .from(notificationDeliveries)
      .leftJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
      .where(eq(notificationDeliveries.alertId, alertId))
      .orderBy(asc(notificationDeliveries.createdAt)),
  );
  return rows.map(({ d, channelId }) => visibleDelivery(d, channelId !== null));
}

const JST_OFFSET_MS = 9 * 3_600_000;
/** `YYYY-MM-DD` of the Japan-time day `at` falls in. */
const jstDay = (at: number) => new Date(at + JST_OFFSET_MS).toISOString().slice(0, 10);

/**
 * The delivery history across alerts in the actor's scope, newest first, with the alert and (when
 * visible) the channel beside each. A facility user sees its facility's deliveries; for those to a
 * region-level channel it cannot see, the channel and the error text (which names its address) are
 * left out. With `chartDays`, also the count per Japan-time day and state under the same filters.
 */
export async function listAllDeliveries(db: Db, actor: Actor, q: DeliveryListQuery): Promise<DeliveryListResponse> {
  return withScope(db, actor.scope, async (tx) => {
    const filters: SQL[] = [];
    if (q.channelId) filters.push(eq(notificationDeliveries.channelId, q.channelId));
    if (q.facilityId) filters.push(eq(notificationDeliveries.facilityId, q.facilityId));
    if (q.severity) filters.push(eq(alerts.severity, q.severity));
    if (q.since) filters.push(gte(notificationDeliveries.createdAt, new Date(q.since)));
    if (q.until) filters.push(lt(notificationDeliveries.createdAt, new Date(q.until)));
    const where = and(...filters, ...(q.status ? [eq(notificationDeliveries.status, q.status)] : []));
    const rows = await tx
      .select({
        d: notificationDeliveries,
        alert: {
          title: alerts.title,
          severity: alerts.severity,
          source: alerts.source,
          kind: alerts.kind,
          hostname: alerts.hostname,
          facilityId: alerts.facilityId,
        },
        channel: { name: notificationChannels.name, kind: notificationChannels.kind },
      })
      .from(notificationDeliveries)
      .leftJoin(alerts, eq(alerts.id, notificationDeliveries.alertId))
      .leftJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
      .where(where)
      .orderBy(desc(notificationDeliveries.createdAt), desc(notificationDeliveries.id))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx
      .select({ n: count() })
      .from(notificationDeliveries)
      .leftJoin(alerts, eq(alerts.id, notificationDeliveries.alertId))
      .where(where);
    const items = rows.map(({ d, alert, channel }) => ({
      ...visibleDelivery(d, channel !== null),
      alert: alert ? { ...alert, severity: alert.severity as Severity } : null,
      channel: channel ? { name: channel.name, kind: channel.kind as Channel['kind'] } : null,
    }));
    if (!q.chartDays) return { items, total: total?.n ?? 0 };

    const today = jstDay(Date.now());
    const start = Date.parse(`${today}T00:00:00Z`) - JST_OFFSET_MS - (q.chartDays - 1) * 86_400_000;
    const day = sql<string>`to_char(${notificationDeliveries.createdAt} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')`;
    const counts = await tx
      .select({ day, status: notificationDeliveries.status, n: count() })
      .from(notificationDeliveries)
      .leftJoin(alerts, eq(alerts.id, notificationDeliveries.alertId))
      .where(and(...filters, gte(notificationDeliveries.createdAt, new Date(start))))
      .groupBy(day, notificationDeliveries.status);
    const byDay: DeliveryDayCount[] = Array.from({ length: q.chartDays }, (_, i) => ({
      day: jstDay(start + i * 86_400_000),
      sent: 0,
      pending: 0,
      failed: 0,
    }));
    const index = new Map(byDay.map((b) => [b.day, b]));
    for (const c of counts) {
      const bucket = index.get(c.day);
      if (bucket && (c.status === 'sent' || c.status === 'pending' || c.status === 'failed')) bucket[c.status] += c.n;
    }
    return { items, total: total?.n ?? 0, byDay };
  });
}

/**
 * Makes one delivery due now (the console's "retry now"): a pending one skips its wait, a failed one
 * gets one more attempt. Scoped to the actor, who must see the channel; the worker sends it.
 */
export async function retryDelivery(db: Db, actor: Actor, id: string): Promise<Delivery> {
  return withScope(db, actor.scope, async (tx) => {
    const [found] = await tx
      .select({ d: notificationDeliveries, channelName: notificationChannels.name })
      .from(notificationDeliveries)
      .innerJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
      .where(eq(notificationDeliveries.id, id));
    if (!found) throw notFound('Delivery');
    const [row] = await tx
      .update(notificationDeliveries)
      .set({ status: 'pending', nextAttemptAt: new Date() })
      .where(and(eq(notificationDeliveries.id, id), ne(notificationDeliveries.status, 'sent')))
      .returning();
    if (!row) throw conflict('This notification has already been sent');
    await appendAudit(tx, actor, {
      action: 'notification.delivery_retry',
      facilityId: row.facilityId,
      targetType: 'delivery',
      targetId: id,
      details: {
        channelId: row.channelId,
        channelName: found.channelName,
        alertId: row.alertId,
        previousStatus: found.d.status,
      },
    });
    return toDelivery(row);
  });
}

/** The channel and the message of a delivery, or undefined when its alert or channel is gone. */
async function prepare(
  tx: Tx,
  d: DeliveryRow,
  publicUrl: string,
): Promise<{ target: ChannelTarget; message: AlertMessage } | undefined> {
  const [c] = await tx.select().from(notificationChannels).where(eq(notificationChannels.id, d.channelId));
  if (!c) return undefined;
  const target = { kind: c.kind, config: c.config };
  if (!d.alertId) {
    const [f] = c.facilityId
      ? await tx.select({ name: facilities.name }).from(facilities).where(eq(facilities.id, c.facilityId))
      : [];
    const message: AlertMessage = {
      alertId: d.id,
      severity: 'info',
      title: c.name,
      facilityName: f?.name ?? '地域全体',
      hostname: null,
      source: 'mamori',
      kind: 'test',
      firstSeenAt: d.createdAt,
      count: 1,
      url: `${publicUrl}/notifications?tab=deliveries`,
      reason: 'test',
    };
    return { target, message };
  }
  const [row] = await tx
    .select({ a: alerts, f: facilities })
    .from(alerts)
    .innerJoin(facilities, eq(facilities.id, alerts.facilityId))
    .where(eq(alerts.id, d.alertId));
  if (!row) return undefined;
  const message: AlertMessage = {
    alertId: row.a.id,
    severity: row.a.severity,
    title: row.a.title,
    facilityName: row.f.name,
    hostname: row.a.hostname,
    source: row.a.source,
    kind: row.a.kind,
    firstSeenAt: row.a.firstSeenAt,
    count: row.a.count,
    url: `${publicUrl}/alerts/${row.a.id}`,
    reason: d.reason as AlertMessage['reason'],
  };
  return { target, message };
}

/**
 * Sends a delivery once and records the attempt: sent, pending again after a backoff, or failed
 * when the limit is reached, its alert or channel is gone, or it is a test (tests are not retried).
 */
async function attempt(
  tx: Tx,
  d: DeliveryRow,
  s: Pick<NotifySettings, 'mail' | 'publicUrl' | 'maxAttempts'>,
): Promise<{ row: DeliveryRow; ok: boolean; detail: string }> {
  const prepared = await prepare(tx, d, s.publicUrl());
  const attempts = d.attempts + 1;
  let ok = false;
  let detail: string;
  if (!prepared) detail = 'alert or channel no longer exists';
  else {
    try {
      detail = await send(prepared.target, prepared.message, s.mail);
      ok = true;
    } catch (err) {
      detail = describeSendError(err, secretsOf(prepared.target, s.mail));
    }
  }
  const giveUp = !ok && (attempts >= s.maxAttempts || !prepared || d.reason === 'test');
  const wait = BACKOFF_S[Math.min(attempts - 1, BACKOFF_S.length - 1)] ?? 3600;
  const [row] = await tx
    .update(notificationDeliveries)
    .set({
      attempts,
      status: ok ? 'sent' : giveUp ? 'failed' : 'pending',
      sentAt: ok ? new Date() : null,
      lastError: ok ? null : detail,
      nextAttemptAt: new Date(Date.now() + wait * 1000),
    })
    .where(eq(notificationDeliveries.id, d.id))
    .returning();
  await tx.insert(notificationAttempts).values({ deliveryId: d.id, facilityId: d.facilityId, ok, detail });
  return { row: row ?? d, ok, detail };
}

/**
 * Sends a test notification through a channel now and waits for the answer. It is recorded as a
 * delivery (reason `test`, no alert) with its attempt like any other, and is not retried by itself.
 */
export async function testChannel(
  db: Db,
  actor: Actor,
  id: string,
  s: Pick<NotifySettings, 'mail' | 'publicUrl'>,
): Promise<ChannelTestResponse> {
  return withScope(db, actor.scope, async (tx) => {
    const [ch] = await tx.select().from(notificationChannels).where(eq(notificationChannels.id, id));
    if (!ch) throw notFound('Channel');
    // Not committed until the answer is in, so the worker never sees it half-done.
    const [d] = await tx
      .insert(notificationDeliveries)
      .values({ alertId: null, facilityId: ch.facilityId, channelId: ch.id, reason: 'test' })
      .returning();
    if (!d) throw new Error('insert returned nothing');
    const { row, ok, detail } = await attempt(tx, d, { ...s, maxAttempts: 1 });
    await appendAudit(tx, actor, {
      action: 'notification.channel_test',
      facilityId: ch.facilityId,
      targetType: 'channel',
      targetId: ch.id,
      outcome: ok ? 'success' : 'failure',
      details: { name: ch.name, kind: ch.kind, deliveryId: d.id },
    });
    return { status: ok ? 'sent' : 'failed', detail, delivery: toDelivery(row) };
  });
}

/**
 * Turns newly created alerts into deliveries by matching rules (system scope, so region-level
 * channels see every facility). Runs in one transaction per batch: each alert is matched once.
 */
export async function enqueueNewAlerts(db: Db): Promise<number> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const pending = await tx
      .select()
      .from(alerts)
      .where(eq(alerts.notifyPending, true))
      .orderBy(asc(alerts.createdAt))
      .limit(200)
      .for('update', { skipLocked: true });
    if (!pending.length) return 0;
    const rules = await tx
      .select({ rule: notificationRules, channel: notificationChannels })
      .from(notificationRules)
      .innerJoin(notificationChannels, eq(notificationChannels.id, notificationRules.channelId))
      .where(and(eq(notificationRules.enabled, true), eq(notificationChannels.enabled, true)));
    const rows: (typeof notificationDeliveries.$inferInsert)[] = [];
    for (const a of pending) {
      const channels = new Set<string>();
      for (const { rule, channel } of rules) {
        const facilityOk =
          (rule.facilityId === null || rule.facilityId === a.facilityId) &&
          (channel.facilityId === null || channel.facilityId === a.facilityId);
        const severityOk = RANK[a.severity as Severity] >= RANK[rule.minSeverity as Severity];
        const sourceOk = !rule.sources || rule.sources.includes(a.source);
        if (facilityOk && severityOk && sourceOk) channels.add(channel.id);
      }
      for (const channelId of channels)
        rows.push({ alertId: a.id, facilityId: a.facilityId, channelId, reason: 'alert' });
    }
    if (rows.length) await tx.insert(notificationDeliveries).values(rows);
    await tx
      .update(alerts)
      .set({ notifyPending: false })
      .where(
        inArray(
          alerts.id,
          pending.map((a) => a.id),
        ),
      );
    return rows.length;
  });
}

/**
 * Escalates critical alerts still unacknowledged after the delay to every region-level channel:
 * central monitoring for facilities that have nobody to answer.
 */
export async function escalateUnacknowledged(db: Db, escalationMinutes: number): Promise<number> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const cutoff = new Date(Date.now() - escalationMinutes * 60_000);
    const due = await tx
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.severity, 'critical'),
          eq(alerts.status, 'new'),
          isNull(alerts.escalatedAt),
          lte(alerts.firstSeenAt, cutoff),
        ),
      )
      .limit(200)
      .for('update', { skipLocked: true });
    if (!due.length) return 0;
    const soc = await tx
      .select()
      .from(notificationChannels)
      .where(and(isNull(notificationChannels.facilityId), eq(notificationChannels.enabled, true)));
    const rows = due.flatMap((a) =>
      soc.map((c) => ({ alertId: a.id, facilityId: a.facilityId, channelId: c.id, reason: 'escalation' })),
    );
    if (rows.length) await tx.insert(notificationDeliveries).values(rows);
    await tx
      .update(alerts)
      .set({ escalatedAt: new Date() })
      .where(
        inArray(
          alerts.id,
          due.map((a) => a.id),
        ),
      );
    return due.length;
  });
}

/**
 * Sends due deliveries, each in its own transaction with the row locked (SKIP LOCKED, so replicas
 * share the work), recording every attempt and backing off on failure. A slow or broken channel
 * only delays its own deliveries; alert ingestion never waits for it.
 */
export async function sendDue(db: Db, s: NotifySettings, limit = 20): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const done = await withScope(db, SYSTEM_SCOPE, async (tx) => {
      const [d] = await tx
        .select()
        .from(notificationDeliveries)
        .where(and(eq(notificationDeliveries.status, 'pending'), lte(notificationDeliveries.nextAttemptAt, new Date())))
        .orderBy(asc(notificationDeliveries.nextAttemptAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!d) return undefined;
      return (await attempt(tx, d, s)).ok;
    });
    if (done === undefined) break;
    if (done) sent++;
    else failed++;
  }
  return { sent, failed };
}

/**
 * Makes every pending delivery of every facility due now (system scope: for tests and operators'
 * scripts). The console's "retry now" is retryDelivery, which is scoped to the user.
 */
export async function retryNow(db: Db): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, (tx) =>
    tx
      .update(notificationDeliveries)
      .set({ nextAttemptAt: new Date() })
      .where(eq(notificationDeliveries.status, 'pending')),
  );
}

/** One pass of the notification worker. */
export async function runNotificationPass(db: Db, s: NotifySettings) {
  const enqueued = await enqueueNewAlerts(db);
  const escalated = await escalateUnacknowledged(db, s.escalationMinutes);
  const delivered = await sendDue(db, s);
  return { enqueued, escalated, ...delivered };
}
