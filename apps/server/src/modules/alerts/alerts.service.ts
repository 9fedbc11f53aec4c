import type { Alert, AlertDetail, AlertListQuery, Severity, UpdateAlertRequest } from '@mamori/contracts';
import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { conflict, invalid, notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { users } from '../users/users.tables.ts';
import { ALERT_CHANNEL, announceAlertChange } from './alerts.live.ts';
import { alerts, alertTimeline } from './alerts.tables.ts';

const OPEN = ['new', 'acknowledged', 'investigating'] as const;
const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** What a module reports; occurrences with the same dedup key fold into one open alert. */
export type AlertInput = {
  facilityId: string;
  agentId?: string | null;
  hostname?: string | null;
  source: string;
  kind: string;
  severity: Severity;
  title: string;
  details?: Record<string, unknown>;
  dedupKey: string;
  occurredAt: Date;
  /** How many occurrences this input stands for (a batch may fold several). */
  occurrences?: number;
  /** Id to give the alert if this input creates one (for callers that link rows to it first). */
  newId?: string;
};

type Row = typeof alerts.$inferSelect;

/** Shapes a row for the API. */
export const toAlert = (r: Row): Alert => ({
  id: r.id,
  facilityId: r.facilityId,
  agentId: r.agentId,
  hostname: r.hostname,
  source: r.source,
  kind: r.kind,
  severity: r.severity as Severity,
  title: r.title,
  details: r.details,
  status: r.status as Alert['status'],
  assigneeId: r.assigneeId,
  count: r.count,
  firstSeenAt: r.firstSeenAt.toISOString(),
  lastSeenAt: r.lastSeenAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * Raises or folds an alert in the caller's (facility-scoped) transaction: a new open alert, or the
 * open alert with the same dedup key gets its counter, last-seen time and (if higher) severity
 * raised. Returns the alert id and whether it is new.
 */
export async function raiseAlert(tx: Tx, input: AlertInput): Promise<{ id: string; created: boolean }> {
  const [row] = await raiseAlerts(tx, [input]);
  if (!row) throw new Error('alert upsert returned nothing');
  return row;
}

/**
 * `raiseAlert` for many inputs in one statement (one round trip): the upsert, the "occurred"
 * timeline entry of each new alert and the live-console announcement (pg_notify, sent at commit)
 * all happen inside it. Inputs must have distinct (facility, dedup key) pairs; results are in
 * input order. Rows are written in (facility, dedup key) order so that concurrent batches with
 * overlapping keys cannot deadlock.
 */
export async function raiseAlerts(tx: Tx, inputs: AlertInput[]): Promise<{ id: string; created: boolean }[]> {
  if (!inputs.length) return [];
  const keyOf = (i: { facilityId: string; dedupKey: string }) => `${i.facilityId}\u0000${i.dedupKey}`;
  const sorted = [...inputs].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  for (let k = 1; k < sorted.length; k++) {
    if (keyOf(sorted[k] as AlertInput) === keyOf(sorted[k - 1] as AlertInput))
      throw new Error('raiseAlerts: the same dedup key twice in one call');
  }
  const col = <T>(f: (i: AlertInput) => T) => sql.param(sorted.map(f));
  const open = sql.raw(`status in (${OPEN.map((s) => `'${s}'`).join(', ')})`);
  const res = await tx.execute<{ id: string; facility_id: string; dedup_key: string; created: boolean }>(sql`
    with input as (
      select * from unnest(
        ${col((i) => i.newId ?? null)}::uuid[], ${col((i) => i.facilityId)}::uuid[], ${col((i) => i.agentId ?? null)}::uuid[],
        ${col((i) => i.hostname ?? null)}::text[], ${col((i) => i.source)}::text[], ${col((i) => i.kind)}::text[],
        ${col((i) => i.severity)}::text[], ${col((i) => i.title)}::text[],
        ${col((i) => JSON.stringify(i.details ?? {}))}::jsonb[], ${col((i) => i.dedupKey)}::text[],
        ${col((i) => i.occurrences ?? 1)}::int[], ${col((i) => i.occurredAt.toISOString())}::timestamptz[]
      ) with ordinality as u(new_id, facility_id, agent_id, hostname, source, kind, severity, title, details,
                             dedup_key, n, occurred_at, ord)
    ),
    up as (
      insert into alerts as a (id, facility_id, agent_id, hostname, source, kind, severity, title, details,
                               dedup_key, count, first_seen_at, last_seen_at)
      select coalesce(new_id, gen_random_uuid()), facility_id, agent_id, hostname, source, kind, severity, title,
             details, dedup_key, n, occurred_at, occurred_at
      from input order by ord
      on conflict (facility_id, dedup_key) where ${open} do update set
        count = a.count + excluded.count,
        last_seen_at = greatest(a.last_seen_at, excluded.last_seen_at),
        first_seen_at = least(a.first_seen_at, excluded.first_seen_at),
        severity = case when ${severityRankSql(sql`excluded.severity`)} > ${severityRankSql(sql`a.severity`)}
                        then excluded.severity else a.severity end,
        -- Title, kind and details always describe one event: the latest of the most severe.
        title = case when ${severityRankSql(sql`excluded.severity`)} >= ${severityRankSql(sql`a.severity`)}
                     then excluded.title else a.title end,
        kind = case when ${severityRankSql(sql`excluded.severity`)} >= ${severityRankSql(sql`a.severity`)}
                    then excluded.kind else a.kind end,
        details = case when ${severityRankSql(sql`excluded.severity`)} >= ${severityRankSql(sql`a.severity`)}
                       then excluded.details else a.details end,
        updated_at = now()
      returning a.id, a.facility_id, a.dedup_key, (a.xmax = 0) as created
    ),
    timeline as (
      insert into alert_timeline (alert_id, facility_id, at, type, body)
      select up.id, up.facility_id, i.occurred_at, 'occurred', i.title
      from up join input i on i.facility_id = up.facility_id and i.dedup_key = up.dedup_key
      where up.created
    )
    select up.id, up.facility_id, up.dedup_key, up.created,
           pg_notify(${ALERT_CHANNEL}, json_build_object('alertId', up.id, 'facilityId', up.facility_id,
                     'change', case when up.created then 'created' else 'updated' end)::text)
    from up`);
  const byKey = new Map(res.rows.map((r) => [keyOf({ facilityId: r.facility_id, dedupKey: r.dedup_key }), r]));
  return inputs.map((i) => {
    const r = byKey.get(keyOf(i));
    if (!r) throw new Error('alert upsert returned nothing');
    return { id: r.id, created: r.created };
  });
}

function severityRankSql(col: SQL | typeof alerts.severity): SQL {
  const cases = Object.entries(SEVERITY_RANK).map(([k, v]) => sql`when ${k} then ${sql.raw(String(v))}`);
  return sql`(case ${col} ${sql.join(cases, sql` `)} else 0 end)`;
}

/** Lists alerts in the actor's scope, newest activity first. */
export async function listAlerts(db: Db, actor: Actor, q: AlertListQuery) {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.facilityId) parts.push(eq(alerts.facilityId, q.facilityId));
    if (q.status) parts.push(eq(alerts.status, q.status));
    if (q.severity) parts.push(eq(alerts.severity, q.severity));
    if (q.source) parts.push(eq(alerts.source, q.source));
    if (q.open === 'true') parts.push(inArray(alerts.status, [...OPEN]));
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx
      .select()
      .from(alerts)
      .where(where)
      .orderBy(desc(alerts.lastSeenAt), desc(alerts.id))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(alerts).where(where);
    return { items: rows.map(toAlert), total: total?.n ?? 0 };
  });
}

/**
 * Every alert in the actor's scope changed since `since`, oldest change first, in pages: the JSON
 * lines export a SIEM pulls (each line one alert, ECS-like field names kept flat and stable).
 */
export async function* iterateAlertsForExport(db: Db, actor: Actor, since: Date) {
  let cursor = { at: since, id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const rows = await withScope(db, actor.scope, (tx) =>
      tx
        .select()
        .from(alerts)
        .where(sql`(${alerts.updatedAt}, ${alerts.id}) > (${cursor.at}, ${cursor.id}::uuid)`)
        .orderBy(asc(alerts.updatedAt), asc(alerts.id))
        .limit(1000),
    );
    for (const r of rows) yield toAlert(r);
    const last = rows.at(-1);
    if (!last || rows.length < 1000) return;
    cursor = { at: last.updatedAt, id: last.id };
  }
}

/** One alert with its timeline. */
export async function getAlert(db: Db, actor: Actor, id: string): Promise<AlertDetail> {
  return withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.select().from(alerts).where(eq(alerts.id, id));
    if (!row) throw notFound('Alert');
    const timeline = await tx
      .select()
      .from(alertTimeline)
      .where(eq(alertTimeline.alertId, id))
      .orderBy(asc(alertTimeline.id))
      .limit(1000);
    return {
      ...toAlert(row),
      timeline: timeline.map((t) => ({
        at: t.at.toISOString(),
        type: t.type as 'occurred' | 'status' | 'assigned' | 'comment',
        actorEmail: t.actorEmail,
        body: t.body,
      })),
    };
  });
}

/** Triage: status and assignee changes, each on the timeline and in the audit log. */
export async function updateAlert(db: Db, actor: Actor, id: string, req: UpdateAlertRequest): Promise<AlertDetail> {
  await withScope(db, actor.scope, async (tx) => {
    const [before] = await tx.select().from(alerts).where(eq(alerts.id, id)).for('update');
    if (!before) throw notFound('Alert');
    if (req.assigneeId) {
      const [assignee] = await tx.select({ id: users.id }).from(users).where(eq(users.id, req.assigneeId));
      if (!assignee)
        throw invalid('Unknown assignee', [{ path: 'body.assigneeId', message: 'no such user in your scope' }]);
    }
    const reopening =
      req.status &&
      OPEN.includes(req.status as (typeof OPEN)[number]) &&
      !OPEN.includes(before.status as (typeof OPEN)[number]);
    if (reopening) {
      const [other] = await tx
        .select({ id: alerts.id })
        .from(alerts)
        .where(
          and(
            eq(alerts.facilityId, before.facilityId),
            eq(alerts.dedupKey, before.dedupKey),
            inArray(alerts.status, [...OPEN]),
          ),
        );
      if (other)
        throw conflict('A newer open alert for the same problem exists; continue there instead of reopening this one');
    }
    await tx
      .update(alerts)
      .set({ status: req.status, assigneeId: req.assigneeId, updatedAt: new Date() })
      .where(eq(alerts.id, id));
    const entries: { type: string; body: string }[] = [];
    if (req.status && req.status !== before.status)
      entries.push({ type: 'status', body: `${before.status} → ${req.status}` });
    if (req.assigneeId !== undefined && req.assigneeId !== before.assigneeId)
      entries.push({ type: 'assigned', body: req.assigneeId ?? '' });
    if (entries.length) {
      await tx
        .insert(alertTimeline)
        .values(entries.map((e) => ({ ...e, alertId: id, facilityId: before.facilityId, actorEmail: actor.email })));
    }
    await announceAlertChange(tx, { alertId: id, facilityId: before.facilityId, change: 'updated' });
    await appendAudit(tx, actor, {
      action: 'alert.update',
      facilityId: before.facilityId,
      targetType: 'alert',
      targetId: id,
      details: { from: { status: before.status, assigneeId: before.assigneeId }, to: req },
    });
  });
  return getAlert(db, actor, id);
}

/** Adds a comment to an alert's timeline. */
export async function commentAlert(db: Db, actor: Actor, id: string, body: string): Promise<AlertDetail> {
  await withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.select({ facilityId: alerts.facilityId }).from(alerts).where(eq(alerts.id, id));
    if (!row) throw notFound('Alert');
    await tx
      .insert(alertTimeline)
      .values({ alertId: id, facilityId: row.facilityId, type: 'comment', actorEmail: actor.email, body });
    await appendAudit(tx, actor, {
      action: 'alert.comment',
      facilityId: row.facilityId,
      targetType: 'alert',
      targetId: id,
    });
  });
  return getAlert(db, actor, id);
}
