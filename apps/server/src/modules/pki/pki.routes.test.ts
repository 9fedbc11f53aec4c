/**
 * Browser client certificates over real mutual TLS: the platform issues a PKCS#12, an
 * administrator requires certificates for the console, and then only terminals holding an
 * unrevoked certificate from the platform CA get in.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';
import { bootstrapAdmin, createTestDatabase, onCleanup } from '../../test/harness.ts';

type Res = { status: number; body: string };

describe('console client certificates (mutual TLS)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-mtls-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(
    loadConfig({
      DATABASE_URL: await createTestDatabase(),
      MAMORI_DATA_DIR: dir,
      MAMORI_PORT: '0',
      MAMORI_LOG_LEVEL: 'silent',
      MAMORI_WEB_DIR: '',
    }),
  );
  onCleanup(() => server.stop());
  const ca = fs.readFileSync(path.join(dir, 'pki', 'ca.crt'));
  const admin = await bootstrapAdmin({ app: server.app, database: server.database, url: '' });

  /** A real HTTPS request to the running server, with or without a PKCS#12 client certificate. */
  const call = (
    method: string,
    url: string,
    opts: { pfx?: Buffer; passphrase?: string; body?: unknown } = {},
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const req = https.request(
        `${server.url}${url}`,
        {
          method,
          ca,
          ...(opts.pfx ? { pfx: opts.pfx, passphrase: opts.passphrase } : {}),
          headers: {
            cookie: `__Host-mamori_session=${admin.cookie}`,
            'x-csrf-token': admin.csrf,
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  it('serves the CA certificate publicly', async () => {
    const res = await call('GET', '/api/pki/ca.crt');
    assert.equal(res.status, 200);
    assert.equal(res.body.trim(), ca.toString().trim());
  });

  let pfx: Buffer;
  let passphrase: string;
  let serial: string;

  it('issues a PKCS#12 for a user, audited, with the password shown once', async () => {
    const me = (await call('GET', '/api/auth/session')).body;
    const userId = JSON.parse(me).user.id;
    const res = await call('POST', '/api/pki/client-certificates', { body: { userId, days: 30 } });
    assert.equal(res.status, 201, res.body);
    const out = JSON.parse(res.body);
    pfx = Buffer.from(out.p12Base64, 'base64');
    passphrase = out.password;
    serial = out.serial;
    const list = JSON.parse((await call('GET', '/api/pki/client-certificates')).body);
    assert.equal(list.items[0].serial, serial);
    assert.ok(!JSON.stringify(list).includes(passphrase), 'the password is never stored or listed');
    const audit = JSON.parse((await call('GET', '/api/audit?action=pki.client_certificate_issue')).body);
    assert.equal(audit.total, 1);
  });

  it('refuses to require certificates from a connection without one (no lock-out)', async () => {
    const res = await call('PATCH', '/api/settings', { body: { requireClientCertificate: true } });
    assert.equal(res.status, 400);
  });

  it('once required, admits only terminals with a valid certificate', async () => {
    const on = await call('PATCH', '/api/settings', { body: { requireClientCertificate: true }, pfx, passphrase });
    assert.equal(on.status, 200, on.body);
    const without = await call('GET', '/api/facilities');
    assert.equal(without.status, 403);
    assert.match(JSON.parse(without.body).error.message, /client certificate/);
    const withCert = await call('GET', '/api/facilities', { pfx, passphrase });
    assert.equal(withCert.status, 200);
    const health = await call('GET', '/api/health');
    assert.equal(health.status, 200, 'health stays open for probes');
  });

  it('a revoked certificate no longer gets in', async () => {
    const revoke = await call('POST', `/api/pki/client-certificates/${serial}/revoke`, { pfx, passphrase });
    assert.equal(revoke.status, 200);
    const after = await call('GET', '/api/facilities', { pfx, passphrase });
    assert.equal(after.status, 403);
  });
});

describe('security headers', async () => {
  it('sends CSP, HSTS, nosniff, no-referrer and frame denial on API and errors', async () => {
    const { makeTestApp } = await import('../../test/harness.ts');
    const t = await makeTestApp();
    for (const url of ['/api/health', '/api/nothing']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.ok(res.headers['x-request-id']);
    }
  });
});
