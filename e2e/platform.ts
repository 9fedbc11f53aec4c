/** Starts the platform the way a newcomer does (`mamori start`, embedded PostgreSQL) for end-to-end tests. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port.ts';

export { freePort };

const MAIN = path.resolve(import.meta.dirname, '../apps/server/src/main.ts');

/** A platform started as a child process, with what it printed. */
export type Platform = {
  url: string;
  setupUrl: string;
  dataDir: string;
  output: () => string;
  stop: () => Promise<void>;
};

/** Runs `mamori start` (as `npm start` does) on a fresh data directory and waits for its start-up message. */
export async function startPlatform(env: Record<string, string> = {}): Promise<Platform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-'));
  const child = spawn(process.execPath, ['--max-semi-space-size=4', MAIN, 'start'], {
    env: {
      ...process.env,
      MAMORI_DATA_DIR: dataDir,
      MAMORI_PORT: '0',
      MAMORI_EMBEDDED_PG_PORT: String(await freePort()),
      MAMORI_LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!/\/setup\?token=\S+/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`platform did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /running at (https:\/\/\S+)/.exec(out)?.[1] ?? '';
  const setupUrl = /(https:\/\/\S+\/setup\?token=\S+)/.exec(out)?.[1] ?? '';
  return {
    url,
    setupUrl,
    dataDir,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
