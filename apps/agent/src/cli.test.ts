import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { AgentEnrolRequestSchema } from '@mamori/contracts';
import { bundle } from '../scripts/build.ts';
import { AGENT_NODE_FLAGS, EXIT_CONFIG, EXIT_REVOKED } from './service.ts';
import { saveEnrolment } from './state.ts';
import {
  ackAll,
  createTestPki,
  type FakeServer,
  type SeenRequest,
  startFakeServer,
  type TestPki,
} from './test-helpers.ts';

// These tests run the shipped artifact: the esbuild bundle, built once here, or the build named by
// MAMORI_AGENT_BIN (dist/mamori-agent.mjs, or the single executable dist/mamori-agent).
const BIN = process.env.MAMORI_AGENT_BIN ? path.resolve(process.env.MAMORI_AGENT_BIN) : undefined;
const TOKEN = 'tok_0123456789abcdefghij';
const AGENT_ID = '00000000-0000-4000-8000-0000000000a1';
let command: string[];
let buildDir: string | undefined;
let pki: TestPki;
let root: string;
let server: FakeServer | undefined;

before(async () => {
  pki = await createTestPki();
  if (BIN) {
    command = BIN.endsWith('.mjs') ? [process.execPath, BIN] : [BIN];
  } else {
    buildDir = await mkdtemp(path.join(tmpdir(), 'mamori-cli-build-'));
    await bundle(path.join(buildDir, 'mamori-agent.mjs'));
    command = [process.execPath, path.join(buildDir, 'mamori-agent.mjs')];
  }
});
after(async () => {
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-cli-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(root, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mamori-agent args…`; `onStdout` may react to output (e.g. send a signal). */
function cli(args: string[], onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fake server that enrols anyone and then accepts heartbeats and events, or refuses them all (`revoked`). */
function fakeMamori(revoked = false): Promise<FakeServer> {
  return startFakeServer(pki, async (req: SeenRequest) => {
    if (req.path === '/api/agents/enroll') {
      const body = AgentEnrolRequestSchema.parse(req.body);
      return {
        status: 201,
        body: {
          agentId: AGENT_ID,
          facilityId: '00000000-0000-4000-8000-0000000000f1',
          certPem: await pki.sign(body.csrPem),
          caPem: pki.caPem,
          notAfter: new Date(Date.now() + 86_400_000).toISOString(),
          heartbeatSeconds: 30,
        },
      };
    }
    if (!req.authorized || revoked)
      return { status: 403, body: { error: { code: 'forbidden', message: 'agent revoked' } } };
    if (req.path === '/api/agent/heartbeat') {
      return {
        status: 200,
        body: { serverTime: new Date().toISOString(), policy: { heartbeatSeconds: 30, maxBatch: 100 } },
      };
    }
    return ackAll(req.body);
  });
}

test('emit queues a valid event, rejects an invalid one; status reports the outbox; run refuses without enrolment', async () => {
  const dir = path.join(root, 'state');
  assert.equal((await cli(['--version'])).stdout.trim(), '0.1.0');
  const ok = await cli([
    'emit',
    '--dir',
    dir,
    '--kind',
    'test',
    '--title',
    'hello',
    '--severity',
    'high',
    '--details',
    '{"a":1}',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const stored = JSON.parse(await readFile(path.join(dir, 'outbox', `${ok.stdout.trim()}.json`), 'utf8'));
  assert.deepEqual([stored.source, stored.kind, stored.severity, stored.details], ['agent', 'test', 'high', { a: 1 }]);

  const bad = await cli(['emit', '--dir', dir, '--kind', 'Not Valid', '--title', 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid event/);

  const status = await cli(['status', '--dir', dir, '--json']);
  assert.equal(status.code, 1, 'not enrolled');
  assert.equal(JSON.parse(status.stdout).enrolled, false);
  assert.equal(JSON.parse(status.stdout).outbox.count, 1);

  const run = await cli(['run', '--dir', dir]);
  assert.equal(run.code, EXIT_CONFIG);
  assert.match(run.stderr, /not enrolled/);
});

test('enroll (first contact refused, then pinned), status, then run sends the queue and stops cleanly on SIGTERM', async () => {
  server = await fakeMamori();
  const dir = path.join(root, 'state');
  const fp = new X509Certificate(pki.serverCertPem).fingerprint256;
  const tofu = await cli(['enroll', '--dir', dir, '--server', server.url, '--token', TOKEN]);
  assert.equal(tofu.code, 1);
  assert.ok(tofu.stdout.includes(fp.replaceAll(':', '').toLowerCase()), tofu.stdout);
  assert.match(tofu.stderr, /refusing/);
  assert.equal(server.requests.length, 0);

  const enrol = await cli(['enroll', '--dir', dir, '--server', server.url, '--token', TOKEN, '--fingerprint', fp]);
  assert.equal(enrol.code, 0, enrol.stderr);
  assert.ok(enrol.stdout.includes(`enrolled as agent ${AGENT_ID}`), enrol.stdout);

  await cli(['emit', '--dir', dir, '--kind', 'test', '--title', 'queued before run']);
  const status = JSON.parse((await cli(['status', '--dir', dir, '--json'])).stdout);
  assert.equal(status.enrolled, true);
  assert.equal(status.agentId, AGENT_ID);
  assert.ok(Date.parse(status.certNotAfter) > Date.now());
  assert.equal(status.outbox.count, 1);

  let signalled = false;
  const run = await cli(['run', '--dir', dir], (out, kill) => {
    if (!signalled && out.includes('"delivered events"')) {
      signalled = true;
      kill('SIGTERM');
    }
  });
  assert.equal(run.code, 0, run.stderr);
  const messages = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).msg);
  const milestones = ['agent started', 'connected to the server', 'delivered events', 'stopping', 'agent stopped'];
  assert.deepEqual(
    messages.filter((m) => milestones.includes(m)),
    milestones,
  );
  assert.ok(!run.stdout.includes('PRIVATE KEY'));
});

test(`run exits ${EXIT_REVOKED} with a clear message when the server revokes the agent`, async () => {
  server = await fakeMamori(true);
  const dir = path.join(root, 'state');
  const config = {
    serverUrl: server.url,
    agentId: AGENT_ID,
    facilityId: '00000000-0000-4000-8000-0000000000f1',
    enrolledAt: new Date().toISOString(),
    heartbeatSeconds: 30,
  };
  await saveEnrolment(dir, { config, ...(await pki.clientIdentity()), caPem: pki.caPem });
  const run = await cli(['run', '--dir', dir]);
  assert.equal(run.code, EXIT_REVOKED);
  assert.match(run.stdout, /revoked or its certificate is no longer valid/);
  assert.match(run.stderr, /refused this agent/);
});

test('install-service writes a hardened systemd unit for this agent and state directory', async () => {
  const unitFile = path.join(root, 'mamori-agent.service');
  const dir = path.join(root, 'state dir');
  const res = await cli(['install-service', '--unit-file', unitFile, '--dir', dir]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /systemctl enable --now mamori-agent/);
  const unit = await readFile(unitFile, 'utf8');
  const exec = command.length === 2 ? `${command[0]} ${AGENT_NODE_FLAGS.join(' ')} ${command[1]}` : command.join(' ');
  assert.ok(unit.includes(`ExecStart=${exec} run --dir "${dir}"`), unit);
  for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=full', `ReadWritePaths="${dir}"`, 'PrivateTmp=yes']) {
    assert.ok(unit.includes(line), line);
  }
  assert.ok(unit.includes(`RestartPreventExitStatus=${EXIT_REVOKED} ${EXIT_CONFIG}`));
});
