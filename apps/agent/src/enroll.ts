import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { AgentEnrolResponseSchema, type HostFacts } from '@mamori/contracts';
import { createKeyAndCsr } from './csr.ts';
import { hostFacts } from './host.ts';
import { type AgentConfig, loadConfig, saveEnrolment, statePaths } from './state.ts';
import {
  HttpError,
  normaliseFingerprint,
  postJsonOk,
  probeServerCertificate,
  RequestError,
  serverEndpoint,
  type TlsOptions,
} from './transport.ts';

/** An enrolment failure with a message meant for the person at the console. */
export class EnrolError extends Error {
  override name = 'EnrolError';
}

/** Inputs of `mamori-agent enroll`. */
export interface EnrolOptions {
  server: string;
  token: string;
  dir: string;
  /** PEM of the platform CA to verify the server with. */
  caPem?: string;
  /** Expected SHA-256 fingerprint of the server certificate. */
  fingerprint?: string;
  /** Trust the server certificate seen on first contact without checking it. */
  insecureFirstContact?: boolean;
  /** Replace an existing enrolment. */
  force?: boolean;
  /** Where progress lines for the user go. */
  say?: (line: string) => void;
  timeoutMs?: number;
  /** Which program enrols (default the facility agent). */
  product?: HostFacts['product'];
}

/** Decides how to trust the server before the token is sent: CA file, pinned fingerprint, or (explicit) first contact. */
async function serverTrust(url: URL, o: EnrolOptions, say: (line: string) => void): Promise<TlsOptions> {
  if (o.caPem) return { ca: o.caPem };
  if (o.fingerprint !== undefined) {
    const pin = normaliseFingerprint(o.fingerprint);
    if (!pin) throw new EnrolError('--fingerprint must be the SHA-256 of the server certificate: 64 hex digits');
    return { pinSha256: pin };
  }
  const peer = await probeServerCertificate(url, o.timeoutMs).catch((err: unknown) => {
    throw requestFailure(url, err);
  });
  say(`server certificate: ${peer.subject} (issued by ${peer.issuer}, valid to ${peer.validTo})`);
  say(`server certificate SHA-256 fingerprint: ${peer.sha256}`);
  if (!o.insecureFirstContact) {
    throw new EnrolError(
      'refusing to send the enrolment token to a server that is not verified. Compare the fingerprint above with the ' +
        'one the Mamori console shows, then run again with --fingerprint <hex>, or give the platform CA with --ca <file>; ' +
        '--insecure-first-contact accepts it unchecked.',
    );
  }
  say('trusting this certificate on first contact (--insecure-first-contact)');
  return { pinSha256: peer.sha256 }; // the token goes to the very certificate shown
}

function requestFailure(url: URL, err: unknown): Error {
  if (err instanceof RequestError && err.kind === 'tls') {
    return new EnrolError(`cannot verify the server ${url.origin}: ${err.message}`);
  }
  if (err instanceof RequestError) return new EnrolError(`cannot reach the server ${url.origin}: ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Enrols this host: makes a P-256 key and CSR, sends them with the one-time token, checks the issued certificate
 * and stores key, certificate, CA and `agent.json` in `dir`. Throws `EnrolError` with a user-facing reason.
 */
export async function enrol(o: EnrolOptions): Promise<AgentConfig> {
  const say = o.say ?? (() => {});
  let url: URL;
  try {
    url = new URL(o.server);
  } catch {
    throw new EnrolError(`--server must be a URL such as https://mamori.example.jp, got ${o.server}`);
  }
  if (url.protocol !== 'https:') throw new EnrolError('--server must be an https:// URL');
  const existing = await loadConfig(o.dir).catch(() => undefined);
  if (existing && !o.force) {
    throw new EnrolError(
      `already enrolled as agent ${existing.agentId} with ${existing.serverUrl} (${statePaths(o.dir).config}); ` +
        'use --force to replace that enrolment',
    );
  }
  const trust = await serverTrust(url, o, say);
  const host = hostFacts(o.product);
  const { keyPem, csrPem } = await createKeyAndCsr(host.hostname);
  let body: unknown;
  try {
    body = await postJsonOk(
      serverEndpoint(url.href, 'api/agents/enroll'),
      { token: o.token, csrPem, host },
      { ...trust, timeoutMs: o.timeoutMs },
    );
  } catch (err) {
    if (err instanceof HttpError) throw new EnrolError(`the server refused the enrolment: ${err.message}`);
    throw requestFailure(url, err);
  }
  const parsed = AgentEnrolResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new EnrolError('the server sent an unexpected enrolment response (is it a Mamori server?)');
  const res = parsed.data;
  const cert = new X509Certificate(res.certPem);
  const ours = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(ours)) {
    throw new EnrolError('the certificate the server issued is not for the key this agent generated');
  }
  if (!splitPem(res.caPem).some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw new EnrolError('the certificate the server issued is not signed by the CA it sent');
  }
  const config: AgentConfig = {
    serverUrl: url.href.replace(/\/$/, ''),
    agentId: res.agentId,
    facilityId: res.facilityId,
    enrolledAt: new Date().toISOString(),
    heartbeatSeconds: Math.min(3600, Math.max(5, res.heartbeatSeconds)),
  };
  await saveEnrolment(o.dir, { config, keyPem, certPem: res.certPem, caPem: res.caPem });
  return config;
}

function splitPem(bundle: string): X509Certificate[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}
