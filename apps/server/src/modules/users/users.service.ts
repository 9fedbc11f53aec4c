import {
  type CreateUserRequest,
  FACILITY_ROLES,
  type OneTimeLink,
  type Role,
  type UpdateUserRequest,
  type User,
  type UserListQuery,
} from '@mamori/contracts';
import { and, asc, count, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { conflict, forbidden, invalid, notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { createOneTimeToken } from '../auth/auth.service.ts';
import { sessions } from '../auth/auth.tables.ts';
import { facilities } from '../facilities/facilities.tables.ts';
import { userFacilities, users } from './users.tables.ts';

type Row = typeof users.$inferSelect;
const INVITE_TTL_MS = 7 * 86_400_000;
const RESET_TTL_MS = 24 * 3_600_000;

const toUser = (r: Row, assigned: string[]): User => ({
  id: r.id,
  email: r.email,
  displayName: r.displayName,
  role: r.role as Role,
  facilityId: r.facilityId,
  assignedFacilityIds: assigned,
  mfaEnabled: r.mfaEnabled,
  disabled: r.disabled,
  locked: !!r.lockedUntil && r.lockedUntil.getTime() > Date.now(),
  hasPassword: r.passwordHash !== null,
  locale: r.locale === 'en' ? 'en' : 'ja',
  lastLoginAt: r.lastLoginAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

async function assignments(tx: Tx, ids: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!ids.length) return map;
  const rows = await tx.select().from(userFacilities).where(inArray(userFacilities.userId, ids));
  for (const r of rows) map.set(r.userId, [...(map.get(r.userId) ?? []), r.facilityId]);
  return map;
}

/** Which roles an actor may hand out: region admins any, facility admins only facility roles. */
function assertMayGrant(actor: Actor, role: Role) {
  if (actor.role === 'region_admin' || actor.role === 'system') return;
  if (actor.role === 'facility_admin' && FACILITY_ROLES.includes(role)) return;
  throw forbidden('You cannot give this role');
}

function link(publicUrl: string, path: string, token: string, expiresAt: Date): OneTimeLink {
  return { url: `${publicUrl}${path}?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() };
}

/** Lists users visible in the actor's scope. */
export async function listUsers(db: Db, actor: Actor, q: UserListQuery) {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.facilityId) parts.push(eq(users.facilityId, q.facilityId));
    if (q.role) parts.push(eq(users.role, q.role));
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const match = or(ilike(users.email, like), ilike(users.displayName, like));
      if (match) parts.push(match);
    }
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx.select().from(users).where(where).orderBy(asc(users.email)).limit(q.limit).offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(users).where(where);
    const assigned = await assignments(
      tx,
      rows.map((r) => r.id),
    );
    return { items: rows.map((r) => toUser(r, assigned.get(r.id) ?? [])), total: total?.n ?? 0 };
  });
}

async function findRow(tx: Tx, id: string): Promise<Row> {
  const [row] = await tx.select().from(users).where(eq(users.id, id));
  if (!row) throw notFound('User');
  return row;
}

/** One user in the actor's scope. */
export async function getUser(db: Db, actor: Actor, id: string): Promise<User> {
  return withScope(db, actor.scope, async (tx) => {
    const row = await findRow(tx, id);
    return toUser(row, (await assignments(tx, [id])).get(id) ?? []);
  });
}

async function checkFacilities(tx: Tx, ids: string[]) {
  if (!ids.length) return;
  const found = await tx.select({ id: facilities.id }).from(facilities).where(inArray(facilities.id, ids));
  if (found.length !== new Set(ids).size)
    throw invalid('Unknown facility', [{ path: 'facilityId', message: 'not found' }]);
}

/** Creates a user without a password and returns a one-time invitation link to set it. */
export async function createUser(db: Db, actor: Actor, publicUrl: string, req: CreateUserRequest) {
  assertMayGrant(actor, req.role);
  if (req.assignedFacilityIds?.length && actor.role !== 'region_admin' && actor.role !== 'system') {
    throw forbidden('Only region administrators assign facilities');
  }
  if (req.assignedFacilityIds?.length && FACILITY_ROLES.includes(req.role)) {
    throw invalid('Facility roles belong to one facility', [
      { path: 'assignedFacilityIds', message: 'not allowed for this role' },
    ]);
  }
  return withScope(db, actor.scope, async (tx) => {
    await checkFacilities(tx, [...(req.facilityId ? [req.facilityId] : []), ...(req.assignedFacilityIds ?? [])]);
    const [dupe] = await tx.select({ id: users.id }).from(users).where(eq(users.email, req.email));
    if (dupe) throw conflict('A user with this e-mail already exists');
    const [row] = await tx
      .insert(users)
      .values({
        email: req.email,
        displayName: req.displayName,
        role: req.role,
        facilityId: req.facilityId ?? null,
        locale: req.locale,
      })
      .onConflictDoNothing()
      .returning();
    // The e-mail may exist outside the actor's scope (invisible here); the unique index still holds.
    if (!row) throw conflict('A user with this e-mail already exists');
    const assigned = [...new Set(req.assignedFacilityIds ?? [])];
    if (assigned.length)
      await tx.insert(userFacilities).values(assigned.map((facilityId) => ({ userId: row.id, facilityId })));
    const { token, expiresAt } = await createOneTimeToken(tx, 'invite', row.id, INVITE_TTL_MS);
    await appendAudit(tx, actor, {
      action: 'user.create',
      facilityId: row.facilityId,
      targetType: 'user',
      targetId: row.id,
      details: { email: row.email, role: row.role, assignedFacilityIds: assigned },
    });
    return { user: toUser(row, assigned), invitation: link(publicUrl, '/set-password', token, expiresAt) };
  });
}

/** Changes a user's name, role, facility, assignments or disabled flag; role changes are audited as such. */
export async function updateUser(db: Db, actor: Actor, id: string, req: UpdateUserRequest): Promise<User> {
  if (id === actor.userId && (req.role !== undefined || req.disabled !== undefined || req.facilityId !== undefined)) {
    throw forbidden('You cannot change your own role or disable yourself');
  }
  return withScope(db, actor.scope, async (tx) => {
    const before = await findRow(tx, id);
    assertMayGrant(actor, before.role as Role);
    const role = req.role ?? (before.role as Role);
    assertMayGrant(actor, role);
    const facilityId = req.facilityId === undefined ? before.facilityId : req.facilityId;
    if (FACILITY_ROLES.includes(role) && !facilityId)
      throw invalid('This role needs a facility', [{ path: 'facilityId', message: 'required' }]);
    if (!FACILITY_ROLES.includes(role) && facilityId)
      throw invalid('Only facility roles have a home facility', [{ path: 'facilityId', message: 'must be null' }]);
    if (req.assignedFacilityIds !== undefined && actor.role !== 'region_admin' && actor.role !== 'system') {
      throw forbidden('Only region administrators assign facilities');
    }
    await checkFacilities(tx, [...(facilityId ? [facilityId] : []), ...(req.assignedFacilityIds ?? [])]);
    const [row] = await tx
      .update(users)
      .set({
        displayName: req.displayName,
        role,
        facilityId,
        disabled: req.disabled,
        locale: req.locale,
        updatedAt: new Date(),
      })
      .where(eq(users.id, id))
      .returning();
    if (!row) throw notFound('User');
    if (req.assignedFacilityIds !== undefined) {
      await tx.delete(userFacilities).where(eq(userFacilities.userId, id));
      const assigned = [...new Set(req.assignedFacilityIds)];
      if (assigned.length)
        await tx.insert(userFacilities).values(assigned.map((facilityId) => ({ userId: id, facilityId })));
    }
    // Any change of privilege or a disable ends the user's sessions so it applies at once.
    if (role !== before.role || facilityId !== before.facilityId || req.disabled || req.assignedFacilityIds) {
      await tx.delete(sessions).where(eq(sessions.userId, id));
    }
    if (role !== before.role) {
      await appendAudit(tx, actor, {
        action: 'user.role_change',
        facilityId: row.facilityId,
        targetType: 'user',
        targetId: id,
        details: { from: before.role, to: role },
      });
    }
    await appendAudit(tx, actor, {
      action: 'user.update',
      facilityId: row.facilityId,
      targetType: 'user',
      targetId: id,
      details: { fields: Object.keys(req) },
    });
    return toUser(row, (await assignments(tx, [id])).get(id) ?? []);
  });
}

/** Admin password reset: invalidates the password and sessions and returns a one-time link. */
export async function resetPassword(db: Db, actor: Actor, publicUrl: string, id: string): Promise<OneTimeLink> {
  return withScope(db, actor.scope, async (tx) => {
    const row = await findRow(tx, id);
    assertMayGrant(actor, row.role as Role);
    await tx.update(users).set({ passwordHash: null, failedLogins: 0, lockedUntil: null }).where(eq(users.id, id));
    await tx.delete(sessions).where(eq(sessions.userId, id));
    const { token, expiresAt } = await createOneTimeToken(tx, 'reset', id, RESET_TTL_MS);
    await appendAudit(tx, actor, {
      action: 'user.password_reset',
      facilityId: row.facilityId,
      targetType: 'user',
      targetId: id,
    });
    return link(publicUrl, '/set-password', token, expiresAt);
  });
}

/** Clears a user's second factor so they enrol again at next sign-in. */
export async function resetMfa(db: Db, actor: Actor, id: string): Promise<User> {
  return withScope(db, actor.scope, async (tx) => {
    const row = await findRow(tx, id);
    assertMayGrant(actor, row.role as Role);
    const [updated] = await tx
      .update(users)
      .set({ totpSecret: null, mfaEnabled: false, totpLastCode: null })
      .where(eq(users.id, id))
      .returning();
    await tx.delete(sessions).where(eq(sessions.userId, id));
    await appendAudit(tx, actor, {
      action: 'user.mfa_reset',
      facilityId: row.facilityId,
      targetType: 'user',
      targetId: id,
    });
    return toUser(updated ?? row, (await assignments(tx, [id])).get(id) ?? []);
  });
}

/** Lifts a sign-in lock. */
export async function unlockUser(db: Db, actor: Actor, id: string): Promise<User> {
  return withScope(db, actor.scope, async (tx) => {
    const row = await findRow(tx, id);
    assertMayGrant(actor, row.role as Role);
    const [updated] = await tx
      .update(users)
      .set({ failedLogins: 0, lockedUntil: null })
      .where(eq(users.id, id))
      .returning();
    await appendAudit(tx, actor, {
      action: 'user.unlock',
      facilityId: row.facilityId,
      targetType: 'user',
      targetId: id,
    });
    return toUser(updated ?? row, (await assignments(tx, [id])).get(id) ?? []);
  });
}
