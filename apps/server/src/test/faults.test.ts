/**
 * Fault tests: 50 simulated agents stream events over mutual TLS while the server is killed with
 * SIGKILL again and again, and while PostgreSQL restarts. Every agent keeps each event until the
 * server acknowledges it and retries otherwise. Afterwards every event is stored exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentEvent } from '@mamori/contracts';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { runMigrations } from '../db/migrate.ts';
import { systemActor } from '../lib/actor.ts';
import { createEnrolmentToken, enrolAgent } from '../modules/agents/agents.service.ts';
import { createFacility } from '../modules/facilities/facilities.service.ts';
import { loadOrCreateCa } from '../modules/pki/pki.service.ts';
import { freePort, makeAgentCsr, makeFacility, onCleanup } from './harness.ts';

const MAIN = path.resolve(import.meta.dirname, '../main.ts');
const AGENTS = 50;
const EVENTS_PER_AGENT = 40;
const BATCH = 5;

type Creds = { keyPem: string; certPem: string; caPem: string; agentId: string };

async function setUp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-faults-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  // A PostgreSQL of this test's own, so restarting it disturbs no other test.
  const pgPort = await freePort();
  const pgDir = path.join(dir, 'pg');
  let pg = await startEmbeddedPostgres({ dir: pgDir, port: pgPort, database: 'mamori' });
  onCleanup(() => pg.stop().catch(() => {}));
  /** Stops PostgreSQL, waits, and starts it again on the same data and port. */
  const restartPg = async (downMs: number) => {
    await pg.stop();
    await new Promise((r) => setTimeout(r, downMs));
    pg = await startEmbeddedPostgres({ dir: pgDir, port: pgPort, database: 'mamori' });
  };
  await runMigrations(pg.url);
  const database = await openDatabase(pg.url, { max: 4 });
  onCleanup(() => database.close());
  const ca = await loadOrCreateCa(path.join(dir, 'pki'), { commonName: 'Mamori Fault CA' });
  const facility = await createFacility(database.db, systemActor(), makeFacility({ name: '障害試験病院' }));
  const settings = { heartbeatSeconds: 30, offlineAfterSeconds: 300 };
  const agents: Creds[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const { token } = await createEnrolmentToken(database.db, systemActor(), {
      facilityId: facility.id,
      ttlMinutes: 10,
    });
    const { csrPem, keyPem } = await makeAgentCsr(`host-${i}`);
    const host = {
      hostname: `host-${i}`,
      os: 'linux' as const,
      osVersion: '12',
      ips: [],
      agentVersion: '0.1.0',
      product: 'agent' as const,
      uptimeSeconds: 1,
    };
    const res = await enrolAgent(database.db, ca, settings, { token, csrPem, host }, null);
    agents.push({ keyPem, certPem: res.certPem, caPem: res.caPem, agentId: res.agentId });
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return; // already running
    child = spawn(process.execPath, [MAIN, 'start'], {
      env: {
        ...process.env,
        DATABASE_URL: pg.url,
        MAMORI_DATA_DIR: dir,
        MAMORI_PORT: String(port),
        MAMORI_LOG_LEVEL: process.env.FAULT_DEBUG ? 'error' : 'fatal',
        MAMORI_WEB_DIR: '',
        MAMORI_API_RATE_LIMIT: '1000000',
      },
      stdio: process.env.FAULT_DEBUG ? 'inherit' : 'ignore',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        https
          .get(`https://127.0.0.1:${port}/api/ready`, { ca: ca.certPem }, (r) => resolve(r.statusCode === 200))
          .on('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error('server did not come back');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  onCleanup(async () => {
    if (child && child.exitCode === null) {
      const c = child;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  });
  return { restartPg, database, facility, agents, port, start, kill };
}

/** One simulated agent: an outbox that keeps events until the server acknowledges them. */
async function runAgent(port: number, creds: Creds, events: AgentEvent[], stats: { retries: number }) {
  const outbox = [...events];
  const agent = new https.Agent({ key: creds.keyPem, cert: creds.certPem, ca: creds.caPem, keepAlive: true });
  while (outbox.length) {
    const batch = outbox.slice(0, BATCH);
    const res = await new Promise<{ status: number; body: string } | undefined>((resolve) => {
      const req = https.request(
        `https://127.0.0.1:${port}/api/agent/events`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 5000 },
        (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          r.on('error', () => resolve(undefined));
        },
      );
      req.on('error', () => resolve(undefined));
      req.on('timeout', () => req.destroy());
      req.end(JSON.stringify({ events: batch }));
    });
    if (res?.status === 200) {
      const ack = JSON.parse(res.body) as { accepted: string[]; duplicates: string[] };
      const done = new Set([...ack.accepted, ...ack.duplicates]);
      for (let i = outbox.length - 1; i >= 0; i--) if (done.has(outbox[i]?.id ?? '')) outbox.splice(i, 1);
    } else {
      if (res && res.status >= 400 && res.status < 500) throw new Error(`agent refused: ${res.status} ${res.body}`);
      stats.retries++;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
  agent.destroy();
}

function eventsFor(agentIndex: number): AgentEvent[] {
  return Array.from({ length: EVENTS_PER_AGENT }, (_, i) => ({
    id: crypto.randomUUID(),
    occurredAt: new Date().toISOString(),
    source: 'agent',
    kind: `fault-${i % 4}`,
    severity: 'low' as const,
    title: `fault test ${agentIndex}/${i}`,
    details: { i },
  }));
}

async function assertExactlyOnce(
  db: Awaited<ReturnType<typeof setUp>>['database']['db'],
  agentIds: string[],
  label: string,
) {
  const { withScope, SYSTEM_SCOPE } = await import('../db/scope.ts');
  const [row] = await withScope(db, SYSTEM_SCOPE, (tx) =>
    tx.execute<{ events: string; counted: string; unlinked: string }>(sql`
      select (select count(*) from agent_events where agent_id = any(${`{${agentIds.join(',')}}`}::uuid[])) as events,
             (select coalesce(sum(count), 0) from alerts where agent_id = any(${`{${agentIds.join(',')}}`}::uuid[]) and kind like 'fault-%') as counted,
             (select count(*) from agent_events where alert_id is null) as unlinked`),
  ).then((r) => r.rows);
  const expected = agentIds.length * EVENTS_PER_AGENT;
  assert.equal(Number(row?.events), expected, `${label}: events stored`);
  assert.equal(Number(row?.counted), expected, `${label}: occurrences counted in alerts (no double counting)`);
  assert.equal(Number(row?.unlinked), 0, `${label}: every event linked to its alert`);
}

describe('faults: nothing lost, nothing duplicated', { timeout: 240_000 }, async () => {
  const env = await setUp();

  it('survives repeated SIGKILL of the server while 50 agents stream', async () => {
    const group = env.agents.slice(0, 25);
    await env.start();
    const stats = { retries: 0 };
    const streaming = Promise.all(group.map((a, i) => runAgent(env.port, a, eventsFor(i), stats)));
    let kills = 0;
    let finished = false;
    void streaming.finally(() => {
      finished = true;
    });
    while (!finished && kills < 4) {
      await new Promise((r) => setTimeout(r, 600));
      if (finished) break;
      await env.kill();
      kills++;
      await new Promise((r) => setTimeout(r, 200));
      await env.start();
    }
    await streaming;
    assert.ok(kills >= 1, 'the server was killed at least once mid-stream');
    assert.ok(stats.retries > 0, 'agents had to retry');
    await assertExactlyOnce(
      env.database.db,
      group.map((a) => a.agentId),
      `after ${kills} kills`,
    );
  });

  it('survives a PostgreSQL restart under load', async () => {
    const group = env.agents.slice(25);
    const stats = { retries: 0 };
    await env.start();
    const streaming = Promise.all(group.map((a, i) => runAgent(env.port, a, eventsFor(100 + i), stats)));
    await new Promise((r) => setTimeout(r, 300));
    await env.restartPg(1000);
    await streaming;
    assert.ok(stats.retries > 0, 'agents had to retry while the database was down');
    await assertExactlyOnce(
      env.database.db,
      group.map((a) => a.agentId),
      'after the restart',
    );
  });
});
