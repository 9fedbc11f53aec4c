// @peculiar/x509 depends on tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A fresh agent key (PKCS#8 PEM) and a PKCS#10 certificate request (PEM) signed with it. */
export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

/** Generates an ECDSA P-256 key pair with WebCrypto and a CSR for it with `CN=<commonName>`. */
export async function createKeyAndCsr(commonName: string): Promise<KeyAndCsr> {
  const keys = await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: EC_SIGN,
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}
