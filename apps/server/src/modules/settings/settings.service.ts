import { type Settings, SettingsSchema, type UpdateSettingsRequest } from '@mamori/contracts';
import { eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { organisations } from '../facilities/facilities.tables.ts';
import { settings } from './settings.tables.ts';

const DEFAULTS: Omit<Settings, 'organisationName'> = {
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  requireClientCertificate: false,
};

// Settings are read on every request; a short cache keeps that off the database. Replicas pick
// up a change within the TTL.
const TTL_MS = 5_000;
let cache: { at: number; value: Settings } | undefined;

/** Forgets cached settings (after the organisation or settings change). */
export function invalidateSettingsCache(): void {
  cache = undefined;
}

/** Current settings (defaults for anything never set). */
export async function getSettings(tx: Tx): Promise<Settings> {
  if (cache && Date.now() - cache.at < TTL_MS) return cache.value;
  const [row] = await tx.select().from(settings).where(eq(settings.key, 'console'));
  const [org] = await tx.select().from(organisations).limit(1);
  const value = SettingsSchema.parse({
    ...DEFAULTS,
    ...(row?.value as object | undefined),
    organisationName: org?.name ?? 'Mamori',
  });
  cache = { at: Date.now(), value };
  return value;
}

/** Reads settings (from the cache when fresh, else in a transaction of its own). */
export const readSettings = async (db: Db): Promise<Settings> =>
  cache && Date.now() - cache.at < TTL_MS ? cache.value : withScope(db, SYSTEM_SCOPE, getSettings);

/** Changes settings and records the change (old and new values) in the audit log. */
export async function updateSettings(db: Db, actor: Actor, patch: UpdateSettingsRequest): Promise<Settings> {
  return withScope(db, SYSTEM_SCOPE, async (tx) => {
    cache = undefined;
    const before = await getSettings(tx);
    const { organisationName, ...rest } = { ...before, ...patch };
    if (patch.organisationName !== undefined) await tx.update(organisations).set({ name: organisationName });
    await tx
      .insert(settings)
      .values({ key: 'console', value: rest })
      .onConflictDoUpdate({ target: settings.key, set: { value: rest, updatedAt: new Date() } });
    cache = undefined;
    const after = await getSettings(tx);
    const changed = Object.fromEntries(
      Object.keys(patch).map((k) => [k, { from: before[k as keyof Settings], to: after[k as keyof Settings] }]),
    );
    await appendAudit(tx, actor, { action: 'settings.update', details: { changed } });
    cache = undefined;
    return after;
  });
}
