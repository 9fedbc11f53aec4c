import { drizzle } from 'drizzle-orm/node-postgres';
import type { Db, Tx } from './client.ts';

/**
 * Which facilities' rows a transaction may see and write: all of them (region administrators and
 * system tasks) or a fixed list. This is the one place tenancy is applied; PostgreSQL row-level
 * security policies (drizzle/0001_tenancy_rls.sql) enforce it on every facility-owned table.
 */
export type Scope = { kind: 'all' } | { kind: 'facilities'; ids: readonly string[] };

/** Scope for system work (sign-in, migrations, jobs): sees everything. */
export const SYSTEM_SCOPE: Scope = { kind: 'all' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The statement that opens a scoped transaction; values are checked, so inlining them is safe. */
function beginScoped(scope: Scope): string {
  const ids = scope.kind === 'all' ? [] : scope.ids;
  if (!ids.every((id) => UUID.test(id))) throw new Error('scope holds a non-UUID facility id');
  // One round trip: BEGIN and the transaction-local settings the row-level security policies read.
  return `BEGIN; SELECT set_config('mamori.scope', '${scope.kind === 'all' ? 'all' : 'facilities'}', true), set_config('mamori.facilities', '${ids.join(',')}', true)`;
}

/** Runs `fn` in a transaction bound to `scope`; the scope ends with the transaction. */
export async function withScope<T>(db: Db, scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const begin = beginScoped(scope);
  const client = await db.$client.connect();
  let broken: Error | undefined;
  // A connection lost while checked out (database restart) must not crash the process: remember
  // it, let the pending query fail, and have the pool discard the client.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await fn(drizzle(client) as unknown as Tx);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e; // the connection is unusable; the pool must discard it
    });
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
