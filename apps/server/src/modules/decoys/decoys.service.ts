import { createHash, randomBytes } from 'node:crypto';
import {
  type AgentDecoyPolicy,
  type AgentEvent,
  type AgentIsolation,
  BEACON_TOKEN_RE,
  type CreateDecoyPolicyRequest,
  type DecoyCoverageHost,
  type DecoyInventoryReport,
  type DecoyPolicy,
  type DecoyPolicyInput,
  decoyDirectoryProblem,
  type IsolationState,
  type TimelineEntry,
} from '@mamori/contracts';
import { and, count, desc, eq, gte, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { AppError, invalid, notFound } from '../../lib/errors.ts';
import type { AgentIdentity, AgentSettings } from '../agents/agents.service.ts';
import { agents } from '../agents/agents.tables.ts';
import { raiseAlert } from '../alerts/alerts.service.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { facilities } from '../facilities/facilities.tables.ts';
import { beaconHits, decoyHostState, decoyPolicies, decoys, hostEvents } from './decoys.tables.ts';

/** Where beacons point: the HTTP base URL and, when a zone is delegated, the DNS zone. */
export type BeaconSettings = { baseUrl: string | null; dnsZone: string | null };
/** What the decoy module needs from configuration. */
export type DecoySettings = { roots: readonly string[]; beacons: () => BeaconSettings };

type PolicyRow = typeof decoyPolicies.$inferSelect;

const toPolicy = (r: PolicyRow): DecoyPolicy => ({
  id: r.id,
  facilityId: r.facilityId,
  name: r.name,
  enabled: r.enabled,
  agentIds: r.agentIds,
  directories: r.directories,
  perDirectory: r.perDirectory,
  kinds: r.kinds,
  beacons: r.beacons,
  response: r.response,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Refuses system directories, relative paths and anything outside the allowed roots, naming each bad entry. */
function checkDirectories(input: DecoyPolicyInput, roots: readonly string[]): void {
  const fields = input.directories.flatMap((d, i) => {
    const problem = decoyDirectoryProblem(d, roots);
    return problem ? [{ path: `body.directories.${i}`, message: `${d} ${problem}` }] : [];
  });
  if (fields.length) throw invalid(`A decoy directory is not allowed: ${fields[0]?.message}`, fields);
  if (new Set(input.directories).size !== input.directories.length)
    throw invalid('A directory is listed twice', [{ path: 'body.directories', message: 'duplicate directory' }]);
}

/** Agents named by a policy must belong to its facility. */
async function checkAgents(tx: Tx, facilityId: string, agentIds: readonly string[]): Promise<void> {
  if (!agentIds.length) return;
  const found = await tx
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.facilityId, facilityId), inArray(agents.id, [...agentIds])));
  const known = new Set(found.map((a) => a.id));
  const missing = agentIds.filter((id) => !known.has(id));
  if (missing.length)
    throw invalid('A host in the policy is not an agent of this facility', [
      { path: 'body.agentIds', message: `unknown agent ${missing[0]}` },
    ]);
}

const auditDetails = (p: DecoyPolicyInput) => ({
  name: p.name,
  enabled: p.enabled,
  directories: p.directories,
  perDirectory: p.perDirectory,
  kinds: p.kinds,
  agentIds: p.agentIds,
  beacons: p.beacons,
  response: p.response,
});

export async function listPolicies(
  db: Db,
  actor: Actor,
  q: { limit: number; offset: number; facilityId?: string | undefined },
) {
  return withScope(db, actor.scope, async (tx) => {
    const where = q.facilityId ? eq(decoyPolicies.facilityId, q.facilityId) : undefined;
    const rows = await tx
      .select()
      .from(decoyPolicies)
      .where(where)
      .orderBy(desc(decoyPolicies.updatedAt), decoyPolicies.id)
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(decoyPolicies).where(where);
    return { items: rows.map(toPolicy), total: total?.n ?? 0 };
  });
}

export async function createPolicy(
  db: Db,
  actor: Actor,
  settings: DecoySettings,
  req: CreateDecoyPolicyRequest,
): Promise<DecoyPolicy> {
  checkDirectories(req, settings.roots);
  return withScope(db, actor.scope, async (tx) => {
    const [f] = await tx.select({ id: facilities.id }).from(facilities).where(eq(facilities.id, req.facilityId));
    if (!f) throw notFound('Facility');
    await checkAgents(tx, f.id, req.agentIds);
    const [row] = await tx
      .insert(decoyPolicies)
      .values({ ...req, seed: randomBytes(16).toString('hex'), createdBy: actor.email ?? 'system' })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await appendAudit(tx, actor, {
      action: 'decoy.policy_create',
      facilityId: f.id,
      targetType: 'decoy_policy',
      targetId: row.id,
      details: auditDetails(req),
    });
    return toPolicy(row);
  });
}

export async function updatePolicy(
  db: Db,
  actor: Actor,
  settings: DecoySettings,
  id: string,
  req: DecoyPolicyInput,
): Promise<DecoyPolicy> {
  checkDirectories(req, settings.roots);
  return withScope(db, actor.scope, async (tx) => {
    const [old] = await tx.select().from(decoyPolicies).where(eq(decoyPolicies.id, id)).for('update');
    if (!old) throw notFound('Decoy policy');
    await checkAgents(tx, old.facilityId, req.agentIds);
    const [row] = await tx
      .update(decoyPolicies)
      .set({ ...req, updatedAt: new Date() })
      .where(eq(decoyPolicies.id, id))
      .returning();
    if (!row) throw notFound('Decoy policy');
    await appendAudit(tx, actor, {
      action: 'decoy.policy_update',
      facilityId: row.facilityId,
      targetType: 'decoy_policy',
      targetId: id,
      details: auditDetails(req),
    });
    return toPolicy(row);
  });
}

/** Deletes a policy; its agents remove exactly the decoys it planted on their next heartbeat. */
export async function deletePolicy(db: Db, actor: Actor, id: string): Promise<void> {
  await withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.delete(decoyPolicies).where(eq(decoyPolicies.id, id)).returning();
    if (!row) throw notFound('Decoy policy');
    await appendAudit(tx, actor, {
      action: 'decoy.policy_delete',
      facilityId: row.facilityId,
      targetType: 'decoy_policy',
      targetId: id,
      details: { name: row.name, directories: row.directories },
    });
  });
}

/**
 * The decoy section of an agent's heartbeat policy and the isolation the SOC asked for, in one
 * query inside the heartbeat's transaction.
 */
export async function agentDecoyPolicy(
  tx: Tx,
  agent: AgentIdentity,
  beacons: BeaconSettings,
): Promise<{ decoys: AgentDecoyPolicy[]; isolation: AgentIsolation | null }> {
  type Json = Omit<AgentDecoyPolicy, 'revision' | 'beaconBaseUrl' | 'beaconDnsZone'> & {
    updatedAt: string;
    beacons: boolean;
  };
  const res = await tx.execute<{ policies: Json[] | null; desired: string | null; request_id: string | null }>(sql`
    select
      (select json_agg(json_build_object(
          'id', p.id, 'updatedAt', p.updated_at, 'directories', p.directories, 'perDirectory', p.per_directory,
          'kinds', p.kinds, 'beacons', p.beacons, 'response', p.response, 'seed', p.seed))
         from decoy_policies p
        where p.facility_id = ${agent.facilityId} and p.enabled
          and (p.agent_ids = '[]'::jsonb or p.agent_ids ? ${agent.id})) as policies,
      s.isolation_desired as desired, s.isolation_request_id as request_id
    from (select 1) one left join decoy_host_state s on s.agent_id = ${agent.id}`);
  const row = res.rows[0];
  const decoyPolicy = (row?.policies ?? []).map((p): AgentDecoyPolicy => {
    const baseUrl = p.beacons ? beacons.baseUrl : null;
    const dnsZone = p.beacons ? beacons.dnsZone : null;
    const revision = createHash('sha256')
      .update(JSON.stringify([p.updatedAt, baseUrl, dnsZone]))
      .digest('hex')
      .slice(0, 16);
    return {
      id: p.id,
      revision,
      directories: p.directories,
      perDirectory: p.perDirectory,
      kinds: p.kinds,
      seed: p.seed,
      beaconBaseUrl: baseUrl,
      beaconDnsZone: dnsZone,
      response: p.response,
    };
  });
  const isolation =
    row?.desired && row.request_id ? { desired: row.desired as IsolationState, requestId: row.request_id } : null;
  return { decoys: decoyPolicy, isolation };
}

/** Replaces what the server knows of an agent's decoys with its full report. */
export async function reportInventory(db: Db, agent: AgentIdentity, report: DecoyInventoryReport) {
  const paths = new Set(report.decoys.map((d) => d.path));
  if (paths.size !== report.decoys.length)
    throw invalid('The inventory lists a path twice', [{ path: 'body.decoys', message: 'duplicate path' }]);
  const tokens = report.decoys.flatMap((d) => (d.beaconToken ? [d.beaconToken] : []));
  if (new Set(tokens).size !== tokens.length)
    throw invalid('The inventory repeats a beacon token', [{ path: 'body.decoys', message: 'duplicate token' }]);
  return withScope(db, { kind: 'facilities', ids: [agent.facilityId] }, async (tx) => {
    // One report at a time per agent, so two concurrent reports cannot leave the union of both.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`decoys:${agent.id}`}, 0))`);
    await tx.delete(decoys).where(eq(decoys.agentId, agent.id));
    let stored = 0;
    for (let i = 0; i < report.decoys.length; i += 1000) {
      const chunk = report.decoys.slice(i, i + 1000);
      const rows = await tx
        .insert(decoys)
        .values(chunk.map((d) => ({ ...d, agentId: agent.id, facilityId: agent.facilityId })))
        .onConflictDoNothing()
        .returning({ path: decoys.path });
      stored += rows.length;
    }
    // A token already held by another agent (of any facility) is never taken over: openings keep
    // alerting its owner. Paths are unique per report, so a shortfall can only be such a token.
    if (stored !== report.decoys.length)
      throw new AppError(
        'conflict',
        409,
        'A beacon token in the inventory belongs to another decoy; generate new tokens and report again',
      );
    const state = {
      facilityId: agent.facilityId,
      verifiedAt: new Date(report.verifiedAt),
      problems: report.problems,
      isolated: report.isolated,
      updatedAt: new Date(),
    };
    await tx
      .insert(decoyHostState)
      .values({ agentId: agent.id, ...state })
      .onConflictDoUpdate({ target: decoyHostState.agentId, set: state });
    return { stored };
  });
}

/**
 * Keeps decoy and containment events as evidence for the host's timeline and tracks whether the
 * host is isolated. Called by the agent ingestion for fresh (never seen) events, in its transaction.
 */
export async function recordHostEvents(
  tx: Tx,
  agent: AgentIdentity,
  events: readonly AgentEvent[],
  alertIdOf: (eventId: string) => string | undefined,
): Promise<void> {
  const mine = events.filter((e) => e.source === 'decoys');
  if (!mine.length) return;
  await tx.insert(hostEvents).values(
    mine.map((e) => ({
      eventId: e.id,
      facilityId: agent.facilityId,
      agentId: agent.id,
      at: new Date(e.occurredAt),
      source: e.source,
      kind: e.kind,
      severity: e.severity,
      title: e.title,
      details: e.details,
      alertId: alertIdOf(e.id) ?? null,
    })),
  );
  const last = mine.filter((e) => e.kind === 'containment.isolated' || e.kind === 'containment.released').at(-1);
  if (last) {
    const isolated = last.kind === 'containment.isolated';
    await tx
      .insert(decoyHostState)
      .values({ agentId: agent.id, facilityId: agent.facilityId, problems: [], isolated })
      .onConflictDoUpdate({ target: decoyHostState.agentId, set: { isolated, updatedAt: new Date() } });
  }
}

/** Decoy coverage per host in the actor's scope. */
export async function coverage(
  db: Db,
  actor: Actor,
  settings: AgentSettings,
  facilityId?: string,
): Promise<{ hosts: DecoyCoverageHost[] }> {
  return withScope(db, actor.scope, async (tx) => {
    const res = await tx.execute<{
      id: string;
      facility_id: string;
      hostname: string;
      revoked_at: string | null;
      last_seen_at: string | null;
      directories: number;
      decoys: number;
      beacons: number;
      verified_at: string | null;
      problems: { directory: string; message: string }[] | null;
      isolated: boolean | null;
      isolation_desired: IsolationState | null;
    }>(sql`
      select a.id, a.facility_id, a.hostname, a.revoked_at, a.last_seen_at,
             coalesce(d.directories, 0)::int as directories, coalesce(d.decoys, 0)::int as decoys,
             coalesce(d.beacons, 0)::int as beacons,
             s.verified_at, s.problems, s.isolated, s.isolation_desired
        from agents a
        left join decoy_host_state s on s.agent_id = a.id
        left join (select agent_id, count(distinct directory) as directories, count(*) as decoys,
                          count(beacon_token) as beacons
                     from decoys group by agent_id) d on d.agent_id = a.id
       where ${facilityId ? sql`a.facility_id = ${facilityId}` : sql`true`}
       order by a.hostname, a.id
       limit 5000`);
    const cutoff = Date.now() - settings.offlineAfterSeconds * 1000;
    return {
      hosts: res.rows.map((r) => ({
        agentId: r.id,
        facilityId: r.facility_id,
        hostname: r.hostname,
        agentStatus: r.revoked_at
          ? 'revoked'
          : r.last_seen_at && new Date(r.last_seen_at).getTime() >= cutoff
            ? 'online'
            : 'offline',
        directories: r.directories,
        decoys: r.decoys,
        beacons: r.beacons,
        verifiedAt: r.verified_at ? new Date(r.verified_at).toISOString() : null,
        problems: (r.problems ?? []).map((p) => ({ directory: p.directory, message: p.message })),
        isolated: r.isolated ?? false,
        isolationDesired: r.isolation_desired,
      })),
    };
  });
}

async function agentInScope(tx: Tx, agentId: string) {
  const [a] = await tx.select().from(agents).where(eq(agents.id, agentId));
  if (!a) throw notFound('Agent');
  return a;
}

/** The decoys planted on one host. */
export async function listDecoys(db: Db, actor: Actor, q: { agentId: string; limit: number; offset: number }) {
  return withScope(db, actor.scope, async (tx) => {
    await agentInScope(tx, q.agentId);
    const where = eq(decoys.agentId, q.agentId);
    const rows = await tx
      .select()
      .from(decoys)
      .where(where)
      .orderBy(decoys.directory, decoys.path)
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(decoys).where(where);
    return {
      items: rows.map((r) => ({
        agentId: r.agentId,
        facilityId: r.facilityId,
        policyId: r.policyId,
        path: r.path,
        directory: r.directory,
        kind: r.kind,
        sha256: r.sha256,
        size: r.size,
        beaconToken: r.beaconToken,
      })),
      total: total?.n ?? 0,
    };
  });
}

/** A host's attack timeline: decoy and containment events, beacon openings, isolation requests. */
export async function hostTimeline(
  db: Db,
  actor: Actor,
  agentId: string,
  q: { since?: string | undefined; limit: number },
): Promise<{ entries: TimelineEntry[] }> {
  return withScope(db, actor.scope, async (tx) => {
    await agentInScope(tx, agentId);
    const since = q.since ? new Date(q.since) : new Date(0);
    const events = await tx
      .select()
      .from(hostEvents)
      .where(and(eq(hostEvents.agentId, agentId), gte(hostEvents.at, since)))
      .orderBy(desc(hostEvents.at), desc(hostEvents.id))
      .limit(q.limit);
    const hits = await tx
      .select()
      .from(beaconHits)
      .where(and(eq(beaconHits.agentId, agentId), gte(beaconHits.at, since)))
      .orderBy(desc(beaconHits.at))
      .limit(q.limit);
    const entries: TimelineEntry[] = [
      ...events.map((e) => ({
        at: e.at.toISOString(),
        kind: e.kind,
        severity: e.severity as TimelineEntry['severity'],
        title: e.title,
        details: e.details,
        alertId: e.alertId,
        receivedAt: e.receivedAt.toISOString(),
      })),
      ...hits.map((h) => ({
        at: h.at.toISOString(),
        kind: 'beacon.opened',
        severity: 'critical' as const,
        title: beaconTitle(h.path),
        details: { path: h.path, kind: h.kind, channel: h.channel, ip: h.ip, userAgent: h.userAgent },
        alertId: null,
        receivedAt: null,
      })),
    ];
    entries.sort((a, b) => b.at.localeCompare(a.at));
    return { entries: entries.slice(0, q.limit) };
  });
}

/** The SOC asks a host to cut itself off the network (or to come back); the agent acts on its next heartbeat. */
export async function requestIsolation(
  db: Db,
  actor: Actor,
  agentId: string,
  desired: IsolationState,
  reason: string,
): Promise<IsolationState> {
  return withScope(db, actor.scope, async (tx) => {
    const a = await agentInScope(tx, agentId);
    if (a.revokedAt) throw invalid('This agent has been revoked; it no longer takes requests');
    const set = { isolationDesired: desired, isolationRequestId: crypto.randomUUID(), updatedAt: new Date() };
    await tx
      .insert(decoyHostState)
      .values({ agentId, facilityId: a.facilityId, problems: [], ...set })
      .onConflictDoUpdate({ target: decoyHostState.agentId, set });
    await appendAudit(tx, actor, {
      action: desired === 'isolated' ? 'host.isolate' : 'host.release',
      facilityId: a.facilityId,
      targetType: 'agent',
      targetId: agentId,
      details: { hostname: a.hostname, reason },
    });
    return desired;
  });
}

const beaconTitle = (path: string) =>
  `おとり文書が開かれました（持ち出しの疑い）: ${path.split(/[\\/]/).at(-1) ?? path}`;

/**
 * Records a beacon opening and raises a critical alert naming the facility, host and decoy. Unknown
 * tokens are ignored: the caller gets the same answer either way.
 */
export async function recordBeaconHit(
  db: Db,
  hit: { token: string; channel: 'http' | 'dns'; ip: string; userAgent: string },
): Promise<boolean> {
  const token = hit.token.toLowerCase();
  if (!BEACON_TOKEN_RE.test(token)) return false;
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const [d] = await tx
      .select({
        agentId: decoys.agentId,
        facilityId: decoys.facilityId,
        path: decoys.path,
        kind: decoys.kind,
        hostname: agents.hostname,
      })
      .from(decoys)
      .innerJoin(agents, eq(agents.id, decoys.agentId))
      .where(eq(decoys.beaconToken, token));
    if (!d) return false;
    const at = new Date();
    const userAgent = hit.userAgent.slice(0, 500);
    await tx.insert(beaconHits).values({
      facilityId: d.facilityId,
      agentId: d.agentId,
      token,
      path: d.path,
      kind: d.kind,
      channel: hit.channel,
      ip: hit.ip,
      userAgent,
      at,
    });
    await raiseAlert(tx, {
      facilityId: d.facilityId,
      agentId: d.agentId,
      hostname: d.hostname,
      source: 'decoys',
      kind: 'beacon.opened',
      severity: 'critical',
      title: beaconTitle(d.path),
      details: {
        path: d.path,
        decoyKind: d.kind,
        channel: hit.channel,
        ip: hit.ip,
        userAgent,
        openedAt: at.toISOString(),
        note:
          hit.channel === 'dns'
            ? 'The address is the DNS resolver that asked, not necessarily the machine that opened the file.'
            : 'The address is the machine (or proxy) that opened the file.',
      },
      dedupKey: `decoys:beacon:${token}`,
      occurredAt: at,
    });
    return true;
  });
}

/** Beacon openings in the actor's scope. */
export async function listBeaconHits(
  db: Db,
  actor: Actor,
  q: { limit: number; offset: number; facilityId?: string | undefined },
) {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.facilityId) parts.push(eq(beaconHits.facilityId, q.facilityId));
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx
      .select()
      .from(beaconHits)
      .where(where)
      .orderBy(desc(beaconHits.at))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(beaconHits).where(where);
    return {
      items: rows.map((h) => ({
        id: h.id,
        facilityId: h.facilityId,
        agentId: h.agentId,
        path: h.path,
        kind: h.kind,
        channel: h.channel,
        ip: h.ip,
        userAgent: h.userAgent,
        at: h.at.toISOString(),
      })),
      total: total?.n ?? 0,
    };
  });
}
