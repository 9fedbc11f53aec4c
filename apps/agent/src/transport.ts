import http from 'node:http';
import { isIP } from 'node:net';
import tls from 'node:tls';

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** How to trust the server and which client identity to present. */
export interface TlsOptions {
  /** CA certificate(s) (PEM) to verify the server against; the host name is checked too. */
  ca?: string;
  /** The SHA-256 fingerprint (hex) the server's certificate must have; the chain is not checked. */
  pinSha256?: string;
  /** Accept any server certificate (trust on first use only). */
  insecure?: boolean;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
}

/** Options of one request. */
export interface RequestOptions extends TlsOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A failure before an HTTP response arrived: `unreachable` (connect, DNS, timeout, reset), `tls` (trust), `aborted`. */
export class RequestError extends Error {
  readonly kind: 'unreachable' | 'tls' | 'aborted';
  readonly code: string | undefined;
  constructor(kind: RequestError['kind'], message: string, code?: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'RequestError';
    this.kind = kind;
    this.code = code;
  }
}

/** A non-2xx HTTP response, with the server's `{ error: { code, message } }` when it sent one. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly serverMessage: string;
  constructor(status: number, body: unknown) {
    const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof e?.code === 'string' ? e.code : `http_${status}`;
    const serverMessage =
      typeof e?.message === 'string' ? e.message : typeof body === 'string' ? body.slice(0, 200) : '';
    super(`HTTP ${status} ${code}${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
  }
}

/** Normalises a SHA-256 fingerprint (`AB:CD:…` or `abcd…`) to 64 lower-case hex digits, or undefined if malformed. */
export function normaliseFingerprint(fp: string): string | undefined {
  const hex = fp.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/** Facts about the server certificate seen on a connection. */
export interface PeerCertificate {
  sha256: string;
  subject: string;
  issuer: string;
  validTo: string;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

function toRequestError(err: unknown, signal?: AbortSignal): RequestError {
  if (err instanceof RequestError) return err;
  if (signal?.aborted) return new RequestError('aborted', 'request aborted', 'ABORT_ERR', err);
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  return new RequestError(code && TLS_CODES.test(code) ? 'tls' : 'unreachable', message, code, err);
}

function describePeer(socket: tls.TLSSocket): PeerCertificate {
  const c = socket.getPeerCertificate();
  return {
    sha256: normaliseFingerprint(c.fingerprint256 ?? '') ?? '',
    subject: Object.entries(c.subject ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    issuer: Object.entries(c.issuer ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    validTo: c.valid_to,
  };
}

/** Opens a TLS connection to the URL's host and applies the trust rules; resolves once it is safe to send. */
function connect(url: URL, opts: RequestOptions): Promise<{ socket: tls.TLSSocket; peer: PeerCertificate }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const verifyChain = !opts.insecure && opts.pinSha256 === undefined;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new RequestError('aborted', 'request aborted', 'ABORT_ERR'));
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: verifyChain,
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (err: unknown) => {
      cleanup();
      socket.destroy();
      reject(toRequestError(err, opts.signal));
    };
    const onAbort = () => fail(new RequestError('aborted', 'request aborted', 'ABORT_ERR'));
    const cleanup = () => {
      socket.off('error', fail);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.setTimeout(0);
    };
    socket.once('error', fail);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(opts.timeoutMs ?? 30_000, () =>
      fail(new RequestError('unreachable', `no TLS handshake with ${url.host} within the timeout`, 'ETIMEDOUT')),
    );
    socket.once('secureConnect', () => {
      const peer = describePeer(socket);
      if (opts.pinSha256 !== undefined && peer.sha256 !== normaliseFingerprint(opts.pinSha256)) {
        return fail(
          new RequestError(
            'tls',
            `the server's certificate fingerprint ${peer.sha256} does not match the expected ${opts.pinSha256}`,
            'ERR_FINGERPRINT_MISMATCH',
          ),
        );
      }
      cleanup();
      resolve({ socket, peer });
    });
  });
}

/** Connects only to read the server certificate (nothing is sent), e.g. to show its fingerprint on first contact. */
export async function probeServerCertificate(url: string | URL, timeoutMs = 15_000): Promise<PeerCertificate> {
  const { socket, peer } = await connect(new URL(url), { insecure: true, timeoutMs });
  socket.destroy();
  return peer;
}

/** A parsed JSON (or text) response. */
export interface JsonResponse {
  status: number;
  body: unknown;
  peer: PeerCertificate;
}

/** POSTs a JSON body over a connection verified as `opts` says; resolves with any HTTP status, rejects with `RequestError`. */
export async function postJson(url: string | URL, body: unknown, opts: RequestOptions = {}): Promise<JsonResponse> {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new RequestError('tls', `only https:// URLs are allowed, got ${u.protocol}`);
  const { socket, peer } = await connect(u, opts);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      method: 'POST',
      path: `${u.pathname}${u.search}`,
      headers: {
        host: u.host,
        'content-type': 'application/json',
        'content-length': payload.length,
        accept: 'application/json',
        connection: 'close',
      },
      createConnection: () => socket,
      timeout: opts.timeoutMs ?? 30_000,
      signal: opts.signal,
    });
    req.on('timeout', () =>
      req.destroy(new RequestError('unreachable', `no response from ${u.host} within the timeout`, 'ETIMEDOUT')),
    );
    req.on('error', (err) => reject(toRequestError(err, opts.signal)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES)
          req.destroy(new RequestError('unreachable', 'response too large', 'ERR_TOO_LARGE'));
        else chunks.push(c);
      });
      res.on('error', (err) => reject(toRequestError(err, opts.signal)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text (proxies' error pages)
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, peer });
      });
    });
    req.end(payload);
  });
}

/** Like `postJson` but returns the body of a 2xx response and throws `HttpError` for any other status. */
export async function postJsonOk(url: string | URL, body: unknown, opts: RequestOptions = {}): Promise<unknown> {
  const res = await postJson(url, body, opts);
  if (res.status < 200 || res.status > 299) throw new HttpError(res.status, res.body);
  return res.body;
}

/** Resolves `path` (e.g. `api/agent/heartbeat`) under the server's base URL, keeping any path prefix it has. */
export function serverEndpoint(serverUrl: string, path: string): URL {
  return new URL(path, serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
}
