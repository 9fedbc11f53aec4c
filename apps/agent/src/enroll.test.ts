import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, before, beforeEach, test } from 'node:test';
import { AgentEnrolRequestSchema } from '@mamori/contracts';
import * as x509 from '@peculiar/x509';
import { EnrolError, enrol } from './enroll.ts';
import { loadEnrolment } from './state.ts';
import {
  createTestPki,
  type FakeReply,
  type FakeServer,
  type SeenRequest,
  startFakeServer,
  type TestPki,
} from './test-helpers.ts';

const TOKEN = 'tok_0123456789abcdefghijklmnop';
const FACILITY = '00000000-0000-4000-8000-00000000f001';
let pki: TestPki;
let root: string;
let dir: string;
let server: FakeServer;
let agentNo = 0;

/** A fake enrolment endpoint: checks the token and signs the CSR with the test CA. */
async function enrolHandler(req: SeenRequest): Promise<FakeReply> {
  const body = AgentEnrolRequestSchema.parse(req.body);
  if (req.path !== '/api/agents/enroll') return { status: 404 };
  if (body.token !== TOKEN)
    return { status: 401, body: { error: { code: 'unauthenticated', message: 'the enrolment token has expired' } } };
  agentNo += 1;
  return {
    status: 201,
    body: {
      agentId: `00000000-0000-4000-8000-${String(agentNo).padStart(12, '0')}`,
      facilityId: FACILITY,
      certPem: await pki.sign(body.csrPem),
      caPem: pki.caPem,
      notAfter: new Date(Date.now() + 86_400_000).toISOString(),
      heartbeatSeconds: 60,
    },
  };
}

before(async () => {
  pki = await createTestPki();
});
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-enrol-'));
  dir = path.join(root, 'state');
  server = await startFakeServer(pki, enrolHandler);
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const serverFingerprint = () => new X509Certificate(pki.serverCertPem).fingerprint256;

test('enrols with --ca: stores key (0600), certificate, CA and agent.json in a 0700 directory', async () => {
  const config = await enrol({ server: server.url, token: TOKEN, dir, caPem: pki.caPem });
  assert.equal(config.facilityId, FACILITY);
  assert.equal(config.serverUrl, server.url);
  const sent = AgentEnrolRequestSchema.parse(server.requests[0]!.body);
  assert.equal(server.requests[0]!.path, '/api/agents/enroll');
  assert.equal(await new x509.Pkcs10CertificateRequest(sent.csrPem).verify(), true);

  const e = await loadEnrolment(dir);
  assert.deepEqual(e?.config, config);
  assert.equal(e!.caPem, pki.caPem);
  const certKey = new X509Certificate(e!.certPem).publicKey.export({ type: 'spki', format: 'der' });
  assert.deepEqual(certKey, createPublicKey(createPrivateKey(e!.keyPem)).export({ type: 'spki', format: 'der' }));
  if (process.platform !== 'win32') {
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(dir, 'agent.key'))).mode & 0o777, 0o600);
  }
  assert.deepEqual((await readdir(dir)).sort(), ['agent.crt', 'agent.json', 'agent.key', 'ca.crt']);
});

test('refuses a second enrolment unless --force, which replaces the identity', async () => {
  const first = await enrol({ server: server.url, token: TOKEN, dir, caPem: pki.caPem });
  await assert.rejects(enrol({ server: server.url, token: TOKEN, dir, caPem: pki.caPem }), (err: Error) => {
    return err instanceof EnrolError && err.message.includes('--force') && err.message.includes(first.agentId);
  });
  assert.equal(server.requests.length, 1);
  const second = await enrol({ server: server.url, token: TOKEN, dir, caPem: pki.caPem, force: true });
  assert.notEqual(second.agentId, first.agentId);
  assert.equal((await loadEnrolment(dir))?.config.agentId, second.agentId);
});

test("a bad token fails with the server's reason and stores nothing", async () => {
  await assert.rejects(
    enrol({ server: server.url, token: 'tok_wrong_wrong_wrong_wrong', dir, caPem: pki.caPem }),
    (err: Error) => err instanceof EnrolError && /401/.test(err.message) && /token has expired/.test(err.message),
  );
  assert.equal(await loadEnrolment(dir), undefined);
});

test('an unreachable server fails clearly', async () => {
  const port = server.port;
  await server.close();
  await assert.rejects(
    enrol({ server: `https://127.0.0.1:${port}`, token: TOKEN, dir, caPem: pki.caPem }),
    (err: Error) => err instanceof EnrolError && /cannot reach the server/.test(err.message),
  );
  server = await startFakeServer(pki, enrolHandler); // for afterEach
});

test('a CA that did not issue the server certificate is rejected before the token is sent', async () => {
  const other = await createTestPki();
  await assert.rejects(
    enrol({ server: server.url, token: TOKEN, dir, caPem: other.caPem }),
    (err: Error) => err instanceof EnrolError && /cannot verify the server/.test(err.message),
  );
  assert.equal(server.requests.length, 0);
});

test('first contact without --ca/--fingerprint shows the fingerprint and refuses without sending the token', async () => {
  const lines: string[] = [];
  await assert.rejects(
    enrol({ server: server.url, token: TOKEN, dir, say: (l) => lines.push(l) }),
    (err: Error) => err instanceof EnrolError && /refusing/.test(err.message),
  );
  assert.equal(server.requests.length, 0);
  const shown = lines.join('\n').match(/fingerprint: ([0-9a-f]{64})/)?.[1];
  assert.equal(shown, serverFingerprint().replaceAll(':', '').toLowerCase());

  // The shown fingerprint (in either notation) then works as a pin ...
  await enrol({ server: server.url, token: TOKEN, dir, fingerprint: serverFingerprint() });
  assert.equal(server.requests.length, 1);
  // ... and --insecure-first-contact proceeds too.
  await enrol({ server: server.url, token: TOKEN, dir, insecureFirstContact: true, force: true, say: () => {} });
  assert.equal(server.requests.length, 2);
});

test('a wrong --fingerprint is refused before the token is sent', async () => {
  await assert.rejects(
    enrol({ server: server.url, token: TOKEN, dir, fingerprint: 'ab'.repeat(32) }),
    (err: Error) => err instanceof EnrolError && /does not match/.test(err.message),
  );
  await assert.rejects(enrol({ server: server.url, token: TOKEN, dir, fingerprint: 'xyz' }), /64 hex digits/);
  assert.equal(server.requests.length, 0);
});

test('a certificate that is not for our key is refused', async () => {
  await server.close();
  const stranger = await pki.clientIdentity();
  server = await startFakeServer(pki, async (req) => {
    const reply = await enrolHandler(req);
    return { ...reply, body: { ...(reply.body as object), certPem: stranger.certPem } };
  });
  await assert.rejects(
    enrol({ server: server.url, token: TOKEN, dir, caPem: pki.caPem }),
    (err: Error) => err instanceof EnrolError && /not for the key/.test(err.message),
  );
  assert.equal(await loadEnrolment(dir), undefined);
});
