import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
// @peculiar/x509 depends on tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';

x509.cryptoProvider.set(crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_KEY = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;
const DAY_MS = 86_400_000;
const BACKDATE_MS = 5 * 60_000; // tolerate small clock skew on peers
const DEFAULT_SERVER_DAYS = 397; // stays under browser/Apple limits for TLS server certs
const RENEW_BEFORE_DAYS = 30;
const P12_ITERATIONS = 20_000; // node-forge's PBKDF2 is pure JS: ~0.3 s of CPU per export
const P12_OID = {
  data: '1.2.840.113549.1.7.1',
  sha256: '2.16.840.1.101.3.4.2.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
} as const;

/** The WebCrypto CryptoKey type of the global `crypto` (DOM or Node typings, whichever the build uses). */
export type WebCryptoKey = Parameters<typeof crypto.subtle.exportKey>[1];

/** A loaded certificate authority: certificate PEM, WebCrypto key pair and parsed certificate. */
export interface Ca {
  certPem: string;
  keys: { privateKey: WebCryptoKey; publicKey: WebCryptoKey };
  cert: x509.X509Certificate;
}

/** Loads the CA from `dir`, or creates a P-256 self-signed CA there (ca.key 0600, ca.crt) on first use. */
export async function loadOrCreateCa(dir: string, opts: { commonName: string }): Promise<Ca> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'ca.crt');
  const [keyPem, certPem] = await Promise.all([readIfExists(keyFile), readIfExists(certFile)]);
  if (keyPem !== undefined && certPem !== undefined) return loadCa(keyPem, certPem);
  if (certPem !== undefined) {
    throw new Error(`CA certificate ${certFile} exists but its key ${keyFile} is missing; refusing to replace the CA`);
  }
  // No CA yet (or a crash happened after ca.key but before ca.crt was written): create one.
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const newKeyPem = await exportPkcs8Pem(keys.privateKey);
  await writeFileAtomic(keyFile, newKeyPem, 0o600);
  await writeFileAtomic(certFile, cert.toString('pem'), 0o644);
  return loadCa(newKeyPem, cert.toString('pem'));
}

/** Issues a P-256 TLS server certificate (serverAuth) for the given DNS names and IP addresses. */
export async function issueServerCertificate(
  ca: Ca,
  opts: { hostnames: string[]; ipAddresses: string[]; days?: number },
): Promise<{ certPem: string; keyPem: string }> {
  const hostnames = normalizeHostnames(opts.hostnames);
  const ipAddresses = normalizeIps(opts.ipAddresses);
  const commonName = hostnames[0] ?? ipAddresses[0];
  if (commonName === undefined) throw new Error('A server certificate needs at least one hostname or IP address');
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const cert = await issue(ca, keys.publicKey, commonName, opts.days ?? DEFAULT_SERVER_DAYS, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      ...hostnames.map((value) => ({ type: 'dns' as const, value })),
      ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ]),
  ]);
  return { certPem: cert.toString('pem'), keyPem: await exportPkcs8Pem(keys.privateKey) };
}

/** Returns server.crt/server.key from `dir` if still valid for these names and this CA, else issues and writes new ones. */
export async function loadOrCreateServerCertificate(
  dir: string,
  ca: Ca,
  opts: { hostnames: string[]; ipAddresses: string[] },
): Promise<{ certPem: string; keyPem: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'server.key');
  const certFile = path.join(dir, 'server.crt');
  const [keyPem, certPem] = await Promise.all([readIfExists(keyFile), readIfExists(certFile)]);
  if (keyPem !== undefined && certPem !== undefined && (await isReusable(ca, certPem, keyPem, opts))) {
    return { certPem, keyPem };
  }
  const issued = await issueServerCertificate(ca, opts);
  // Key first: if we crash before the cert is written, the key/cert mismatch forces a reissue next time.
  await writeFileAtomic(keyFile, issued.keyPem, 0o600);
  await writeFileAtomic(certFile, issued.certPem, 0o644);
  return issued;
}

/** Signs a PKCS#10 CSR as a clientAuth certificate for `commonName`, ignoring the CSR's subject and extensions. */
export async function signCsr(
  ca: Ca,
  csrPem: string,
  opts: { commonName: string; days: number; usage: 'client' },
): Promise<{ certPem: string; serial: string; notAfter: Date }> {
  if (opts.usage !== 'client') throw new Error(`Unsupported certificate usage: ${String(opts.usage)}`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error('Invalid CSR: not a parseable PKCS#10 certificate request', { cause: err });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    // unsupported or malformed key/signature: treated as an invalid signature below
  }
  if (!valid) throw new Error('Invalid CSR: signature verification failed');
  assertAcceptableKey(csr.publicKey.rawData);
  const cert = await issue(ca, csr.publicKey, opts.commonName, opts.days, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  return { certPem: cert.toString('pem'), serial: normalizeSerial(cert.serialNumber), notAfter: cert.notAfter };
}

/** Issues an RSA-2048 clientAuth certificate and returns it with its key and the CA chain as a password-protected PKCS#12. */
export async function issueClientPkcs12(
  ca: Ca,
  opts: { commonName: string; email?: string; days: number; password: string },
): Promise<{ p12: Buffer; serial: string; notAfter: Date; fingerprintSha256: string }> {
  if (opts.password.length === 0) throw new Error('A PKCS#12 password is required');
  // RSA rather than EC: the most widely importable key type for browsers and OS key stores.
  const keys = await crypto.subtle.generateKey(RSA_KEY, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])];
  if (opts.email !== undefined) {
    extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'email', value: opts.email }]));
  }
  const cert = await issue(ca, keys.publicKey, opts.commonName, opts.days, extensions);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const p12 = buildPkcs12(
    pkcs8,
    [new Uint8Array(cert.rawData), new Uint8Array(ca.cert.rawData)],
    opts.password,
    opts.commonName,
  );
  return {
    p12,
    serial: normalizeSerial(cert.serialNumber),
    notAfter: cert.notAfter,
    fingerprintSha256: certificateFingerprint(cert.toString('pem')),
  };
}

/** A certificate serial as stored and compared: lowercase hex without leading zeros. */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** SHA-256 fingerprint of a PEM certificate, lowercase hex without colons. */
export function certificateFingerprint(pem: string): string {
  return createHash('sha256')
    .update(new Uint8Array(new x509.X509Certificate(pem).rawData))
    .digest('hex');
}

async function issue(
  ca: Ca,
  publicKey: x509.PublicKeyType,
  commonName: string,
  days: number,
  extensions: x509.Extension[],
): Promise<x509.X509Certificate> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`Invalid validity period: ${days} days`);
  if (commonName.trim() === '') throw new Error('A certificate common name is required');
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const caKeyId = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [commonName] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY_MS),
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      caKeyId !== undefined
        ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
      ...extensions,
    ],
  });
}

async function loadCa(keyPem: string, certPem: string): Promise<Ca> {
  const cert = new x509.X509Certificate(certPem);
  if (!keyMatchesCert(keyPem, cert)) throw new Error('CA key does not match the CA certificate');
  const privateKey = await crypto.subtle.importKey('pkcs8', pemToDer(keyPem), EC_KEY, false, ['sign']);
  const publicKey = await cert.publicKey.export(EC_KEY, ['verify']);
  return { certPem: cert.toString('pem'), keys: { privateKey, publicKey }, cert };
}

async function isReusable(
  ca: Ca,
  certPem: string,
  keyPem: string,
  opts: { hostnames: string[]; ipAddresses: string[] },
): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(certPem);
    if (!(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }))) return false;
    if (cert.notAfter.getTime() - Date.now() <= RENEW_BEFORE_DAYS * DAY_MS) return false;
    if (!keyMatchesCert(keyPem, cert)) return false;
    const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
    const dns = new Set(names.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase()));
    const ips = new Set(names.filter((n) => n.type === 'ip').map((n) => canonicalIp(n.value)));
    return (
      normalizeHostnames(opts.hostnames).every((h) => dns.has(h)) &&
      normalizeIps(opts.ipAddresses).every((ip) => ips.has(ip))
    );
  } catch {
    return false; // unreadable or foreign files are simply replaced
  }
}

function assertAcceptableKey(spki: ArrayBuffer): void {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const { modulusLength = 0, namedCurve = '' } = key.asymmetricKeyDetails ?? {};
  const ok =
    (key.asymmetricKeyType === 'rsa' && modulusLength >= 2048) ||
    (key.asymmetricKeyType === 'ec' && ['prime256v1', 'secp384r1'].includes(namedCurve)) ||
    key.asymmetricKeyType === 'ed25519';
  if (!ok) throw new Error('Invalid CSR: key must be RSA >= 2048 bits, ECDSA P-256/P-384 or Ed25519');
}

function keyMatchesCert(keyPem: string, cert: x509.X509Certificate): boolean {
  const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return spki.equals(new Uint8Array(cert.publicKey.rawData));
}

function normalizeHostnames(hostnames: string[]): string[] {
  return [...new Set(hostnames.map((h) => h.trim().toLowerCase()))].map((h) => {
    if (!/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(h)) {
      throw new Error(`Invalid hostname for a certificate: ${JSON.stringify(h)}`);
    }
    return h;
  });
}

function normalizeIps(ips: string[]): string[] {
  return [...new Set(ips.map(canonicalIp))];
}

/** Canonical text form of an IP address, so "::0001" and "::1" compare equal. */
function canonicalIp(ip: string): string {
  const family = isIP(ip.trim());
  if (family === 0) throw new Error(`Invalid IP address for a certificate: ${JSON.stringify(ip)}`);
  return family === 4 ? ip.trim() : new URL(`http://[${ip.trim()}]/`).hostname.slice(1, -1);
}

/** 16 random bytes: x509 prepends a 0x00 octet when needed to keep the DER INTEGER positive. */
function randomSerial(): string {
  return randomBytes(16).toString('hex');
}

async function exportPkcs8Pem(key: WebCryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return new Uint8Array(der);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes via temp file + fsync + rename (+ directory fsync) so readers never see a torn file. */
async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode); // exact mode regardless of umask
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (process.platform !== 'win32') {
    const dh = await open(path.dirname(file), 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}

/**
 * Builds a PKCS#12 (RFC 7292) with node-forge: the key is a PBES2 shrouded key bag using
 * AES-256-CBC with PBKDF2-HMAC-SHA256, certificates are stored unencrypted (as OpenSSL does),
 * and the integrity MAC is HMAC-SHA256 (OpenSSL 3's default profile). We chose this over the
 * legacy 3DES/SHA-1 profile; very old key stores (Windows before 10 1709, older macOS/Android)
 * may only import the legacy one. The bags are assembled here rather than with
 * forge.pkcs12.toPkcs12Asn1 because forge cannot parse ECDSA certificates (our CA) and
 * re-encodes certificates it does parse, which would break their ECDSA signatures.
 */
function buildPkcs12(pkcs8: Uint8Array, certsDer: Uint8Array[], password: string, friendlyName: string): Buffer {
  const { asn1 } = forge;
  const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
  const T = asn1.Type;
  const bin = (bytes: Uint8Array) => Buffer.from(bytes).toString('binary');
  const seq = (...items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
  const set = (...items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, T.SET, true, items);
  const oid = (id: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
  const octets = (bytes: string) => asn1.create(UNIVERSAL, T.OCTETSTRING, false, bytes);
  const explicit0 = (inner: forge.asn1.Asn1) => asn1.create(CONTEXT_SPECIFIC, 0, true, [inner]);
  const der = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes();
  const dataContentInfo = (content: forge.asn1.Asn1) => seq(oid(P12_OID.data), explicit0(octets(der(content))));

  const leaf = certsDer[0];
  if (leaf === undefined) throw new Error('PKCS#12 needs at least one certificate');
  const localKeyId = createHash('sha1').update(leaf).digest('binary');
  const leafAttrs = set(
    seq(oid(P12_OID.localKeyId), set(octets(localKeyId))),
    seq(oid(P12_OID.friendlyName), set(asn1.create(UNIVERSAL, T.BMPSTRING, false, friendlyName))),
  );
  const certBags = certsDer.map((certDer, i) => {
    const certBag = seq(oid(P12_OID.x509Certificate), explicit0(octets(bin(certDer))));
    return i === 0
      ? seq(oid(P12_OID.certBag), explicit0(certBag), leafAttrs)
      : seq(oid(P12_OID.certBag), explicit0(certBag));
  });
  const encryptionOptions: forge.pki.EncryptionOptions = {
    algorithm: 'aes256',
    prfAlgorithm: 'sha256',
    count: P12_ITERATIONS,
    saltSize: 16,
  };
  // PBES2 takes the password as UTF-8 bytes; the PKCS#12 MAC KDF below takes it as BMPString.
  const shroudedKey = forge.pki.encryptPrivateKeyInfo(
    asn1.fromDer(bin(pkcs8)),
    forge.util.encodeUtf8(password),
    encryptionOptions,
  );
  const keyBag = seq(oid(P12_OID.pkcs8ShroudedKeyBag), explicit0(shroudedKey), leafAttrs);
  const authSafe = seq(dataContentInfo(seq(...certBags)), dataContentInfo(seq(keyBag)));

  const macSalt = forge.random.getBytesSync(16);
  const macKey = forge.pkcs12.generateKey(
    password,
    forge.util.createBuffer(macSalt),
    3,
    P12_ITERATIONS,
    32,
    forge.md.sha256.create(),
  );
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey);
  hmac.update(der(authSafe));
  const macData = seq(
    seq(seq(oid(P12_OID.sha256), asn1.create(UNIVERSAL, T.NULL, false, '')), octets(hmac.digest().getBytes())),
    octets(macSalt),
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(P12_ITERATIONS).getBytes()),
  );
  const pfx = seq(
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    dataContentInfo(authSafe),
    macData,
  );
  return Buffer.from(der(pfx), 'binary');
}
