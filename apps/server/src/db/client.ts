import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

/** The Drizzle database handle with the platform schema. */
export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A transaction handle (same query API as Db). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** An open connection pool and its Drizzle handle. */
export type Database = { db: Db; pool: pg.Pool; close: () => Promise<void> };

/**
 * Opens a pool. Every connection runs as the non-superuser role `mamori_app` (created by the
 * migrations) so row-level security binds the application even when DATABASE_URL is a superuser.
 */
export async function openDatabase(url: string, opts: { max?: number } = {}): Promise<Database> {
  // `-c role=…` makes every connection start as mamori_app (the startup packet sets it, so no
  // extra round trip); the role exists once migrations have run, which always happens first.
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    idleTimeoutMillis: 30_000,
    options: '-c role=mamori_app',
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });
  // A connection can also die while checked out (database restart, network cut). The failure
  // reaches the caller through its query; the 'error' event must never crash the process.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
