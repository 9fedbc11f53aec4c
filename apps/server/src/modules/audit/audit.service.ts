import type { AuditEntry, AuditListQuery, AuditVerifyResponse } from '@mamori/contracts';
import canonicalize from 'canonicalize';
import { and, asc, count, desc, eq, gt, gte, lte, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { auditHead, auditLog } from './audit.tables.ts';

/** What a caller records; actor, time and chain fields are filled in here. */
export type AuditEvent = {
  action: string;
  facilityId?: string | null;
  targetType?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
  details?: Record<string, unknown>;
};

type ChainFields = Omit<typeof auditLog.$inferSelect, 'hash'>;

/** The hash of a row: SHA-256 over the RFC 8785 canonical JSON of every field but the hash. */
export function hashAuditRow(row: ChainFields): string {
  const body = canonicalize({ ...row, at: row.at.toISOString() });
  return sha256Hex(body ?? '');
}

/**
 * Appends an entry in the caller's transaction, so the entry exists exactly when the action
 * committed. Locking the chain head serialises appends across replicas.
 */
export async function appendAudit(tx: Tx, actor: Actor, event: AuditEvent): Promise<void> {
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
  if (!head) throw new Error('audit chain head missing: migrations not applied');
  const row: ChainFields = {
    seq: head.seq + 1,
    at: new Date(Math.floor(Date.now())),
    actorId: actor.userId,
    actorEmail: actor.email,
    facilityId: event.facilityId ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    outcome: event.outcome ?? 'success',
    ip: actor.ip,
    details: event.details ?? {},
    prevHash: head.hash,
  };
  const hash = hashAuditRow(row);
  await tx.insert(auditLog).values({ ...row, hash });
  await tx.update(auditHead).set({ seq: row.seq, hash }).where(eq(auditHead.id, 1));
}

/** Records an event in a transaction of its own (for failures, where the action rolled back). */
export async function recordAudit(db: Db, actor: Actor, event: AuditEvent): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, (tx) => appendAudit(tx, actor, event));
}

const toEntry = (r: typeof auditLog.$inferSelect): AuditEntry => ({
  seq: r.seq,
  at: r.at.toISOString(),
  actorId: r.actorId,
  actorEmail: r.actorEmail,
  facilityId: r.facilityId,
  action: r.action,
  targetType: r.targetType,
  targetId: r.targetId,
  outcome: r.outcome === 'failure' ? 'failure' : 'success',
  ip: r.ip,
  details: r.details,
  hash: r.hash,
});

function filters(q: Omit<AuditListQuery, 'limit' | 'offset'>): SQL | undefined {
  const parts: SQL[] = [];
  if (q.facilityId) parts.push(eq(auditLog.facilityId, q.facilityId));
  if (q.action) parts.push(eq(auditLog.action, q.action));
  if (q.actorId) parts.push(eq(auditLog.actorId, q.actorId));
  if (q.from) parts.push(gte(auditLog.at, new Date(q.from)));
  if (q.to) parts.push(lte(auditLog.at, new Date(q.to)));
  return parts.length ? and(...parts) : undefined;
}

/** Lists entries visible in the actor's scope, newest first. */
export async function listAudit(db: Db, actor: Actor, q: AuditListQuery) {
  return withScope(db, actor.scope, async (tx) => {
    const where = filters(q);
    const rows = await tx
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.seq))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(auditLog).where(where);
    return { items: rows.map(toEntry), total: total?.n ?? 0 };
  });
}

/** Streams entries visible in the actor's scope, oldest first, in pages (for CSV export). */
export async function* iterateAudit(db: Db, actor: Actor, q: Omit<AuditListQuery, 'limit' | 'offset'>) {
  let after = 0;
  for (;;) {
    const rows = await withScope(db, actor.scope, (tx) =>
      tx
        .select()
        .from(auditLog)
        .where(and(filters(q), gt(auditLog.seq, after)))
        .orderBy(asc(auditLog.seq))
        .limit(1000),
    );
    for (const r of rows) yield toEntry(r);
    const last = rows.at(-1);
    if (!last || rows.length < 1000) return;
    after = last.seq;
  }
}

/**
 * Recomputes the whole chain: each row's hash, its link to the previous row, gap-free sequence
 * numbers, and that the head matches the last row (so truncating the tail is detected too).
 */
export async function verifyAuditChain(db: Db): Promise<AuditVerifyResponse> {
  let prev = '0'.repeat(64);
  let expectedSeq = 1;
  let checked = 0;
  const bad = (seq: number, reason: string): AuditVerifyResponse => ({ ok: false, checked, firstBadSeq: seq, reason });
  for (;;) {
    const rows = await withScope(db, SYSTEM_SCOPE, (tx) =>
      tx.select().from(auditLog).where(gte(auditLog.seq, expectedSeq)).orderBy(asc(auditLog.seq)).limit(5000),
    );
    for (const r of rows) {
      if (r.seq !== expectedSeq) return bad(expectedSeq, `entry ${expectedSeq} is missing`);
      if (r.prevHash !== prev) return bad(r.seq, 'link to the previous entry is broken');
      const { hash, ...fields } = r;
      if (hashAuditRow(fields) !== hash) return bad(r.seq, 'entry content does not match its hash');
      prev = hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < 5000) break;
  }
  const [head] = await withScope(db, SYSTEM_SCOPE, (tx) => tx.select().from(auditHead).where(eq(auditHead.id, 1)));
  if (!head || head.seq !== checked || head.hash !== prev) {
    return bad(checked + 1, 'the chain head does not match the last entry (entries removed from the end?)');
  }
  return { ok: true, checked, firstBadSeq: null, reason: null };
}
