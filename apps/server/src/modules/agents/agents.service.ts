import type { TLSSocket } from 'node:tls';
import {
  type Agent,
  type AgentEnrolRequest,
  type AgentEnrolResponse,
  type AgentEvent,
  type AgentEventAck,
  type AgentPolicy,
  type CreateEnrolmentTokenRequest,
  type EnrolmentTokenResponse,
  type HostFacts,
  MAX_EVENT_BATCH,
} from '@mamori/contracts';
import { and, count, desc, eq, gt, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import { type Actor, systemActor } from '../../lib/actor.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, invalid, notFound } from '../../lib/errors.ts';
import { formatJst } from '../../lib/time.ts';
import { raiseAlert, raiseAlerts } from '../alerts/alerts.service.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { agentDecoyPolicy, type BeaconSettings, recordHostEvents } from '../decoys/decoys.service.ts';
import { facilities } from '../facilities/facilities.tables.ts';
import { type Ca, normalizeSerial, signCsr } from '../pki/pki.service.ts';
import { agentSensorPolicy, correlateSources, recordSensorEvents } from '../sensors/sensors.service.ts';
import { agents, enrolmentTokens } from './agents.tables.ts';

/** How agents are run: heartbeat interval and when a silent agent counts as offline. */
export type AgentSettings = { heartbeatSeconds: number; offlineAfterSeconds: number };

/** An authenticated agent (from its mutual-TLS certificate). */
export type AgentIdentity = { id: string; facilityId: string; hostname: string; certSerial: string };

const CERT_DAYS = 397;
type Row = typeof agents.$inferSelect;

const toAgent = (r: Row, offlineAfterSeconds: number): Agent => ({
  id: r.id,
  facilityId: r.facilityId,
  hostname: r.hostname,
  os: r.os,
  osVersion: r.osVersion,
  ips: r.ips,
  agentVersion: r.agentVersion,
  uptimeSeconds: r.uptimeSeconds,
  status: r.revokedAt
    ? 'revoked'
    : r.lastSeenAt && Date.now() - r.lastSeenAt.getTime() < offlineAfterSeconds * 1000
      ? 'online'
      : 'offline',
  lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
  enrolledAt: r.createdAt.toISOString(),
  certNotAfter: r.certNotAfter.toISOString(),
});

/** The policy sent to agents on every heartbeat. */
export const agentPolicy = (s: AgentSettings): AgentPolicy => ({
  heartbeatSeconds: s.heartbeatSeconds,
  maxBatch: MAX_EVENT_BATCH,
  decoys: [],
  isolation: null,
  sensor: null,
});

/** Creates a one-time, expiring enrolment token for a facility in the actor's scope. */
export async function createEnrolmentToken(
  db: Db,
  actor: Actor,
  req: CreateEnrolmentTokenRequest,
): Promise<EnrolmentTokenResponse> {
  return withScope(db, actor.scope, async (tx) => {
    const [f] = await tx.select({ id: facilities.id }).from(facilities).where(eq(facilities.id, req.facilityId));
    if (!f) throw notFound('Facility');
    const token = `mt_${randomToken(32)}`;
    const expiresAt = new Date(Date.now() + req.ttlMinutes * 60_000);
    await tx
      .insert(enrolmentTokens)
      .values({ tokenHash: sha256Hex(token), facilityId: f.id, expiresAt, createdBy: actor.email });
    await appendAudit(tx, actor, {
      action: 'agent.token_create',
      facilityId: f.id,
      targetType: 'facility',
      targetId: f.id,
      details: { expiresAt: expiresAt.toISOString() },
    });
    return { token, facilityId: f.id, expiresAt: expiresAt.toISOString() };
  });
}

/**
 * Enrols an agent: takes the single-use token, signs the agent's CSR with the platform CA and
 * records the agent with its certificate serial.
 */
export async function enrolAgent(
  db: Db,
  ca: Ca,
  settings: AgentSettings,
  req: AgentEnrolRequest,
  ip: string | null,
): Promise<AgentEnrolResponse> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const [tok] = await tx
      .select()
      .from(enrolmentTokens)
      .where(
        and(
          eq(enrolmentTokens.tokenHash, sha256Hex(req.token)),
          isNull(enrolmentTokens.usedAt),
          gt(enrolmentTokens.expiresAt, new Date()),
        ),
      )
      .for('update');
    if (!tok) {
      throw new AppError(
        'unauthenticated',
        401,
        'The enrolment token is unknown, already used or expired. Ask for a new one.',
      );
    }
    const agentId = crypto.randomUUID();
    let cert: Awaited<ReturnType<typeof signCsr>>;
    try {
      cert = await signCsr(ca, req.csrPem, { commonName: `mamori-agent ${agentId}`, days: CERT_DAYS, usage: 'client' });
    } catch (err) {
      throw invalid(`The certificate request is not valid: ${(err as Error).message}`, [
        { path: 'body.csrPem', message: 'invalid CSR' },
      ]);
    }
    await tx.update(enrolmentTokens).set({ usedAt: new Date() }).where(eq(enrolmentTokens.tokenHash, tok.tokenHash));
    await tx.insert(agents).values({
      id: agentId,
      facilityId: tok.facilityId,
      hostname: req.host.hostname,
      os: req.host.os,
      osVersion: req.host.osVersion,
      ips: req.host.ips,
      agentVersion: req.host.agentVersion,
      product: req.host.product,
      uptimeSeconds: req.host.uptimeSeconds,
      certSerial: cert.serial,
      certNotAfter: cert.notAfter,
      lastSeenAt: new Date(),
    });
    await appendAudit(
      tx,
      { ...systemActor(`agent:${agentId}`), ip },
      {
        action: 'agent.enrol',
        facilityId: tok.facilityId,
        targetType: 'agent',
        targetId: agentId,
        details: { hostname: req.host.hostname, os: req.host.os, serial: cert.serial },
      },
    );
    return {
      agentId,
      facilityId: tok.facilityId,
      certPem: cert.certPem,
      caPem: ca.certPem,
      notAfter: cert.notAfter.toISOString(),
      heartbeatSeconds: settings.heartbeatSeconds,
    };
  });
}

/**
 * How long a looked-up agent identity is reused for its certificate serial. Revocation in this
 * process takes effect at once (`forgetAgentIdentity`); on other replicas within this time.
 */
export const AGENT_IDENTITY_TTL_MS = 5_000;
type CachedIdentity = { identity: AgentIdentity; certNotAfter: number; until: number };
/** Per database: serial → identity, and serials revoked here recently (never cached until `until`). */
const identityCaches = new WeakMap<Db, { ok: Map<string, CachedIdentity>; revoked: Map<string, number> }>();
const cacheOf = (db: Db) => {
  let c = identityCaches.get(db);
  if (!c) {
    c = { ok: new Map(), revoked: new Map() };
    identityCaches.set(db, c);
  }
  return c;
};

/**
 * Drops a certificate serial from this process's identity cache and keeps it out for one TTL, so
 * a revocation is seen by the very next call (also by one whose lookup raced the revocation).
 */
export function forgetAgentIdentity(db: Db, serial: string): void {
  const c = cacheOf(db);
  c.ok.delete(serial);
  c.revoked.set(serial, Date.now() + AGENT_IDENTITY_TTL_MS);
}

const refuse = (message: string) => new AppError('unauthenticated', 401, message);

/** The serial of a client certificate the TLS layer verified against the platform CA, or a 401. */
function peerSerial(socket: TLSSocket | undefined): string {
  if (!socket || typeof socket.getPeerCertificate !== 'function')
    throw refuse('Agents must connect over TLS with their certificate');
  if (!socket.authorized) throw refuse('No valid agent certificate from the platform CA was presented');
  const peer = socket.getPeerCertificate();
  if (!peer.serialNumber) throw refuse('No agent certificate was presented');
  return normalizeSerial(peer.serialNumber);
}

/**
 * Identifies the agent behind a mutual-TLS connection: a certificate from the platform CA whose
 * serial belongs to an enrolled, unrevoked agent. Anything else is refused. A successful lookup is
 * reused for `AGENT_IDENTITY_TTL_MS` (a batch of events then costs no extra transaction).
 */
export async function authenticateAgent(db: Db, socket: TLSSocket | undefined): Promise<AgentIdentity> {
  const serial = peerSerial(socket);
  const cache = cacheOf(db);
  const now = Date.now();
  const hit = cache.ok.get(serial);
  if (hit && hit.until > now) {
    if (hit.certNotAfter < now) throw refuse('The agent certificate has expired; enrol again');
    return hit.identity;
  }
  const [row] = await withScope(db, SYSTEM_SCOPE, (tx) =>
    tx.select().from(agents).where(eq(agents.certSerial, serial)),
  );
  if (!row) throw refuse('This certificate does not belong to an enrolled agent');
  if (row.revokedAt) throw new AppError('forbidden', 403, 'This agent has been revoked');
  if (row.certNotAfter.getTime() < Date.now()) throw refuse('The agent certificate has expired; enrol again');
  const identity = { id: row.id, facilityId: row.facilityId, hostname: row.hostname, certSerial: serial };
  const revokedUntil = cache.revoked.get(serial);
  if (revokedUntil !== undefined && revokedUntil > Date.now()) return identity;
  if (revokedUntil !== undefined) cache.revoked.delete(serial);
  if (cache.ok.size >= 100_000) cache.ok.clear();
  cache.ok.set(serial, {
    identity,
    certNotAfter: row.certNotAfter.getTime(),
    until: Date.now() + AGENT_IDENTITY_TTL_MS,
  });
  return identity;
}

/**
 * Records a heartbeat of the agent behind this mutual-TLS connection and returns its policy (with
 * the modules' sections for this host). The hottest call of the agent API, so identification and
 * the update are one statement (`… where cert_serial = … and not revoked and not expired`) and the
 * whole heartbeat is one short transaction; the rare refusal is explained afterwards.
 */
export async function heartbeat(
  db: Db,
  socket: TLSSocket | undefined,
  facts: HostFacts,
  settings: AgentSettings,
  beacons: BeaconSettings,
) {
  const serial = peerSerial(socket);
  const sections = await withScope(db, SYSTEM_SCOPE, async (tx) => {
    const [agent] = await tx
      .update(agents)
      .set({
        hostname: facts.hostname,
        os: facts.os,
        osVersion: facts.osVersion,
        ips: facts.ips,
        agentVersion: facts.agentVersion,
        product: facts.product,
        uptimeSeconds: facts.uptimeSeconds,
        lastSeenAt: new Date(),
        offlineSince: null,
      })
      .where(and(eq(agents.certSerial, serial), isNull(agents.revokedAt), gt(agents.certNotAfter, new Date())))
      .returning({ id: agents.id, facilityId: agents.facilityId, hostname: agents.hostname });
    if (!agent) return undefined;
    const identity = { ...agent, certSerial: serial };
    return {
      ...(await agentDecoyPolicy(tx, identity, beacons)),
      sensor: await agentSensorPolicy(tx, identity, facts.product),
    };
  });
  if (!sections) {
    await authenticateAgent(db, socket); // throws the precise reason (unknown, revoked, expired)
    throw refuse('This certificate does not belong to an enrolled agent');
  }
  return { serverTime: new Date().toISOString(), policy: { ...agentPolicy(settings), ...sections } };
}

/**
 * Stores a batch exactly once: ids already in the ledger are reported as duplicates; new events
 * become (or fold into) alerts in the agent's own facility, all in one transaction.
 *
 * Five round trips whatever the batch size: BEGIN + scope; a transaction lock per dedup key; one statement that locks the open
 * alerts of the batch's dedup keys and inserts the ledger rows already linked to their alert (an
 * existing open alert's id, or a fresh id for the alert about to be created); one statement that
 * raises every alert of the batch (`raiseAlerts`); COMMIT. Values go to PostgreSQL as arrays
 * (`unnest`), not as one bound parameter each: building a 500-row statement in the ORM was most of
 * the server's CPU time.
 */
export async function ingestEvents(db: Db, agent: AgentIdentity, events: AgentEvent[]): Promise<AgentEventAck> {
  const byId = new Map<string, AgentEvent>();
  const keyOf = new Map<string, string>();
  const newAlertIds = new Map<string, string>();
  for (const e of events) {
    if (byId.has(e.id))
      throw invalid('The batch repeats an event id', [{ path: 'body.events', message: `duplicate id ${e.id}` }]);
    byId.set(e.id, e);
    const key = e.dedupKey ?? `${e.source}:${e.kind}:${agent.id}`;
    keyOf.set(e.id, key);
    if (!newAlertIds.has(key)) newAlertIds.set(key, crypto.randomUUID());
  }
  // Ledger rows and alert locks are taken in sorted order, so overlapping batches cannot deadlock.
  const ids = [...byId.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const keys = ids.map((id) => keyOf.get(id) as string);
  const lockKeys = [...newAlertIds.keys()].map((k) => `alert:${agent.facilityId}:${k}`).sort();
  let newSources: string[] = [];
  const ack = await withScope(db, { kind: 'facilities', ids: [agent.facilityId] }, async (tx) => {
    // Batches sharing a dedup key (a retry of the same events is one) run one after another: without
    // this, a batch waiting on another's new ledger rows while holding the alert's row lock could close
    // a cycle with a third (seen as `deadlock detected` under concurrent retries). Sorted, so two
    // batches with several keys take them in the same order.
    await tx.execute(sql`
      select pg_advisory_xact_lock(hashtextextended(k, 0))
      from (select k from unnest(${sql.param(lockKeys)}::text[]) as k order by k) as sorted`);
    // The ledger decides what is new: insert all ids, keep those that were not there yet.
    // Inserting first makes a concurrent retry of the same id wait here, then find it taken.
    const fresh = await tx.execute<{ id: string; alert_id: string }>(sql`
      with open as (
        select dedup_key, id from alerts
        where facility_id = ${agent.facilityId}::uuid and dedup_key = any(${sql.param([...newAlertIds.keys()])}::text[])
          and status in ('new', 'acknowledged', 'investigating')
        order by dedup_key
        for update
      )
      insert into agent_events (id, agent_id, facility_id, occurred_at, alert_id)
      select u.id, ${agent.id}::uuid, ${agent.facilityId}::uuid, u.occurred_at, coalesce(o.id, u.new_alert_id)
      from unnest(
        ${sql.param(ids)}::uuid[],
        ${sql.param(ids.map((id) => (byId.get(id) as AgentEvent).occurredAt))}::timestamptz[],
        ${sql.param(keys)}::text[],
        ${sql.param(keys.map((k) => newAlertIds.get(k) as string))}::uuid[]
      ) with ordinality as u(id, occurred_at, dedup_key, new_alert_id, ord)
      left join open o on o.dedup_key = u.dedup_key
      order by u.ord
      on conflict do nothing
      returning id, alert_id`);
    const linked = new Map(fresh.rows.map((r) => [r.id, r.alert_id]));
    // Fold the new events by dedup key: one alert per key, its counter raised by the group's size.
    const groups = new Map<string, AgentEvent[]>();
    for (const e of events) {
      if (!linked.has(e.id)) continue;
      const key = keyOf.get(e.id) as string;
      const group = groups.get(key);
      if (group) group.push(e);
      else groups.set(key, [e]);
    }
    const accepted: string[] = [];
    if (groups.size) {
      const inputs = [...groups].map(([dedupKey, news]) => {
        // The alert shows one event whole: the latest of the most severe (title, kind and details agree).
        let worst = news[0] as AgentEvent;
        let latest = worst;
        for (const e of news) {
          accepted.push(e.id);
          const r = rank(e.severity) - rank(worst.severity);
          if (r > 0 || (r === 0 && e.occurredAt >= worst.occurredAt)) worst = e;
          if (e.occurredAt > latest.occurredAt) latest = e;
        }
        const linkedTo = linked.get(worst.id) as string;
        return {
          facilityId: agent.facilityId,
          agentId: agent.id,
          hostname: agent.hostname,
          source: worst.source,
          kind: worst.kind,
          severity: worst.severity,
          title: worst.title,
          details: worst.details,
          dedupKey,
          occurredAt: new Date(latest.occurredAt),
          occurrences: news.length,
          newId: linkedTo === newAlertIds.get(dedupKey) ? linkedTo : undefined,
          linkedTo,
          news,
        };
      });
      const raised = await raiseAlerts(tx, inputs);
      // Rare: another transaction created the open alert for a key after this one looked; the
      // upsert folded into that alert, so point this batch's ledger rows at it.
      const relink = inputs.flatMap((input, k) => {
        const id = (raised[k] as { id: string }).id;
        return id === input.linkedTo ? [] : input.news.map((e) => [e.id, id] as const);
      });
      if (relink.length) {
        await tx.execute(sql`
          update agent_events set alert_id = v.alert_id
          from unnest(${sql.param(relink.map((r) => r[0]))}::uuid[], ${sql.param(relink.map((r) => r[1]))}::uuid[])
            as v(id, alert_id)
          where agent_events.id = v.id`);
      }
      // Decoy and containment events also become evidence on the host's timeline.
      const alertIdOf = new Map<string, string>();
      inputs.forEach((input, k) => {
        for (const e of input.news) alertIdOf.set(e.id, (raised[k] as { id: string }).id);
      });
      const fresh = events.filter((e) => alertIdOf.has(e.id));
      await recordHostEvents(tx, agent, fresh, (id) => alertIdOf.get(id));
      newSources = await recordSensorEvents(tx, agent, fresh, (id) => alertIdOf.get(id));
    }
    return { accepted, duplicates: events.map((e) => e.id).filter((id) => !linked.has(id)) };
  });
  // Across facilities, so after this facility's transaction committed.
  if (newSources.length) await correlateSources(db, newSources);
  return ack;
}

const RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
const rank = (s: keyof typeof RANK) => RANK[s];

/** Lists agents in the actor's scope. */
export async function listAgents(
  db: Db,
  actor: Actor,
  settings: AgentSettings,
  q: { limit: number; offset: number; facilityId?: string; status?: string },
) {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.facilityId) parts.push(eq(agents.facilityId, q.facilityId));
    const cutoff = new Date(Date.now() - settings.offlineAfterSeconds * 1000);
    if (q.status === 'revoked') parts.push(sql`${agents.revokedAt} is not null`);
    if (q.status === 'online') parts.push(sql`${agents.revokedAt} is null and ${agents.lastSeenAt} >= ${cutoff}`);
    if (q.status === 'offline')
      parts.push(
        sql`${agents.revokedAt} is null and (${agents.lastSeenAt} is null or ${agents.lastSeenAt} < ${cutoff})`,
      );
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx
      .select()
      .from(agents)
      .where(where)
      .orderBy(desc(agents.lastSeenAt), agents.id)
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(agents).where(where);
    return { items: rows.map((r) => toAgent(r, settings.offlineAfterSeconds)), total: total?.n ?? 0 };
  });
}

/** Revokes an agent: its certificate is refused from now on. */
export async function revokeAgent(db: Db, actor: Actor, settings: AgentSettings, id: string): Promise<Agent> {
  return withScope(db, actor.scope, async (tx) => {
    const [row] = await tx
      .update(agents)
      .set({ revokedAt: new Date() })
      .where(and(eq(agents.id, id), isNull(agents.revokedAt)))
      .returning();
    if (row) forgetAgentIdentity(db, row.certSerial);
    if (!row) {
      const [existing] = await tx.select().from(agents).where(eq(agents.id, id));
      if (!existing) throw notFound('Agent');
      return toAgent(existing, settings.offlineAfterSeconds);
    }
    await appendAudit(tx, actor, {
      action: 'agent.revoke',
      facilityId: row.facilityId,
      targetType: 'agent',
      targetId: id,
      details: { hostname: row.hostname, serial: row.certSerial },
    });
    return toAgent(row, settings.offlineAfterSeconds);
  });
}

/**
 * Raises an "agent offline" alert for every unrevoked agent silent for longer than the threshold
 * (once per silence; a heartbeat clears it). Safe to run on every replica at once.
 */
export async function detectOfflineAgents(db: Db, settings: AgentSettings): Promise<number> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const cutoff = new Date(Date.now() - settings.offlineAfterSeconds * 1000);
    const silent = await tx
      .select()
      .from(agents)
      .where(and(isNull(agents.revokedAt), isNull(agents.offlineSince), lt(agents.lastSeenAt, cutoff)))
      .for('update', { skipLocked: true })
      .limit(1000);
    for (const a of silent) {
      await tx.update(agents).set({ offlineSince: new Date() }).where(eq(agents.id, a.id));
      await raiseAlert(tx, {
        facilityId: a.facilityId,
        agentId: a.id,
        hostname: a.hostname,
        source: 'agent',
        kind: 'agent_offline',
        severity: 'high',
        title: `${a.hostname} のエージェントから ${a.lastSeenAt ? `${formatJst(a.lastSeenAt)} (日本時間)` : '登録時'} 以降連絡がありません`,
        details: { lastSeenAt: a.lastSeenAt?.toISOString() ?? null },
        dedupKey: `agent:agent_offline:${a.id}`,
        occurredAt: new Date(),
      });
    }
    return silent.length;
  });
}
