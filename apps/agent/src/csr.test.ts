import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { createKeyAndCsr } from './csr.ts';

test('the CSR verifies, names the host and carries the public key of the generated P-256 key', async () => {
  const { keyPem, csrPem } = await createKeyAndCsr('emr-01.clinic.local');
  const key = createPrivateKey(keyPem);
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);

  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.equal(await csr.verify(), true);
  assert.equal(csr.subject, 'CN=emr-01.clinic.local');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  assert.deepEqual(Buffer.from(csr.publicKey.rawData), spki);
});

test('a CSR whose signature was tampered with does not verify, and each call makes a new key', async () => {
  const a = await createKeyAndCsr('host');
  const b = await createKeyAndCsr('host');
  assert.notEqual(a.keyPem, b.keyPem);
  const der = new Uint8Array(new x509.Pkcs10CertificateRequest(a.csrPem).rawData);
  der[der.length - 5]! ^= 0xff; // inside the signature
  assert.equal(await new x509.Pkcs10CertificateRequest(der).verify(), false);
});
