import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.ts';

/**
 * Which facilities' rows a transaction may see and write: all of them (region administrators and
 * system tasks) or a fixed list. This is the one place tenancy is applied; PostgreSQL row-level
 * security policies (drizzle/0001_tenancy_rls.sql) enforce it on every facility-owned table.
 */
export type Scope = { kind: 'all' } | { kind: 'facilities'; ids: readonly string[] };

/** Scope for system work (sign-in, migrations, jobs): sees everything. */
export const SYSTEM_SCOPE: Scope = { kind: 'all' };

/** Runs `fn` in a transaction bound to `scope`; the scope ends with the transaction. */
export async function withScope<T>(db: Db, scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const ids = scope.kind === 'all' ? '' : scope.ids.join(',');
    await tx.execute(
      sql`select set_config('mamori.scope', ${scope.kind}, true), set_config('mamori.facilities', ${ids}, true)`,
    );
    return fn(tx);
  });
}

/** True when the scope includes the facility. */
export function scopeIncludes(scope: Scope, facilityId: string | null): boolean {
  if (scope.kind === 'all') return true;
  return facilityId !== null && scope.ids.includes(facilityId);
}
