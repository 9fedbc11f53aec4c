import {
  type BootstrapRequest,
  MFA_REQUIRED_ROLES,
  ROLE_PERMISSIONS,
  type Role,
  type SessionResponse,
  type SessionState,
} from '@mamori/contracts';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import { type Actor, scopeForUser } from '../../lib/actor.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, conflict, invalid, locked, unauthenticated } from '../../lib/errors.ts';
import { appendAudit, recordAudit } from '../audit/audit.service.ts';
import { organisations } from '../facilities/facilities.tables.ts';
import { getSettings, invalidateSettingsCache } from '../settings/settings.service.ts';
import { userFacilities, users } from '../users/users.tables.ts';
import { oneTimeTokens, sessions } from './auth.tables.ts';
import { checkPasswordPolicy, hashPassword, verifyDummy, verifyPassword } from './password.ts';

/** Sign-in policy knobs from configuration. */
export type AuthPolicy = { lockoutThreshold: number; lockoutMinutes: number };

/** Request metadata recorded with sessions and audit entries. */
export type ClientMeta = { ip: string | null; userAgent: string | null };

type UserRow = typeof users.$inferSelect;

/** A loaded session: the actor it stands for and the state of its second factor. */
export type LoadedSession = {
  tokenHash: string;
  state: SessionState;
  csrfToken: string;
  actor: Actor;
  user: UserRow;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
};

const TOTP_ISSUER = 'Mamori';

function sessionStateFor(user: UserRow): SessionState {
  if (user.mfaEnabled) return 'mfa_required';
  if (MFA_REQUIRED_ROLES.includes(user.role as Role)) return 'mfa_setup_required';
  return 'active';
}

async function assignedFacilities(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: userFacilities.facilityId })
    .from(userFacilities)
    .where(eq(userFacilities.userId, userId));
  return rows.map((r) => r.id);
}

async function createSession(tx: Tx, user: UserRow, meta: ClientMeta): Promise<string> {
  const s = await getSettings(tx);
  const token = randomToken(32);
  const now = Date.now();
  await tx.insert(sessions).values({
    tokenHash: sha256Hex(token),
    userId: user.id,
    state: sessionStateFor(user),
    csrfToken: randomToken(24),
    idleExpiresAt: new Date(now + s.sessionIdleMinutes * 60_000),
    absoluteExpiresAt: new Date(now + s.sessionAbsoluteHours * 3_600_000),
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

const actorOf = (user: UserRow, assigned: string[], ip: string | null): Actor => ({
  userId: user.id,
  email: user.email,
  role: user.role as Role,
  facilityId: user.facilityId,
  scope: scopeForUser({ role: user.role as Role, facilityId: user.facilityId, assignedFacilityIds: assigned }),
  ip,
});

/**
 * Checks e-mail and password. Failures are counted per account and lock it for a while after
 * the threshold; the response never tells whether the e-mail exists.
 */
export async function login(db: Db, policy: AuthPolicy, email: string, password: string, meta: ClientMeta) {
  const anon: Actor = { userId: null, email, role: 'system', facilityId: null, scope: SYSTEM_SCOPE, ip: meta.ip };
  const user = await withScope(
    db,
    SYSTEM_SCOPE,
    async (tx) => (await tx.select().from(users).where(eq(users.email, email)))[0],
  );
  if (!user?.passwordHash || user.disabled) {
    await verifyDummy(password);
    await recordAudit(db, anon, { action: 'auth.login', outcome: 'failure', details: { reason: 'bad_credentials' } });
    throw unauthenticated('E-mail or password is incorrect');
  }
  const actor = { ...anon, userId: user.id, facilityId: user.facilityId };
  if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
    await recordAudit(db, actor, {
      action: 'auth.login',
      outcome: 'failure',
      facilityId: user.facilityId,
      details: { reason: 'locked' },
    });
    throw locked('This account is locked after too many failed sign-ins. Try again later or ask an administrator.');
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    await withScope(db, SYSTEM_SCOPE, async (tx) => {
      const failed = user.failedLogins + 1;
      const lock = failed >= policy.lockoutThreshold;
      await tx
        .update(users)
        .set({
          failedLogins: lock ? 0 : sql`${users.failedLogins} + 1`,
          lockedUntil: lock ? new Date(Date.now() + policy.lockoutMinutes * 60_000) : user.lockedUntil,
        })
        .where(eq(users.id, user.id));
      await appendAudit(tx, actor, {
        action: lock ? 'auth.lockout' : 'auth.login',
        outcome: 'failure',
        facilityId: user.facilityId,
        targetType: 'user',
        targetId: user.id,
        details: { reason: 'bad_credentials', failedAttempts: failed },
      });
    });
    throw unauthenticated('E-mail or password is incorrect');
  }
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    await tx
      .update(users)
      .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() })
      .where(eq(users.id, user.id));
    const token = await createSession(tx, user, meta);
    await appendAudit(tx, actor, {
      action: 'auth.login',
      facilityId: user.facilityId,
      targetType: 'user',
      targetId: user.id,
      details: { state: sessionStateFor(user) },
    });
    return token;
  });
}

/** Finds a live session by its cookie token and extends its idle timeout. */
export async function loadSession(db: Db, token: string, ip: string | null): Promise<LoadedSession | undefined> {
  const tokenHash = sha256Hex(token);
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const [row] = await tx
      .select({ s: sessions, u: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.tokenHash, tokenHash),
          gt(sessions.idleExpiresAt, new Date()),
          gt(sessions.absoluteExpiresAt, new Date()),
        ),
      );
    if (!row || row.u.disabled) return undefined;
    const s = await getSettings(tx);
    const idleMs = s.sessionIdleMinutes * 60_000;
    let idleExpiresAt = row.s.idleExpiresAt;
    // Extend at most once a minute so reads do not turn into a write per request.
    if (idleExpiresAt.getTime() - Date.now() < idleMs - 60_000) {
      idleExpiresAt = new Date(Math.min(Date.now() + idleMs, row.s.absoluteExpiresAt.getTime()));
      await tx.update(sessions).set({ idleExpiresAt }).where(eq(sessions.tokenHash, tokenHash));
    }
    // Only auditors and analysts have assignments; skip the query for everyone else.
    const assigned = row.u.role === 'auditor' || row.u.role === 'analyst' ? await assignedFacilities(tx, row.u.id) : [];
    return {
      tokenHash,
      state: row.s.state as SessionState,
      csrfToken: row.s.csrfToken,
      actor: actorOf(row.u, assigned, ip),
      user: row.u,
      idleExpiresAt,
      absoluteExpiresAt: row.s.absoluteExpiresAt,
    };
  });
}

/** The console's view of a session. */
export function toSessionResponse(s: LoadedSession, organisationName: string): SessionResponse {
  const role = s.user.role as Role;
  return {
    state: s.state,
    csrfToken: s.csrfToken,
    organisationName,
    user: {
      id: s.user.id,
      email: s.user.email,
      displayName: s.user.displayName,
      role,
      facilityId: s.user.facilityId,
      locale: s.user.locale === 'en' ? 'en' : 'ja',
      mfaEnabled: s.user.mfaEnabled,
    },
    permissions: s.state === 'active' ? [...ROLE_PERMISSIONS[role]] : [],
    idleExpiresAt: s.idleExpiresAt.toISOString(),
    absoluteExpiresAt: s.absoluteExpiresAt.toISOString(),
  };
}

/** Ends a session. */
export async function logout(db: Db, s: LoadedSession): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, async (tx) => {
    await tx.delete(sessions).where(eq(sessions.tokenHash, s.tokenHash));
    await appendAudit(tx, s.actor, { action: 'auth.logout', facilityId: s.user.facilityId });
  });
}

async function checkTotp(tx: Tx, user: UserRow, secret: string, code: string): Promise<boolean> {
  const result = await verifyTotp({ secret, token: code, epochTolerance: 30 });
  if (!result.valid) return false;
  // A code seen in the last 90 seconds is a replay.
  if (user.totpLastCode === code && user.totpLastAt && Date.now() - user.totpLastAt.getTime() < 90_000) return false;
  await tx.update(users).set({ totpLastCode: code, totpLastAt: new Date() }).where(eq(users.id, user.id));
  return true;
}

/** Starts TOTP enrolment: a new secret kept on the session until confirmed. */
export async function startMfaSetup(db: Db, s: LoadedSession) {
  if (s.user.mfaEnabled) throw conflict('Two-step sign-in is already set up');
  const secret = generateSecret();
  await withScope(db, SYSTEM_SCOPE, (tx) =>
    tx.update(sessions).set({ pendingTotpSecret: secret }).where(eq(sessions.tokenHash, s.tokenHash)),
  );
  return { secret, otpauthUrl: generateURI({ issuer: TOTP_ISSUER, label: s.user.email, secret }) };
}

/** Confirms TOTP enrolment with a first code; the session becomes fully signed in. */
export async function confirmMfaSetup(db: Db, s: LoadedSession, code: string): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, async (tx) => {
    const [row] = await tx.select().from(sessions).where(eq(sessions.tokenHash, s.tokenHash));
    if (!row?.pendingTotpSecret) throw invalid('Start the set-up first');
    if (!(await checkTotp(tx, s.user, row.pendingTotpSecret, code))) {
      await appendAudit(tx, s.actor, { action: 'auth.mfa_enrol', outcome: 'failure', facilityId: s.user.facilityId });
      throw invalid('The code is not correct. Check the time on your phone and try the newest code.', [
        { path: 'code', message: 'incorrect code' },
      ]);
    }
    await tx.update(users).set({ totpSecret: row.pendingTotpSecret, mfaEnabled: true }).where(eq(users.id, s.user.id));
    await tx
      .update(sessions)
      .set({ state: 'active', pendingTotpSecret: null })
      .where(eq(sessions.tokenHash, s.tokenHash));
    await appendAudit(tx, s.actor, {
      action: 'auth.mfa_enrol',
      facilityId: s.user.facilityId,
      targetType: 'user',
      targetId: s.user.id,
    });
  });
}

/** Completes sign-in with the second factor. */
export async function verifyMfa(db: Db, s: LoadedSession, code: string): Promise<void> {
  if (s.state !== 'mfa_required' || !s.user.totpSecret) throw conflict('No second step is pending');
  const secret = s.user.totpSecret;
  const ok = await withScope(db, SYSTEM_SCOPE, async (tx) => {
    if (!(await checkTotp(tx, s.user, secret, code))) return false;
    await tx.update(sessions).set({ state: 'active' }).where(eq(sessions.tokenHash, s.tokenHash));
    await appendAudit(tx, s.actor, { action: 'auth.mfa', facilityId: s.user.facilityId });
    return true;
  });
  if (!ok) {
    await recordAudit(db, s.actor, { action: 'auth.mfa', outcome: 'failure', facilityId: s.user.facilityId });
    throw invalid('The code is not correct', [{ path: 'code', message: 'incorrect code' }]);
  }
}

/** Creates a one-time token (stored hashed) and returns the raw token. */
export async function createOneTimeToken(
  tx: Tx,
  purpose: 'bootstrap' | 'invite' | 'reset',
  userId: string | null,
  ttlMs: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken(32);
  const expiresAt = new Date(Date.now() + ttlMs);
  if (userId) await tx.delete(oneTimeTokens).where(and(eq(oneTimeTokens.userId, userId), isNull(oneTimeTokens.usedAt)));
  await tx.insert(oneTimeTokens).values({ tokenHash: sha256Hex(token), purpose, userId, expiresAt });
  return { token, expiresAt };
}

async function takeToken(tx: Tx, token: string, purposes: string[]) {
  const [row] = await tx
    .select()
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.tokenHash, sha256Hex(token)),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, new Date()),
      ),
    )
    .for('update');
  if (!row || !purposes.includes(row.purpose)) {
    throw new AppError('invalid', 400, 'This link is invalid or has expired. Ask an administrator for a new one.', [
      { path: 'token', message: 'invalid or expired' },
    ]);
  }
  return row;
}

/** True while no user exists (the console then offers first-run set-up). */
export async function needsBootstrap(db: Db): Promise<boolean> {
  const rows = await withScope(db, SYSTEM_SCOPE, (tx) => tx.select({ id: users.id }).from(users).limit(1));
  return rows.length === 0;
}

/** Issues the first-run set-up token (replacing any earlier one) while no user exists. */
export async function issueBootstrapToken(db: Db): Promise<string | undefined> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const any = await tx.select({ id: users.id }).from(users).limit(1);
    if (any.length) return undefined;
    await tx.delete(oneTimeTokens).where(eq(oneTimeTokens.purpose, 'bootstrap'));
    return (await createOneTimeToken(tx, 'bootstrap', null, 24 * 3_600_000)).token;
  });
}

/** First run: creates the organisation and the first region administrator, then signs them in. */
export async function bootstrap(db: Db, req: BootstrapRequest, meta: ClientMeta): Promise<string> {
  checkPasswordPolicy(req.password, req.email);
  const passwordHash = await hashPassword(req.password);
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    await takeToken(tx, req.token, ['bootstrap']);
    // Serialise concurrent first-run attempts; only the first may create an administrator.
    await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
    const any = await tx.select({ id: users.id }).from(users).limit(1);
    if (any.length) throw conflict('The platform is already set up');
    await tx.update(oneTimeTokens).set({ usedAt: new Date() }).where(eq(oneTimeTokens.purpose, 'bootstrap'));
    invalidateSettingsCache();
    const [org] = await tx.select().from(organisations).limit(1);
    if (org) await tx.update(organisations).set({ name: req.organisationName }).where(eq(organisations.id, org.id));
    else await tx.insert(organisations).values({ name: req.organisationName });
    const [user] = await tx
      .insert(users)
      .values({ email: req.email, displayName: req.displayName, role: 'region_admin', passwordHash })
      .returning();
    if (!user) throw new Error('insert returned nothing');
    const actor = actorOf(user, [], meta.ip);
    await appendAudit(tx, actor, {
      action: 'platform.bootstrap',
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email },
    });
    return createSession(tx, user, meta);
  });
}

/** What a one-time link is for, so the page can greet the user before they set a password. */
export async function describeOneTimeToken(db: Db, token: string) {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    const row = await takeToken(tx, token, ['invite', 'reset']);
    const [user] = row.userId ? await tx.select().from(users).where(eq(users.id, row.userId)) : [];
    if (!user) throw invalid('This link is invalid or has expired.');
    return {
      purpose: row.purpose as 'invite' | 'reset',
      email: user.email,
      displayName: user.displayName,
      expiresAt: row.expiresAt.toISOString(),
    };
  });
}

/** Sets a password with an invitation or reset link; all of the user's sessions end. */
export async function setPasswordWithToken(db: Db, token: string, password: string, meta: ClientMeta): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, async (tx) => {
    const row = await takeToken(tx, token, ['invite', 'reset']);
    const [user] = row.userId ? await tx.select().from(users).where(eq(users.id, row.userId)) : [];
    if (!user) throw invalid('This link is invalid or has expired.');
    checkPasswordPolicy(password, user.email);
    const passwordHash = await hashPassword(password);
    await tx.update(oneTimeTokens).set({ usedAt: new Date() }).where(eq(oneTimeTokens.tokenHash, row.tokenHash));
    await tx
      .update(users)
      .set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: new Date() })
      .where(eq(users.id, user.id));
    await tx.delete(sessions).where(eq(sessions.userId, user.id));
    await appendAudit(tx, actorOf(user, [], meta.ip), {
      action: row.purpose === 'invite' ? 'auth.invitation_accepted' : 'auth.password_reset',
      facilityId: user.facilityId,
      targetType: 'user',
      targetId: user.id,
    });
  });
}

/** Deletes expired sessions and tokens (run periodically). */
export async function purgeExpired(db: Db): Promise<void> {
  await withScope(db, SYSTEM_SCOPE, async (tx) => {
    await tx.delete(sessions).where(lt(sessions.absoluteExpiresAt, new Date()));
    await tx.delete(sessions).where(lt(sessions.idleExpiresAt, new Date()));
    await tx.delete(oneTimeTokens).where(lt(oneTimeTokens.expiresAt, new Date(Date.now() - 7 * 86_400_000)));
  });
}
