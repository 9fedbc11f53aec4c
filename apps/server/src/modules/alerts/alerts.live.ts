import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Db, Tx } from '../../db/client.ts';
import type { Scope } from '../../db/scope.ts';

/** The PostgreSQL channel alert changes are announced on (delivered to every replica at commit). */
export const ALERT_CHANNEL = 'mamori_alerts';

/** What an open console is told: which alert changed in which facility. */
export type AlertChange = { alertId: string; facilityId: string; change: 'created' | 'updated' };

/** Announces a change from inside the transaction that made it; nothing is sent if it rolls back. */
export async function announceAlertChange(tx: Tx, change: AlertChange): Promise<void> {
  await tx.execute(sql`select pg_notify(${ALERT_CHANNEL}, ${JSON.stringify(change)})`);
}

type Subscriber = { scope: Scope; send: (c: AlertChange) => void };

/**
 * Fans alert changes out to the consoles connected to this replica. One dedicated connection
 * LISTENs (and reconnects if it drops); each subscriber only hears about facilities in its scope.
 */
export function createAlertHub(db: Db, log: FastifyInstance['log']) {
  const subscribers = new Set<Subscriber>();
  let client: pg.PoolClient | undefined;
  /** Gives `client` back to the pool once, whichever of error and close comes first. */
  let release: (() => void) | undefined;
  let closed = false;
  let connecting = false;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (payload: string | undefined) => {
    let change: AlertChange;
    try {
      change = JSON.parse(payload ?? '') as AlertChange;
    } catch {
      return;
    }
    for (const s of subscribers) {
      if (s.scope.kind === 'all' || s.scope.ids.includes(change.facilityId)) s.send(change);
    }
  };

  const schedule = (ms: number) => {
    clearTimeout(retry);
    if (!closed) retry = setTimeout(connect, ms);
  };
  const connect = async () => {
    if (closed || client || connecting) return;
    connecting = true;
    try {
      const c = await db.$client.connect();
      let released = false;
      const drop = (err?: Error) => {
        if (released) return;
        released = true;
        c.release(err ?? true);
        if (client === c) client = undefined;
      };
      c.on('notification', (n) => deliver(n.payload));
      c.on('error', (err) => {
        log.warn({ err }, 'alert listener lost its connection; reconnecting');
        drop(err);
        schedule(1000);
      });
      await c.query(`LISTEN ${ALERT_CHANNEL}`);
      // Closed while connecting: give the connection back instead of holding it forever.
      if (closed) drop();
      else {
        client = c;
        release = drop;
      }
    } catch (err) {
      log.warn({ err }, 'alert listener could not connect; retrying');
      schedule(2000);
    } finally {
      connecting = false;
    }
  };

  return {
    /** Starts listening (idempotent). */
    start: connect,
    /** Adds a subscriber; returns the function that removes it. */
    subscribe(scope: Scope, send: (c: AlertChange) => void): () => void {
      const s = { scope, send };
      subscribers.add(s);
      return () => subscribers.delete(s);
    },
    /** Number of open consoles on this replica. */
    size: () => subscribers.size,
    async close() {
      closed = true;
      clearTimeout(retry);
      subscribers.clear();
      if (client) {
        await client.query(`UNLISTEN ${ALERT_CHANNEL}`).catch(() => {});
        // The same guarded release as the error path: a connection error arriving during shutdown
        // (the database stopping) must not release the client a second time.
        release?.();
        client = undefined;
      }
    },
  };
}

/** The hub's interface as routes use it. */
export type AlertHub = ReturnType<typeof createAlertHub>;
