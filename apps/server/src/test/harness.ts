/** Test helpers: a fresh migrated database per test file, an app to inject into, and factories. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { CreateFacilityRequest, Role } from '@mamori/contracts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import pg from 'pg';
import { freePort } from '../../../../scripts/free-port.ts';
import { buildApp } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { runMigrations } from '../db/migrate.ts';
import { type Ca, loadOrCreateCa } from '../modules/pki/pki.service.ts';
import { SESSION_COOKIE } from '../plugins/auth.ts';

export { freePort };

const cleanups: (() => Promise<void>)[] = [];
// Registered when the module loads, so it hangs off the file's root test, not any one suite.
after(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});
/** Registers cleanup work; everything runs after all of the file's tests, last registered first. */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

let clusterUrl: Promise<string> | undefined;

/**
 * The cluster tests run against: TEST_DATABASE_URL (set by scripts/with-pg.ts), or, for a developer
 * running one file by hand, an embedded PostgreSQL started for this process. In CI the URL must be set.
 */
function cluster(): Promise<string> {
  clusterUrl ??= (async () => {
    if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
    if (process.env.CI) throw new Error('TEST_DATABASE_URL is not set: run tests through npm test');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-test-pg-'));
    const db = await startEmbeddedPostgres({ dir: path.join(dir, 'db'), port: await freePort(), database: 'postgres' });
    onCleanup(async () => {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return db.url;
  })();
  return clusterUrl;
}

/** Creates an empty, migrated database in the test cluster and drops it after the file's tests. */
export async function createTestDatabase(): Promise<string> {
  const base = await cluster();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  await runMigrations(url);
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });
  return url;
}

/** Configuration for tests: defaults plus overrides. */
export const testConfig = (env: Record<string, string> = {}): Config =>
  loadConfig({ MAMORI_LOG_LEVEL: 'silent', MAMORI_WEB_DIR: '', MAMORI_LOGIN_RATE_LIMIT: '1000', ...env });

let ca: Promise<Ca> | undefined;
/** One platform CA per test process, in a temporary directory. */
export function testCa(): Promise<Ca> {
  ca ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-test-ca-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    return loadOrCreateCa(dir, { commonName: 'Mamori Test CA' });
  })();
  return ca;
}

/** A test application with its own database. */
export type TestApp = { app: FastifyInstance; database: Database; url: string };

/** Builds the app on a fresh database; closed after the file's tests. */
export async function makeTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const url = await createTestDatabase();
  const database = await openDatabase(url, { max: 10 });
  const app = await buildApp({
    db: database.db,
    config: testConfig(env),
    publicUrl: () => 'https://mamori.test',
    ca: await testCa(),
  });
  await app.ready();
  onCleanup(async () => {
    await app.close();
    await database.close();
  });
  return { app, database, url };
}

/** A signed-in client for `app.inject`: cookie and CSRF token attached automatically. */
export type Client = {
  cookie: string;
  csrf: string;
  totpSecret?: string;
  req: (
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;
};

function clientFor(app: FastifyInstance, cookie: string, csrf: string, totpSecret?: string): Client {
  return {
    cookie,
    csrf,
    totpSecret,
    req: (method, url, body, headers = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        ...(body === undefined ? {} : { payload: body as object }),
        headers: { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf-token': csrf, ...headers },
      }),
  };
}

const cookieFrom = (res: LightMyRequestResponse): string => {
  const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
  if (!c) throw new Error(`no session cookie (status ${res.statusCode}: ${res.body})`);
  return c.value;
};

/** A strong password for test users. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** Reads the bootstrap token straight from the database is impossible (hashed), so tests issue one. */
export async function bootstrapAdmin(t: TestApp, email = 'admin@region.example'): Promise<Client> {
  const { issueBootstrapToken } = await import('../modules/auth/auth.service.ts');
  const token = await issueBootstrapToken(t.database.db);
  if (!token) throw new Error('already bootstrapped');
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/bootstrap',
    payload: {
      token,
      email,
      displayName: 'Region Admin',
      organisationName: 'Miyagi Regional Network',
      password: TEST_PASSWORD,
    },
  });
  if (res.statusCode !== 201) throw new Error(`bootstrap failed: ${res.body}`);
  const cookie = cookieFrom(res);
  const pending = clientFor(t.app, cookie, res.json().csrfToken);
  return enrolMfa(t.app, pending);
}

const usedCodes = new Map<string, Set<string>>();
/**
 * A currently valid TOTP code not used before in this process (the server refuses replays): tries
 * the current step and its neighbours, which the server accepts, before waiting for the next step.
 */
export async function totpCode(secret: string): Promise<string> {
  const used = usedCodes.get(secret) ?? new Set<string>();
  usedCodes.set(secret, used);
  for (;;) {
    const now = Math.floor(Date.now() / 1000);
    for (const epoch of [now, now + 30, now - 30]) {
      const code = await generate({ secret, epoch });
      if (!used.has(code)) {
        used.add(code);
        return code;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Enrols TOTP for a session in mfa_setup_required and returns the now-active client. */
export async function enrolMfa(app: FastifyInstance, c: Client): Promise<Client> {
  const setup = await c.req('POST', '/api/auth/mfa/setup');
  if (setup.statusCode !== 200) throw new Error(`mfa setup failed: ${setup.body}`);
  const secret: string = setup.json().secret;
  const code = await totpCode(secret);
  const enable = await c.req('POST', '/api/auth/mfa/enable', { code });
  if (enable.statusCode !== 200) throw new Error(`mfa enable failed: ${enable.body}`);
  return clientFor(app, c.cookie, enable.json().csrfToken, secret);
}

/** Signs in with password (and TOTP when enrolled; enrols it when the role requires it). */
export async function signIn(
  app: FastifyInstance,
  email: string,
  password = TEST_PASSWORD,
  totpSecret?: string,
): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  const c = clientFor(app, cookieFrom(res), body.csrfToken, totpSecret);
  if (body.state === 'mfa_setup_required') return enrolMfa(app, c);
  if (body.state === 'mfa_required') {
    if (!totpSecret) throw new Error('totp secret needed');
    const v = await c.req('POST', '/api/auth/mfa/verify', { code: await totpCode(totpSecret) });
    if (v.statusCode !== 200) throw new Error(`mfa verify failed: ${v.body}`);
  }
  return c;
}

/** A fresh P-256 key and a CSR for it, as an agent makes them. */
export async function makeAgentCsr(hostname: string): Promise<{ csrPem: string; keyPem: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${hostname}`,
    keys,
    signingAlgorithm: alg,
  });
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { csrPem: csr.toString('pem'), keyPem };
}

/** Enrols an agent for a facility through the real API (token, CSR); returns its identity and key material. */
export async function enrolTestAgent(
  app: FastifyInstance,
  admin: Client,
  facilityId: string,
  hostname = 'emr-fs01',
  product: 'agent' | 'sensor' = 'agent',
) {
  const { csrPem, keyPem } = await makeAgentCsr(hostname);
  const tok = await admin.req('POST', '/api/enrolment-tokens', { facilityId, ttlMinutes: 10 });
  if (tok.statusCode !== 201) throw new Error(`token failed: ${tok.body}`);
  const res = await app.inject({
    method: 'POST',
    url: '/api/agents/enroll',
    payload: {
      token: tok.json().token,
      csrPem,
      host: {
        hostname,
        os: 'linux',
        osVersion: 'Debian 12',
        ips: ['192.0.2.10'],
        agentVersion: '0.1.0',
        product,
        uptimeSeconds: 10,
      },
    },
  });
  if (res.statusCode !== 201) throw new Error(`enrol failed: ${res.body}`);
  const body = res.json() as { agentId: string; facilityId: string; certPem: string; caPem: string };
  return { ...body, keyPem, hostname };
}

let seq = 0;
/** A valid facility creation body. */
export const makeFacility = (over: Partial<CreateFacilityRequest> = {}): CreateFacilityRequest => ({
  name: `テスト医院 ${++seq}`,
  type: 'clinic',
  prefecture: '04',
  contact: { name: '佐藤 花子', phone: '022-123-4567' },
  ...over,
});

/** Creates a user through the API as `admin` and signs them in, setting their password from the invitation. */
export async function makeUser(
  app: FastifyInstance,
  admin: Client,
  role: Role,
  opts: { facilityId?: string; assignedFacilityIds?: string[] } = {},
): Promise<Client & { id: string; email: string }> {
  const email = `${role}.${++seq}@example.jp`;
  const res = await admin.req('POST', '/api/users', { email, displayName: `${role} ${seq}`, role, ...opts });
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.body}`);
  const token = new URL(res.json().invitation.url).searchParams.get('token');
  const set = await app.inject({
    method: 'POST',
    url: '/api/auth/set-password',
    payload: { token, password: TEST_PASSWORD },
  });
  if (set.statusCode !== 200) throw new Error(`set password failed: ${set.body}`);
  const c = await signIn(app, email);
  return { ...c, id: res.json().user.id, email };
}

/** An enrolled test agent's credentials (see `enrolTestAgent`). */
export type AgentCreds = { keyPem: string; certPem: string; caPem: string };

/** Calls the server as an agent over real mutual TLS (no certificate when `creds` is omitted). */
export function agentRequest(
  baseUrl: string,
  method: 'GET' | 'POST',
  url: string,
  body: unknown,
  creds: AgentCreds | undefined,
  caPem: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests read responses loosely and assert on them
): Promise<{ status: number; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${baseUrl}${url}`,
      {
        method,
        ca: caPem,
        ...(creds ? { key: creds.keyPem, cert: creds.certPem } : {}),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(b) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
