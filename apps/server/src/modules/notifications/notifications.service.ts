import type { Channel, CreateChannelRequest, CreateRuleRequest, Delivery, Rule, Severity } from '@mamori/contracts';
import { and, asc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { forbidden, invalid, notFound } from '../../lib/errors.ts';
import { alerts } from '../alerts/alerts.tables.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { facilities } from '../facilities/facilities.tables.ts';
import {
  notificationAttempts,
  notificationChannels,
  notificationDeliveries,
  notificationRules,
} from './notifications.tables.ts';
import { type AlertMessage, type MailSettings, send } from './senders.ts';

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
    return {
      id: row.id,
      channelId: row.channelId,
      facilityId: row.facilityId,
      minSeverity: row.minSeverity as Severity,
      sources: row.sources ?? null,
      enabled: row.enabled,
      createdAt: row.createdAt.toISOString(),
    };
  });
}

/** Rules in the actor's scope. */
export async function listRules(db: Db, actor: Actor): Promise<Rule[]> {
  const rows = await withScope(db, actor.scope, (tx) =>
    tx.select().from(notificationRules).orderBy(asc(notificationRules.createdAt)).limit(1000),
  );
  return rows.map((row) => ({
    id: row.id,
    channelId: row.channelId,
    facilityId: row.facilityId,
    minSeverity: row.minSeverity as Severity,
    sources: row.sources ?? null,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
  }));
}

/** Deliveries of one alert (in the actor's scope), for the alert's detail page. */
export async function listDeliveries(db: Db, actor: Actor, alertId: string): Promise<Delivery[]> {
  const rows = await withScope(db, actor.scope, (tx) =>
    tx
      .select()
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.alertId, alertId))
      .orderBy(asc(notificationDeliveries.createdAt)),
  );
  return rows.map((d) => ({
    id: d.id,
    alertId: d.alertId,
    channelId: d.channelId,
    reason: d.reason as Delivery['reason'],
    status: d.status as Delivery['status'],
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    sentAt: d.sentAt?.toISOString() ?? null,
  }));
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
      const [row] = await tx
        .select({ a: alerts, c: notificationChannels, f: facilities })
        .from(alerts)
        .innerJoin(notificationChannels, eq(notificationChannels.id, d.channelId))
        .innerJoin(facilities, eq(facilities.id, alerts.facilityId))
        .where(eq(alerts.id, d.alertId));
      const attempts = d.attempts + 1;
      let ok = false;
      let detail: string;
      if (!row) detail = 'alert or channel no longer exists';
      else {
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
          url: `${s.publicUrl()}/alerts/${row.a.id}`,
          reason: d.reason as AlertMessage['reason'],
        };
        try {
          detail = await send({ kind: row.c.kind, config: row.c.config }, message, s.mail);
          ok = true;
        } catch (err) {
          detail = (err as Error).message.slice(0, 500);
        }
      }
      const giveUp = !ok && (attempts >= s.maxAttempts || !row);
      const wait = BACKOFF_S[Math.min(attempts - 1, BACKOFF_S.length - 1)] ?? 3600;
      await tx
        .update(notificationDeliveries)
        .set({
          attempts,
          status: ok ? 'sent' : giveUp ? 'failed' : 'pending',
          sentAt: ok ? new Date() : null,
          lastError: ok ? null : detail,
          nextAttemptAt: new Date(Date.now() + wait * 1000),
        })
        .where(eq(notificationDeliveries.id, d.id));
      await tx.insert(notificationAttempts).values({ deliveryId: d.id, facilityId: d.facilityId, ok, detail });
      return ok;
    });
    if (done === undefined) break;
    if (done) sent++;
    else failed++;
  }
  return { sent, failed };
}

/** Makes every pending delivery due now (the console's "retry now", and tests). */
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
