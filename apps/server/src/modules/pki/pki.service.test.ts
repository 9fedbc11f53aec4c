import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import {
  type Ca,
  certificateFingerprint,
  issueClientPkcs12,
  issueServerCertificate,
  loadOrCreateCa,
  loadOrCreateServerCertificate,
  normalizeSerial,
  signCsr,
} from './pki.service.ts';

let root: string;
let caDir: string;
let ca: Ca;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-pki-'));
  caDir = path.join(root, 'ca');
  ca = await loadOrCreateCa(caDir, { commonName: 'Mamori Test CA' });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function openssl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('openssl', args, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

async function withHttpsServer(
  options: https.ServerOptions,
  fn: (port: number, handled: () => number) => Promise<void>,
): Promise<void> {
  let count = 0;
  const server = https.createServer(options, (req, res) => {
    count++;
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.end(typeof peer.subject?.CN === 'string' ? peer.subject.CN : 'anonymous');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port, () => count);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function get(port: number, options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const errorCode = (code: string) => (err: unknown) => (err as NodeJS.ErrnoException).code === code;

describe('loadOrCreateCa', () => {
  it('creates the CA once with safe file modes and reloads the same CA afterwards', async () => {
    assert.deepEqual((await readdir(caDir)).sort(), ['ca.crt', 'ca.key']); // no temp files left behind
    assert.equal(await modeOf(caDir), 0o700);
    assert.equal(await modeOf(path.join(caDir, 'ca.key')), 0o600);
    const keyPem = await readFile(path.join(caDir, 'ca.key'), 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(await readFile(path.join(caDir, 'ca.crt'), 'utf8'), ca.certPem);

    const text = await openssl(['x509', '-in', path.join(caDir, 'ca.crt'), '-noout', '-text']);
    assert.equal(text.code, 0);
    assert.match(text.out, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(text.out, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(text.out, /Subject Key Identifier/);
    assert.match(text.out, /NIST CURVE: P-256/);
    const years = (ca.cert.notAfter.getTime() - ca.cert.notBefore.getTime()) / (365.25 * 86_400_000);
    assert.ok(Math.abs(years - 10) < 0.01, `validity ${years} years`);

    const again = await loadOrCreateCa(caDir, { commonName: 'Some Other Name' });
    assert.equal(certificateFingerprint(again.certPem), certificateFingerprint(ca.certPem));
    assert.equal(again.cert.subject, 'CN=Mamori Test CA');
    assert.equal(await readFile(path.join(caDir, 'ca.key'), 'utf8'), keyPem);

    const fp = await openssl(['x509', '-in', path.join(caDir, 'ca.crt'), '-noout', '-fingerprint', '-sha256']);
    assert.equal(fp.out.trim().split('=')[1]?.replaceAll(':', '').toLowerCase(), certificateFingerprint(ca.certPem));
  });

  it('recovers from a crash before ca.crt was written and refuses inconsistent files', async () => {
    const dir = path.join(root, 'ca-recover');
    await mkdir(dir);
    await writeFile(path.join(dir, 'ca.key'), await readFile(path.join(caDir, 'ca.key')));
    const recovered = await loadOrCreateCa(dir, { commonName: 'Recovered CA' });
    assert.equal(recovered.cert.subject, 'CN=Recovered CA');
    assert.notEqual(certificateFingerprint(recovered.certPem), certificateFingerprint(ca.certPem));

    await writeFile(path.join(dir, 'ca.crt'), ca.certPem); // cert of a different key
    await assert.rejects(loadOrCreateCa(dir, { commonName: 'x' }), /CA key does not match/);

    await rm(path.join(dir, 'ca.key'));
    await assert.rejects(loadOrCreateCa(dir, { commonName: 'x' }), /key .* is missing/);
  });
});

describe('server certificates', () => {
  it('issues a certificate that openssl and a real HTTPS client accept for its names only', async () => {
    const server = await issueServerCertificate(ca, { hostnames: ['mamori.test'], ipAddresses: ['127.0.0.1'] });
    const certFile = path.join(root, 'server-verify.crt');
    await writeFile(certFile, server.certPem);
    const verify = await openssl(['verify', '-CAfile', path.join(caDir, 'ca.crt'), '-purpose', 'sslserver', certFile]);
    assert.equal(verify.code, 0, verify.out);
    assert.match(verify.out, /: OK/);

    await withHttpsServer({ key: server.keyPem, cert: server.certPem }, async (port) => {
      assert.equal(await get(port, { ca: ca.certPem }), 'anonymous'); // IP SAN
      assert.equal(await get(port, { ca: ca.certPem, servername: 'mamori.test' }), 'anonymous'); // DNS SAN
      await assert.rejects(
        get(port, { ca: ca.certPem, servername: 'other.test' }),
        errorCode('ERR_TLS_CERT_ALTNAME_INVALID'),
      );
      await assert.rejects(get(port, {}), errorCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE')); // not publicly trusted
    });
  });

  it('rejects certificates without names or with invalid names', async () => {
    await assert.rejects(issueServerCertificate(ca, { hostnames: [], ipAddresses: [] }), /at least one/);
    await assert.rejects(issueServerCertificate(ca, { hostnames: ['bad host'], ipAddresses: [] }), /Invalid hostname/);
    await assert.rejects(issueServerCertificate(ca, { hostnames: [], ipAddresses: ['300.1.1.1'] }), /Invalid IP/);
  });

  it('reuses server.crt while it still fits and reissues when names, CA, key or expiry change', async () => {
    const dir = path.join(root, 'tls');
    const names = { hostnames: ['mamori.test'], ipAddresses: ['127.0.0.1', '::1'] };
    const first = await loadOrCreateServerCertificate(dir, ca, names);
    assert.equal(await modeOf(path.join(dir, 'server.key')), 0o600);
    assert.equal(await readFile(path.join(dir, 'server.crt'), 'utf8'), first.certPem);
    assert.deepEqual((await readdir(dir)).sort(), ['server.crt', 'server.key']);

    assert.deepEqual(await loadOrCreateServerCertificate(dir, ca, names), first);
    const subset = { hostnames: ['MAMORI.test'], ipAddresses: ['0:0:0:0:0:0:0:1'] }; // same names, other spelling
    assert.deepEqual(await loadOrCreateServerCertificate(dir, ca, subset), first);

    const more = { ...names, hostnames: ['mamori.test', 'new.mamori.test'] };
    const second = await loadOrCreateServerCertificate(dir, ca, more);
    assert.notEqual(second.certPem, first.certPem);
    const san = new x509.X509Certificate(second.certPem).getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(
      san?.names.toJSON().map((n) => n.value),
      ['mamori.test', 'new.mamori.test', '127.0.0.1', '::1'],
    );
    assert.equal(await readFile(path.join(dir, 'server.crt'), 'utf8'), second.certPem);
    assert.equal(await readFile(path.join(dir, 'server.key'), 'utf8'), second.keyPem);
    assert.deepEqual(await loadOrCreateServerCertificate(dir, ca, more), second);

    // A key that does not belong to the certificate (e.g. crash between the two writes).
    const stray = await issueServerCertificate(ca, more);
    await writeFile(path.join(dir, 'server.key'), stray.keyPem);
    const third = await loadOrCreateServerCertificate(dir, ca, more);
    assert.notEqual(third.certPem, second.certPem);

    // Fewer than 30 days left.
    const expiring = await issueServerCertificate(ca, { ...more, days: 20 });
    await writeFile(path.join(dir, 'server.crt'), expiring.certPem);
    await writeFile(path.join(dir, 'server.key'), expiring.keyPem);
    const renewed = await loadOrCreateServerCertificate(dir, ca, more);
    assert.notEqual(renewed.certPem, expiring.certPem);
    assert.ok(new x509.X509Certificate(renewed.certPem).notAfter.getTime() > Date.now() + 300 * 86_400_000);

    // Issued by another CA.
    const otherCa = await loadOrCreateCa(path.join(root, 'other-ca'), { commonName: 'Other CA' });
    const foreign = await loadOrCreateServerCertificate(dir, otherCa, more);
    assert.notEqual(foreign.certPem, renewed.certPem);
    assert.ok(await new x509.X509Certificate(foreign.certPem).verify({ publicKey: otherCa.cert.publicKey }));
  });
});

describe('signCsr', () => {
  async function makeCsr(name: string) {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    return x509.Pkcs10CertificateRequestGenerator.create({
      name,
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'evil.example' }])],
    });
  }

  it('issues a clientAuth certificate for the given CN, ignoring the CSR subject and extensions', async () => {
    const csr = await makeCsr('CN=admin, O=Evil Corp');
    const result = await signCsr(ca, csr.toString('pem'), { commonName: 'agent-7f3a', days: 30, usage: 'client' });
    const cert = new x509.X509Certificate(result.certPem);
    assert.equal(cert.subject, 'CN=agent-7f3a');
    assert.equal(cert.issuer, 'CN=Mamori Test CA');
    assert.equal(cert.getExtension(x509.SubjectAlternativeNameExtension), null);
    // Stored without leading zeros (a random serial starts with 0 one time in 16).
    assert.equal(result.serial, normalizeSerial(cert.serialNumber));
    assert.ok(result.serial.length >= 24, `serial ${result.serial}`);
    assert.equal(result.notAfter.getTime(), cert.notAfter.getTime());
    assert.ok(Math.abs(result.notAfter.getTime() - (Date.now() + 30 * 86_400_000)) < 10 * 60_000);
    assert.deepEqual(new Uint8Array(cert.publicKey.rawData), new Uint8Array(csr.publicKey.rawData));

    const certFile = path.join(root, 'agent.crt');
    await writeFile(certFile, result.certPem);
    const caFile = path.join(caDir, 'ca.crt');
    const client = await openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', certFile]);
    assert.equal(client.code, 0, client.out);
    const server = await openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', certFile]);
    assert.notEqual(server.code, 0, 'a clientAuth-only certificate must not pass as a server certificate');
  });

  it('rejects a CSR with a broken signature, garbage input and weak keys', async () => {
    const csr = await makeCsr('CN=agent-AAAA');
    const der = Buffer.from(csr.rawData);
    const at = der.indexOf('agent-AAAA');
    assert.ok(at > 0);
    der.write('agent-BBBB', at); // same length, so the structure stays valid but the signature does not
    const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    await assert.rejects(
      signCsr(ca, tampered, { commonName: 'agent', days: 30, usage: 'client' }),
      (err: unknown) => err instanceof Error && err.message === 'Invalid CSR: signature verification failed',
    );
    await assert.rejects(
      signCsr(ca, 'not a csr', { commonName: 'agent', days: 30, usage: 'client' }),
      /Invalid CSR: not a parseable/,
    );

    const weakKeys = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const weak = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=weak',
      keys: weakKeys,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    });
    await assert.rejects(
      signCsr(ca, weak.toString('pem'), { commonName: 'agent', days: 30, usage: 'client' }),
      /key must be RSA >= 2048/,
    );
  });
});

describe('issueClientPkcs12', () => {
  const password = 'correct horse ☃ battery';

  it('produces a PKCS#12 that openssl opens with the password (no -legacy) and refuses without it', async () => {
    const issued = await issueClientPkcs12(ca, {
      commonName: 'Dr. Alice Example',
      email: 'alice@example.org',
      days: 365,
      password,
    });
    const file = path.join(root, 'alice.p12');
    await writeFile(file, issued.p12);

    const opened = await openssl(['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes', '-info']);
    assert.equal(opened.code, 0, opened.out);
    assert.match(opened.out, /-----BEGIN PRIVATE KEY-----/);
    assert.equal(opened.out.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2, 'leaf and CA certificate');
    assert.match(opened.out, /subject=CN = Dr\. Alice Example\n/);
    assert.match(opened.out, /subject=CN = Mamori Test CA\n/);
    assert.match(opened.out, /PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    assert.match(opened.out, /MAC: sha256/);

    const leaf = await openssl(['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nokeys', '-clcerts']);
    const leafPem = leaf.out.slice(leaf.out.indexOf('-----BEGIN CERTIFICATE-----'));
    assert.equal(certificateFingerprint(leafPem), issued.fingerprintSha256);
    const cert = new x509.X509Certificate(leafPem);
    assert.equal(normalizeSerial(cert.serialNumber), issued.serial);
    assert.equal(cert.notAfter.getTime(), issued.notAfter.getTime());
    assert.equal(cert.publicKey.algorithm.name, 'RSASSA-PKCS1-v1_5');
    assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [
      { type: 'email', value: 'alice@example.org' },
    ]);

    const wrong = await openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong password', '-nodes']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.out, /mac verify error/i);
    assert.doesNotMatch(wrong.out, /BEGIN PRIVATE KEY/);

    await assert.rejects(issueClientPkcs12(ca, { commonName: 'x', days: 1, password: '' }), /password is required/);
  });

  it('authenticates a Node HTTPS client over mutual TLS and rejects clients without a valid certificate', async () => {
    const server = await issueServerCertificate(ca, { hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const alice = await issueClientPkcs12(ca, { commonName: 'Dr. Alice Example', days: 30, password });
    const otherCa = await loadOrCreateCa(path.join(root, 'mtls-other-ca'), { commonName: 'Other CA' });
    const mallory = await issueClientPkcs12(otherCa, { commonName: 'Mallory', days: 30, password });

    const serverOptions = {
      key: server.keyPem,
      cert: server.certPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    };
    await withHttpsServer(serverOptions, async (port, handled) => {
      assert.equal(await get(port, { ca: ca.certPem, pfx: alice.p12, passphrase: password }), 'Dr. Alice Example');
      assert.equal(handled(), 1);
      await assert.rejects(get(port, { ca: ca.certPem }));
      await assert.rejects(get(port, { ca: ca.certPem, pfx: mallory.p12, passphrase: password }));
      await assert.rejects(get(port, { ca: ca.certPem, pfx: alice.p12, passphrase: 'wrong' }));
      assert.equal(handled(), 1, 'no request without a valid client certificate reached the handler');
    });
  });
});
