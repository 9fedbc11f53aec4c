// Test helpers (not part of the agent): a throwaway CA, a fake Mamori server on 127.0.0.1, a capturing logger.
import 'reflect-metadata';
import { randomBytes, type webcrypto } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { createKeyAndCsr } from './csr.ts';
import { createLogger, type Logger } from './log.ts';

x509.cryptoProvider.set(crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A throwaway PKI: a CA, a server certificate for 127.0.0.1, and a signer for agent CSRs. */
export interface TestPki {
  caPem: string;
  serverKeyPem: string;
  serverCertPem: string;
  /** Issues a client certificate for a CSR (PEM), valid for `days` (negative: already expired). */
  sign(csrPem: string, days?: number): Promise<string>;
  /** A fresh agent key and certificate signed by this CA. */
  clientIdentity(): Promise<{ keyPem: string; certPem: string }>;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

/** Creates a CA and a server certificate (SAN 127.0.0.1, localhost). */
export async function createTestPki(): Promise<TestPki> {
  const caKeys = (await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=Test Platform CA',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issue = async (
    publicKey: x509.PublicKey | webcrypto.CryptoKey,
    subject: string,
    days: number,
    server: boolean,
  ) =>
    (
      await x509.X509CertificateGenerator.create({
        serialNumber: randomBytes(8).toString('hex'),
        subject,
        issuer: ca.subject,
        notBefore: new Date(now - 2 * 86_400_000),
        notAfter: new Date(now + days * 86_400_000),
        publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: EC_SIGN,
        extensions: [
          new x509.BasicConstraintsExtension(false),
          new x509.ExtendedKeyUsageExtension([
            server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
          ]),
          ...(server
            ? [
                new x509.SubjectAlternativeNameExtension([
                  { type: 'ip', value: '127.0.0.1' },
                  { type: 'dns', value: 'localhost' },
                ]),
              ]
            : []),
        ],
      })
    ).toString('pem');
  const serverKeys = (await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const serverCertPem = await issue(serverKeys.publicKey, 'CN=mamori.test', 30, true);
  const sign = async (csrPem: string, days = 30) => {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    return issue(csr.publicKey, csr.subject, days, false);
  };
  return {
    caPem: ca.toString('pem'),
    serverKeyPem: await keyPem(serverKeys),
    serverCertPem,
    sign,
    clientIdentity: async () => {
      const { keyPem: k, csrPem } = await createKeyAndCsr('test-host');
      return { keyPem: k, certPem: await sign(csrPem) };
    },
  };
}

/** A request as the fake server saw it. */
export interface SeenRequest {
  path: string;
  body: unknown;
  /** Whether the client presented a certificate the CA verifies. */
  authorized: boolean;
}

/** What a handler answers. */
export type FakeReply = { status: number; body?: unknown };

/** A fake Mamori server over HTTPS on 127.0.0.1 (client certificates requested, verified against the test CA). */
export interface FakeServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts the fake server on `port` (0: any free port); `handler` answers each request. */
export async function startFakeServer(
  pki: TestPki,
  handler: (req: SeenRequest) => FakeReply | Promise<FakeReply>,
  port = 0,
): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = https.createServer(
    { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const seen: SeenRequest = {
          path: req.url ?? '',
          body: text ? JSON.parse(text) : null,
          authorized: (req.socket as TLSSocket).authorized,
        };
        requests.push(seen);
        const reply = await Promise.resolve()
          .then(() => handler(seen))
          .catch((err: Error) => ({ status: 500, body: { error: { code: 'internal', message: err.message } } }));
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `{ accepted, duplicates }` a server answers for a batch, treating every id as new. */
export function ackAll(body: unknown): FakeReply {
  const ids = ((body as { events: { id: string }[] }).events ?? []).map((e) => e.id);
  return { status: 200, body: { accepted: ids, duplicates: [] } };
}

/** A logger that keeps its JSON lines in memory for assertions. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  return { logger, lines };
}
