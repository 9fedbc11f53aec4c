import { randomBytes } from 'node:crypto';
import {
  type AgentEvent,
  type AgentSensorPolicy,
  DEFAULT_SENSOR_PERSONAS,
  type PersonaKind,
  type Sensor,
  type SensorConfigInput,
  SensorConfigInputSchema,
  type SensorEventDetails,
  SensorEventDetailsSchema,
  type SensorSession,
  type SensorSessionDetail,
  type SensorSource,
  type SensorStatusReport,
  SessionStageSchema,
  STAGE_SEVERITY,
} from '@mamori/contracts';
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { invalid, notFound } from '../../lib/errors.ts';
import type { AgentIdentity, AgentSettings } from '../agents/agents.service.ts';
import { agents } from '../agents/agents.tables.ts';
import { raiseAlerts } from '../alerts/alerts.service.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { sensorConfigs, sensorInteractions, sensorSessions } from './sensors.tables.ts';

const STAGES = SessionStageSchema.options;
const stageRank = (s: (typeof STAGES)[number]) => STAGES.indexOf(s);
const stageOfRank = (r: number) => STAGES[Math.max(0, Math.min(STAGES.length - 1, r))] as (typeof STAGES)[number];

/** Hours a source is remembered for regional correlation. */
export const REGIONAL_WINDOW_HOURS = 24;

/** A new sensor's configuration: every persona on its usual port, on all addresses. */
export const defaultSensorConfig = (): SensorConfigInput =>
  SensorConfigInputSchema.parse({ bind: '0.0.0.0', personas: DEFAULT_SENSOR_PERSONAS });

/**
 * The `sensor` section of a heartbeat's policy: the sensor's configuration, created with the
 * defaults on its first heartbeat. Facility agents get none. Runs in the heartbeat's transaction.
 */
export async function agentSensorPolicy(
  tx: Tx,
  agent: AgentIdentity,
  product: string,
): Promise<AgentSensorPolicy | null> {
  if (product !== 'sensor') return null;
  let [row] = await tx.select().from(sensorConfigs).where(eq(sensorConfigs.agentId, agent.id));
  if (!row) {
    [row] = await tx
      .insert(sensorConfigs)
      .values({
        agentId: agent.id,
        facilityId: agent.facilityId,
        config: defaultSensorConfig(),
        seed: randomBytes(16).toString('hex'),
      })
      .onConflictDoNothing()
      .returning();
    row ??= (await tx.select().from(sensorConfigs).where(eq(sensorConfigs.agentId, agent.id)))[0];
  }
  if (!row) return null;
  return { ...SensorConfigInputSchema.parse(row.config), seed: row.seed, revision: row.revision };
}

/** Stores what a sensor says about its listeners. */
export async function reportSensorStatus(db: Db, agent: AgentIdentity, report: SensorStatusReport): Promise<void> {
  await withScope(db, { kind: 'facilities', ids: [agent.facilityId] }, async (tx) => {
    await tx
      .update(sensorConfigs)
      .set({ reported: report, reportedAt: new Date() })
      .where(eq(sensorConfigs.agentId, agent.id));
  });
}

type Parsed = { e: AgentEvent; d: SensorEventDetails; alertId: string | undefined };

/**
 * Keeps the interactions of fresh `sensor` events and folds them into their sessions. Called by
 * the agent ingestion in its transaction (the ledger makes each event arrive here once). Returns
 * the sources that opened new sessions, for regional correlation after the commit.
 */
export async function recordSensorEvents(
  tx: Tx,
  agent: AgentIdentity,
  events: readonly AgentEvent[],
  alertIdOf: (eventId: string) => string | undefined,
): Promise<string[]> {
  const mine: Parsed[] = [];
  for (const e of events) {
    if (e.source !== 'sensor') continue;
    const d = SensorEventDetailsSchema.safeParse(e.details);
    if (d.success) mine.push({ e, d: d.data, alertId: alertIdOf(e.id) });
  }
  if (!mine.length) return [];
  mine.sort((a, b) => (a.e.occurredAt < b.e.occurredAt ? -1 : a.e.occurredAt > b.e.occurredAt ? 1 : 0));

  const col = <T>(f: (p: Parsed) => T) => sql.param(mine.map(f));
  await tx.execute(sql`
    insert into sensor_interactions (event_id, session_id, facility_id, agent_id, at, interaction, persona, src_ip,
                                     username, password, success, command, url, summary, info)
    select u.event_id, u.session_id, ${agent.facilityId}::uuid, ${agent.id}::uuid, u.at, u.interaction, u.persona,
           u.src_ip, u.username, u.password, u.success, u.command, u.url, u.summary, u.info
    from unnest(
      ${col((p) => p.e.id)}::uuid[], ${col((p) => p.d.sessionId)}::uuid[], ${col((p) => p.e.occurredAt)}::timestamptz[],
      ${col((p) => p.d.interaction)}::text[], ${col((p) => p.d.persona)}::text[], ${col((p) => p.d.srcIp)}::text[],
      ${col((p) => p.d.username ?? null)}::text[], ${col((p) => p.d.password ?? null)}::text[],
      ${col((p) => p.d.success ?? null)}::boolean[], ${col((p) => p.d.command ?? null)}::text[],
      ${col((p) => p.d.url ?? null)}::text[], ${col((p) => p.d.summary ?? null)}::text[],
      ${col((p) => JSON.stringify({ ...(p.d.info ?? {}), ...(p.d.ports ? { ports: p.d.ports } : {}) }))}::jsonb[]
    ) as u(event_id, session_id, at, interaction, persona, src_ip, username, password, success, command, url, summary, info)
    on conflict (event_id) do nothing`);

  // One summary row per session in this batch.
  type Agg = {
    d: SensorEventDetails;
    first: string;
    last: string;
    ended: string | null;
    rank: number;
    logins: number;
    commands: number;
    users: Set<string>;
    bytesIn: number;
    bytesOut: number;
    alertId: string | null;
  };
  const sessions = new Map<string, Agg>();
  for (const { e, d, alertId } of mine) {
    let s = sessions.get(d.sessionId);
    if (!s) {
      s = {
        d,
        first: e.occurredAt,
        last: e.occurredAt,
        ended: null,
        rank: 0,
        logins: 0,
        commands: 0,
        users: new Set(),
        bytesIn: 0,
        bytesOut: 0,
        alertId: alertId ?? null,
      };
      sessions.set(d.sessionId, s);
    }
    s.last = e.occurredAt;
    s.rank = Math.max(s.rank, stageRank(d.stage));
    if (d.interaction === 'login') s.logins += 1;
    if (d.interaction === 'command') s.commands += 1;
    if (d.interaction === 'disconnect') s.ended = e.occurredAt;
    if (d.username && s.users.size < 20) s.users.add(d.username);
    s.bytesIn = Math.max(s.bytesIn, d.bytesIn ?? 0);
    s.bytesOut = Math.max(s.bytesOut, d.bytesOut ?? 0);
    s.alertId = alertId ?? s.alertId;
  }
  const rows = [...sessions].sort(([a], [b]) => (a < b ? -1 : 1)); // stable lock order
  const sc = <T>(f: (id: string, s: Agg) => T) => sql.param(rows.map(([id, s]) => f(id, s)));
  const inserted = await tx.execute<{ src_ip: string; inserted: boolean }>(sql`
    insert into sensor_sessions as t (id, facility_id, agent_id, persona, src_ip, src_port, dst_port, stage_rank,
                                      started_at, last_at, ended_at, logins, commands, usernames, bytes_in, bytes_out, alert_id)
    select u.id, ${agent.facilityId}::uuid, ${agent.id}::uuid, u.persona, u.src_ip, u.src_port, u.dst_port, u.stage_rank,
           u.started_at, u.last_at, u.ended_at, u.logins, u.commands, u.usernames, u.bytes_in, u.bytes_out, u.alert_id
    from unnest(
      ${sc((id) => id)}::uuid[], ${sc((_, s) => s.d.persona)}::text[], ${sc((_, s) => s.d.srcIp)}::text[],
      ${sc((_, s) => s.d.srcPort)}::int[], ${sc((_, s) => s.d.dstPort)}::int[], ${sc((_, s) => s.rank)}::int[],
      ${sc((_, s) => s.first)}::timestamptz[], ${sc((_, s) => s.last)}::timestamptz[], ${sc((_, s) => s.ended)}::timestamptz[],
      ${sc((_, s) => s.logins)}::int[], ${sc((_, s) => s.commands)}::int[],
      ${sc((_, s) => JSON.stringify([...s.users]))}::jsonb[], ${sc((_, s) => s.bytesIn)}::bigint[],
      ${sc((_, s) => s.bytesOut)}::bigint[], ${sc((_, s) => s.alertId)}::uuid[]
    ) as u(id, persona, src_ip, src_port, dst_port, stage_rank, started_at, last_at, ended_at, logins, commands,
           usernames, bytes_in, bytes_out, alert_id)
    on conflict (id) do update set
      stage_rank = greatest(t.stage_rank, excluded.stage_rank),
      started_at = least(t.started_at, excluded.started_at),
      last_at = greatest(t.last_at, excluded.last_at),
      ended_at = coalesce(excluded.ended_at, t.ended_at),
      logins = t.logins + excluded.logins,
      commands = t.commands + excluded.commands,
      usernames = (select coalesce(jsonb_agg(v), '[]'::jsonb) from (
                     select distinct v from jsonb_array_elements_text(t.usernames || excluded.usernames) as v limit 20) x),
      bytes_in = greatest(t.bytes_in, excluded.bytes_in),
      bytes_out = greatest(t.bytes_out, excluded.bytes_out),
      alert_id = coalesce(excluded.alert_id, t.alert_id)
    where t.agent_id = excluded.agent_id
    returning t.src_ip, (xmax = 0) as inserted`);
  return [...new Set(inserted.rows.filter((r) => r.inserted).map((r) => r.src_ip))];
}

/**
 * Regional correlation: a source seen by sensors of two or more facilities within the window
 * raises a "regional" alert in each of those facilities (one per source and facility, folding
 * later sessions). Facility users see how many facilities were hit, never which; the regional SOC
 * sees every facility's alert and the sources map. Runs after the ingest commit, across
 * facilities (system scope).
 */
export async function correlateSources(db: Db, srcIps: readonly string[]): Promise<number> {
  if (!srcIps.length) return 0;
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const hits = await tx.execute<{
      src_ip: string;
      facility_id: string;
      n: number;
      sessions: number;
      last_at: string;
    }>(sql`
      with seen as (
        select src_ip, facility_id, count(*)::int as sessions, max(last_at) as last_at
        from sensor_sessions
        where src_ip = any(${sql.param([...srcIps])}::text[])
          and last_at > now() - make_interval(hours => ${REGIONAL_WINDOW_HOURS})
        group by src_ip, facility_id
      )
      select s.src_ip, s.facility_id, s.sessions, s.last_at, count(*) over (partition by s.src_ip)::int as n
      from seen s order by s.src_ip, s.facility_id`);
    const inputs = hits.rows
      .filter((r) => r.n >= 2)
      .map((r) => ({
        facilityId: r.facility_id,
        source: 'sensor',
        kind: 'sensor.regional',
        severity: 'high' as const,
        title: `同じ攻撃元 ${r.src_ip} が地域の ${r.n} 施設のおとりサーバに接続しています`,
        details: { srcIp: r.src_ip, facilities: r.n, sessionsHere: r.sessions, windowHours: REGIONAL_WINDOW_HOURS },
        dedupKey: `sensor:regional:${r.src_ip}`,
        occurredAt: new Date(r.last_at),
      }));
    if (inputs.length) await raiseAlerts(tx, inputs);
    await publishSources(inputs.map((i) => i.details.srcIp));
    return new Set(inputs.map((i) => i.details.srcIp)).size;
  });
}

/**
 * Extension point for the information-sharing portal (issue 6): attacker addresses seen across the
 * region will be offered to its blocklist here. Until that module exists nothing is published.
 */
export type SourcePublisher = (srcIps: readonly string[]) => Promise<void>;
let publisher: SourcePublisher | undefined;
export const setSourcePublisher = (p: SourcePublisher | undefined) => {
  publisher = p;
};
async function publishSources(srcIps: readonly string[]): Promise<void> {
  if (publisher && srcIps.length) await publisher([...new Set(srcIps)]);
}

/* ---------- console ---------- */

const sensorStatus = (
  a: { revokedAt: Date | null; lastSeenAt: Date | null },
  offlineAfterSeconds: number,
): Sensor['status'] =>
  a.revokedAt
    ? 'revoked'
    : a.lastSeenAt && Date.now() - a.lastSeenAt.getTime() < offlineAfterSeconds * 1000
      ? 'online'
      : 'offline';

/** Sensors in the actor's scope with their configuration and the last 24 hours' activity. */
export async function listSensors(
  db: Db,
  actor: Actor,
  settings: AgentSettings,
  q: { limit: number; offset: number; facilityId?: string },
): Promise<{ items: Sensor[]; total: number }> {
  return withScope(db, actor.scope, async (tx) => {
    const where = and(eq(agents.product, 'sensor'), q.facilityId ? eq(agents.facilityId, q.facilityId) : undefined);
    const rows = await tx
      .select({ a: agents, c: sensorConfigs })
      .from(agents)
      .leftJoin(sensorConfigs, eq(sensorConfigs.agentId, agents.id))
      .where(where)
      .orderBy(agents.hostname, agents.id)
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: sql<number>`count(*)::int` }).from(agents).where(where);
    const ids = rows.map((r) => r.a.id);
    const activity = ids.length
      ? await tx.execute<{ agent_id: string; sessions: number; sources: number }>(sql`
          select agent_id, count(*)::int as sessions, count(distinct src_ip)::int as sources
          from sensor_sessions
          where agent_id = any(${sql.param(ids)}::uuid[]) and last_at > now() - interval '24 hours'
          group by agent_id`)
      : { rows: [] };
    const act = new Map(activity.rows.map((r) => [r.agent_id, r]));
    return {
      items: rows.map(({ a, c }) => ({
        agentId: a.id,
        facilityId: a.facilityId,
        hostname: a.hostname,
        status: sensorStatus(a, settings.offlineAfterSeconds),
        lastSeenAt: a.lastSeenAt?.toISOString() ?? null,
        config: c ? SensorConfigInputSchema.parse(c.config) : defaultSensorConfig(),
        revision: c?.revision ?? 0,
        problems: c?.reported?.revision === c?.revision ? (c?.reported?.problems ?? []) : [],
        sessions24h: act.get(a.id)?.sessions ?? 0,
        sources24h: act.get(a.id)?.sources ?? 0,
      })),
      total: total?.n ?? 0,
    };
  });
}

/** Replaces a sensor's configuration; the sensor applies it on its next heartbeat. */
export async function updateSensorConfig(
  db: Db,
  actor: Actor,
  settings: AgentSettings,
  agentId: string,
  config: SensorConfigInput,
): Promise<Sensor> {
  await withScope(db, actor.scope, async (tx) => {
    const [a] = await tx.select().from(agents).where(eq(agents.id, agentId));
    if (a?.product !== 'sensor') throw notFound('Sensor');
    if (a.revokedAt) throw invalid('This sensor has been revoked; enrol it again to configure it');
    const [row] = await tx
      .insert(sensorConfigs)
      .values({
        agentId,
        facilityId: a.facilityId,
        config,
        seed: randomBytes(16).toString('hex'),
        updatedBy: actor.email,
      })
      .onConflictDoUpdate({
        target: sensorConfigs.agentId,
        set: { config, revision: sql`${sensorConfigs.revision} + 1`, updatedBy: actor.email, updatedAt: new Date() },
      })
      .returning();
    await appendAudit(tx, actor, {
      action: 'sensor.configure',
      facilityId: a.facilityId,
      targetType: 'agent',
      targetId: agentId,
      details: {
        hostname: a.hostname,
        revision: row?.revision,
        personas: config.personas.filter((p) => p.enabled).map((p) => `${p.kind}:${p.port}`),
      },
    });
  });
  const { items } = await listSensors(db, actor, settings, { limit: 500, offset: 0 });
  const sensor = items.find((s) => s.agentId === agentId);
  if (!sensor) throw notFound('Sensor');
  return sensor;
}

type SessionRow = typeof sensorSessions.$inferSelect;
const toSession = (r: SessionRow, hostname: string): SensorSession => {
  const stage = stageOfRank(r.stageRank);
  return {
    id: r.id,
    facilityId: r.facilityId,
    agentId: r.agentId,
    hostname,
    persona: r.persona as PersonaKind,
    srcIp: r.srcIp,
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    stage,
    severity: STAGE_SEVERITY[stage],
    startedAt: r.startedAt.toISOString(),
    lastAt: r.lastAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    logins: r.logins,
    commands: r.commands,
    usernames: r.usernames,
    alertId: r.alertId,
  };
};

/** Attacker sessions, newest first. */
export async function listSessions(
  db: Db,
  actor: Actor,
  q: {
    limit: number;
    offset: number;
    facilityId?: string;
    agentId?: string;
    srcIp?: string;
    persona?: PersonaKind;
    live?: 'true' | 'false';
  },
): Promise<{ items: SensorSession[]; total: number }> {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.facilityId) parts.push(eq(sensorSessions.facilityId, q.facilityId));
    if (q.agentId) parts.push(eq(sensorSessions.agentId, q.agentId));
    if (q.srcIp) parts.push(eq(sensorSessions.srcIp, q.srcIp));
    if (q.persona) parts.push(eq(sensorSessions.persona, q.persona));
    if (q.live === 'true') parts.push(isNull(sensorSessions.endedAt));
    if (q.live === 'false') parts.push(sql`${sensorSessions.endedAt} is not null`);
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx
      .select({ s: sensorSessions, hostname: agents.hostname })
      .from(sensorSessions)
      .innerJoin(agents, eq(agents.id, sensorSessions.agentId))
      .where(where)
      .orderBy(desc(sensorSessions.lastAt), sensorSessions.id)
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: sql<number>`count(*)::int` }).from(sensorSessions).where(where);
    return { items: rows.map((r) => toSession(r.s, r.hostname)), total: total?.n ?? 0 };
  });
}

/** One session with every interaction in order (the replay). */
export async function sessionDetail(db: Db, actor: Actor, id: string): Promise<SensorSessionDetail> {
  return withScope(db, actor.scope, async (tx) => {
    const [row] = await tx
      .select({ s: sensorSessions, hostname: agents.hostname })
      .from(sensorSessions)
      .innerJoin(agents, eq(agents.id, sensorSessions.agentId))
      .where(eq(sensorSessions.id, id));
    if (!row) throw notFound('Session');
    const steps = await tx
      .select()
      .from(sensorInteractions)
      // Only the recording sensor's own rows: another (compromised) sensor reusing this session id
      // cannot add steps to the replay.
      .where(and(eq(sensorInteractions.sessionId, id), eq(sensorInteractions.agentId, row.s.agentId)))
      .orderBy(sensorInteractions.at, sensorInteractions.eventId)
      .limit(5000);
    return {
      ...toSession(row.s, row.hostname),
      interactions: steps.map((i) => ({
        at: i.at.toISOString(),
        interaction: i.interaction as SensorSessionDetail['interactions'][number]['interaction'],
        username: i.username,
        password: i.password,
        success: i.success,
        command: i.command,
        url: i.url,
        summary: i.summary,
        info: i.info,
      })),
    };
  });
}

/** The most active sources in the window, with the facilities each touched (in the actor's scope). */
export async function topSources(
  db: Db,
  actor: Actor,
  q: { hours: number; limit: number; facilityId?: string },
): Promise<{ items: SensorSource[] }> {
  return withScope(db, actor.scope, async (tx) => {
    const res = await tx.execute<{
      src_ip: string;
      sessions: number;
      logins: number;
      commands: number;
      rank: number;
      first_at: string;
      last_at: string;
      personas: string[];
      facilities: { id: string; name: string; sessions: number }[];
    }>(sql`
      with s as (
        select * from sensor_sessions
        where last_at > now() - make_interval(hours => ${q.hours})
          ${q.facilityId ? sql`and facility_id = ${q.facilityId}::uuid` : sql``}
      ),
      per_facility as (
        select s.src_ip, s.facility_id, f.name, count(*)::int as sessions
        from s join facilities f on f.id = s.facility_id group by s.src_ip, s.facility_id, f.name
      )
      select s.src_ip, count(*)::int as sessions, sum(s.logins)::int as logins, sum(s.commands)::int as commands,
             max(s.stage_rank)::int as rank, min(s.started_at) as first_at, max(s.last_at) as last_at,
             array_agg(distinct s.persona) as personas,
             (select jsonb_agg(jsonb_build_object('id', p.facility_id, 'name', p.name, 'sessions', p.sessions)
                               order by p.sessions desc)
              from per_facility p where p.src_ip = s.src_ip) as facilities
      from s group by s.src_ip
      order by count(distinct s.facility_id) desc, max(s.stage_rank) desc, count(*) desc, s.src_ip
      limit ${q.limit}`);
    return {
      items: res.rows.map((r) => ({
        srcIp: r.src_ip,
        sessions: r.sessions,
        logins: r.logins,
        commands: r.commands,
        worstStage: stageOfRank(r.rank),
        firstAt: new Date(r.first_at).toISOString(),
        lastAt: new Date(r.last_at).toISOString(),
        personas: r.personas as PersonaKind[],
        facilities: r.facilities ?? [],
      })),
    };
  });
}

/** Credentials tried in the window, most tried first. */
export async function credentialsTried(db: Db, actor: Actor, q: { hours: number; limit: number; facilityId?: string }) {
  return withScope(db, actor.scope, async (tx) => {
    const res = await tx.execute<{
      username: string;
      password: string;
      attempts: number;
      sources: number;
      personas: string[];
      accepted: boolean;
    }>(sql`
      select username, coalesce(password, '') as password, count(*)::int as attempts,
             count(distinct src_ip)::int as sources, array_agg(distinct persona) as personas,
             bool_or(coalesce(success, false)) as accepted
      from sensor_interactions
      where interaction = 'login' and username is not null
        and at > now() - make_interval(hours => ${q.hours})
        ${q.facilityId ? sql`and facility_id = ${q.facilityId}::uuid` : sql``}
      group by username, coalesce(password, '')
      order by count(*) desc, username
      limit ${q.limit}`);
    return { items: res.rows.map((r) => ({ ...r, personas: r.personas as PersonaKind[] })) };
  });
}
