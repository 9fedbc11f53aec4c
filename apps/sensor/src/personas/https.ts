// The web personas over HTTPS — what attackers of Japanese hospitals met first: a FortiGate-style
// SSL-VPN portal (the Handa Hospital entry point was FortiOS CVE-2018-13379), a generic SSL-VPN /
// firewall portal, and an EMR login. Node's own TLS and HTTP parser do the protocol work (bounded
// headers, time-outs, a body limit); what is written here is the pages, the login flows and a
// table of exploit signatures. Certificates are self-signed per sensor and persona (@peculiar/x509).
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import http from 'node:http';
import tls from 'node:tls';
import { makePatient, toRomaji } from '@mamori/decoys';
import * as x509 from '@peculiar/x509';
import type { PersonaContext, PersonaFactory, SensorSession } from '../core/persona.ts';

x509.cryptoProvider.set(crypto);

const BODY_LIMIT = 64 * 1024;

/** Exploit and scan signatures, checked in order on the raw request line and body. */
export const SIGNATURES: {
  test: (r: { method: string; url: string; body: string; headers: http.IncomingHttpHeaders }) => boolean;
  cve?: string;
  technique: string;
  exploit: boolean;
}[] = [
  {
    test: (r) => /fgt_lang/i.test(r.url) && /\.\.\//.test(r.url),
    cve: 'CVE-2018-13379',
    technique: 'FortiOS SSL-VPN path traversal (sslvpn_websession)',
    exploit: true,
  },
  {
    test: (r) => /^\/remote\/(error|hostcheck_validate|logincheck)/i.test(r.url) && r.body.length > 8_000,
    cve: 'CVE-2023-27997',
    technique: 'FortiOS SSL-VPN heap overflow (oversized body)',
    exploit: true,
  },
  {
    test: (r) => /^\/remote\//i.test(r.url) && /chunked/i.test(String(r.headers['transfer-encoding'] ?? '')),
    cve: 'CVE-2024-21762',
    technique: 'FortiOS sslvpnd out-of-bounds write (chunked request)',
    exploit: true,
  },
  {
    test: (r) => /\/dana-na\/\.\.\/dana\/html5acc\/guacamole/i.test(r.url),
    cve: 'CVE-2019-11510',
    technique: 'Pulse Secure arbitrary file read',
    exploit: true,
  },
  {
    test: (r) => /\/vpns?\/\.\.\/vpns\//i.test(r.url) || /^\/vpns\/portal\/scripts/i.test(r.url),
    cve: 'CVE-2019-19781',
    technique: 'Citrix ADC path traversal',
    exploit: true,
  },
  {
    test: (r) => /\/api\/v1\/totp\/user-backup-code\/\.\.\//i.test(r.url),
    cve: 'CVE-2023-46805',
    technique: 'Ivanti Connect Secure authentication bypass',
    exploit: true,
  },
  {
    test: (r) => /\/tmui\/login\.jsp\/\.\.;/i.test(r.url),
    cve: 'CVE-2020-5902',
    technique: 'F5 BIG-IP TMUI traversal',
    exploit: true,
  },
  {
    test: (r) => /SESSID=[^;]*\.\.\//i.test(String(r.headers.cookie ?? '')),
    cve: 'CVE-2024-3400',
    technique: 'PAN-OS GlobalProtect command injection via cookie',
    exploit: true,
  },
  { test: (r) => /(\.\.\/|\.\.%2f|%2e%2e[%/\\])/i.test(r.url), technique: 'path traversal', exploit: true },
  {
    test: (r) => /(;|\||`|\$\()\s*(id|uname|wget|curl|cat|sh|bash|nc)\b/i.test(decodeSafe(r.url) + r.body),
    technique: 'command injection',
    exploit: true,
  },
  {
    test: (r) =>
      /^\/(\.env|\.git\/|wp-login\.php|wp-admin|phpmyadmin|cgi-bin\/|server-status|actuator|boaform|HNAP1)/i.test(
        r.url,
      ),
    technique: 'sensitive path scan',
    exploit: false,
  },
];

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A self-signed certificate and key for this persona (created once per sensor, then reused). */
async function certificate(
  ctx: PersonaContext,
  subject: { cn: string; o: string; ou: string },
): Promise<{ key: string; cert: string }> {
  const pem = await ctx.identity.persisted(`tls-${ctx.kind}.pem`, async () => {
    const alg = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const r = ctx.identity.rng(`tls-${ctx.kind}`);
    const notBefore = new Date(Date.now() - r.int(200, 1500) * 86_400_000);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomBytes(8).toString('hex'),
      name: `CN=${subject.cn}, O=${subject.o}, OU=${subject.ou}, C=JP`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + r.pick([3650, 3652, 7300, 825]) * 86_400_000),
      keys: keys as never,
      signingAlgorithm: alg,
    });
    const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    return `${key}\n${cert.toString('pem')}\n`;
  });
  const key = pem.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0] ?? '';
  const cert = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? '';
  return { key, cert };
}

type Req = { method: string; url: string; body: string; form: URLSearchParams; headers: http.IncomingHttpHeaders };
type Reply = { status: number; headers?: Record<string, string>; body: string };
type Site = {
  subject: { cn: string; o: string; ou: string };
  headers: Record<string, string>;
  route: (r: Req, session: SensorSession) => Reply;
};

/** Runs a site over TLS on the core's sockets: one HTTP server per persona, each request mapped back to its session. */
function httpsPersona(build: (ctx: PersonaContext) => Site): PersonaFactory {
  return async (ctx) => {
    const site = build(ctx);
    const { key, cert } = await certificate(ctx, site.subject);
    const secureContext = tls.createSecureContext({ key, cert, minVersion: 'TLSv1.2' });
    const sessions = new WeakMap<object, SensorSession>();
    const server = http.createServer(
      { maxHeaderSize: 16_384, requestTimeout: 15_000, headersTimeout: 10_000 },
      (req, res) => {
        const session = sessions.get(req.socket);
        if (!session) {
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (d: Buffer) => {
          size += d.length;
          if (size > BODY_LIMIT) {
            session.reject(`request body larger than ${BODY_LIMIT} bytes`);
            req.destroy();
          } else chunks.push(d);
        });
        req.on('end', () => {
          if (size > BODY_LIMIT) return;
          const body = Buffer.concat(chunks).toString('utf8');
          const url = req.url ?? '/';
          const r: Req = {
            method: req.method ?? 'GET',
            url,
            body,
            form: new URLSearchParams(body),
            headers: req.headers,
          };
          const info = {
            method: r.method,
            host: req.headers.host,
            userAgent: req.headers['user-agent'],
            contentType: req.headers['content-type'],
            bodyPreview: body.slice(0, 300) || undefined,
          };
          const sig = SIGNATURES.find((s) => s.test(r));
          if (sig?.exploit)
            session.record('exploit', {
              url,
              summary: `${r.method} ${url.slice(0, 200)}`,
              info: { ...info, cve: sig.cve, technique: sig.technique },
            });
          else
            session.record('request', {
              url,
              summary: `${r.method} ${url.slice(0, 200)}`,
              info: sig ? { ...info, probe: sig.technique } : info,
            });
          let reply: Reply;
          try {
            reply = site.route(r, session);
          } catch {
            reply = { status: 500, body: '<html><body><h1>500 Internal Server Error</h1></body></html>' };
          }
          res.writeHead(reply.status, {
            'Content-Type': 'text/html; charset=utf-8',
            ...site.headers,
            ...reply.headers,
          });
          res.end(reply.body);
        });
      },
    );
    server.on('clientError', (err, socket) => {
      const session = sessions.get(socket);
      if (session) session.reject(`malformed HTTP: ${(err as Error & { code?: string }).code ?? err.message}`);
      else socket.destroy();
    });
    return {
      handle(socket, session) {
        const tlsSocket = new tls.TLSSocket(socket, { isServer: true, secureContext });
        sessions.set(tlsSocket, session);
        tlsSocket.on('error', (err: Error & { code?: string }) => {
          session.reject(`TLS: ${err.code ?? err.message}`);
        });
        tlsSocket.once('secure', () => {
          const proto = tlsSocket.getProtocol();
          const sni = (tlsSocket as unknown as { servername?: string }).servername;
          if (sni) session.record('request', { summary: `TLS ${proto} SNI ${sni}`, info: { sni, protocol: proto } });
        });
        server.emit('connection', tlsSocket);
      },
    };
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string, lang = 'ja') =>
  `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><title>${esc(title)}</title><meta name="viewport" content="width=device-width"><style>body{font-family:sans-serif;background:#f4f5f7;margin:0}main{max-width:380px;margin:80px auto;background:#fff;padding:28px;border-radius:6px;box-shadow:0 1px 4px #0002}label{display:block;margin-top:12px;font-size:14px}input{width:100%;padding:8px;box-sizing:border-box}button{margin-top:18px;width:100%;padding:10px}.err{color:#b00;font-size:14px}</style></head><body><main>${body}</main></body></html>`;

/** FortiGate-style SSL-VPN portal: /remote/login and /remote/logincheck as FortiOS answers them. */
export const sslvpnFortiPersona = httpsPersona((ctx): Site => {
  const serial = `FG${ctx.rng.pick(['60F', '100F', '80F', '200E', '101F'])}TK${ctx.rng.int(19, 23)}${String(ctx.rng.int(0, 999_999)).padStart(6, '0')}`;
  const etag = `${ctx.rng.int(100, 999)}_${(ctx.rng.int(0x10000000, 0x7fffffff)).toString(16)}`;
  const login = (lang: string, error?: string) =>
    page(
      'SSL-VPN',
      `<h2>${lang === 'ja' ? 'SSL-VPN ポータル' : 'SSL-VPN Portal'}</h2>${error ? `<p class="err">${error}</p>` : ''}<form method="post" action="/remote/logincheck"><label>${lang === 'ja' ? 'ユーザー名' : 'Username'}<input name="username"></label><label>${lang === 'ja' ? 'パスワード' : 'Password'}<input name="credential" type="password"></label><input type="hidden" name="ajax" value="1"><input type="hidden" name="realm" value=""><button>${lang === 'ja' ? 'ログイン' : 'Login'}</button></form>`,
      lang,
    );
  return {
    subject: { cn: serial, o: 'Fortinet', ou: 'FortiGate' },
    headers: {
      'X-Frame-Options': 'SAMEORIGIN',
      'Content-Security-Policy': "frame-ancestors 'self'",
      ETag: `"${etag}"`,
    },
    route: (r, session): Reply => {
      const path = r.url.split('?')[0] ?? '/';
      if (path === '/' || path === '/remote')
        return { status: 302, headers: { Location: '/remote/login?lang=en' }, body: '' };
      if (path === '/remote/login') return { status: 200, body: login(/lang=ja/.test(r.url) ? 'ja' : 'en') };
      if (/^\/remote\/fgt_lang/i.test(path)) {
        // What the traversal returns on a vulnerable box is the session file: here it holds only
        // made-up users and passwords from the sensor's seed (so an attacker's tooling "succeeds").
        const fake = ctx.identity.rng('fake-sessions');
        const rows = Array.from(
          { length: 3 },
          () =>
            `${fake.pick(['vpnuser', 'itadmin', 'soumu', 'ishi', 'kango'])}${fake.int(1, 40)}\0${fake.pick(['Haru', 'Natsu', 'Aki', 'Fuyu'])}${fake.int(1000, 9999)}!\0`,
        );
        return {
          status: 200,
          headers: { 'Content-Type': 'application/javascript' },
          body: `var fgt_lang =\n${Buffer.from(`${randomBytes(16).toString('latin1')}${rows.join('')}`, 'latin1').toString('latin1')}`,
        };
      }
      if (path === '/remote/logincheck' && r.method === 'POST') {
        const u = r.form.get('username') ?? '';
        const p = r.form.get('credential') ?? '';
        const ok = ctx.accepts(u, p);
        session.record('login', { username: u, password: p, success: ok, summary: `SSL-VPN login ${u}` });
        if (ok)
          return {
            status: 200,
            headers: { 'Set-Cookie': `SVPNCOOKIE=${randomBytes(24).toString('base64url')}; path=/; secure; httponly` },
            body: 'ret=1,redir=/remote/fortisslvpn',
          };
        return { status: 200, body: 'ret=0,redir=/remote/login?&err=sslvpn_login_permission_denied&lang=en' };
      }
      if (path === '/remote/fortisslvpn')
        return { status: 200, body: page('SSL-VPN', '<p>Launching FortiClient… トンネルを接続しています…</p>') };
      return { status: 404, body: page('404', '<h1>404 Not Found</h1>', 'en') };
    },
  };
});

/** A generic SSL-VPN / firewall portal. */
export const sslvpnPersona = httpsPersona((ctx): Site => {
  const product = ctx.rng.pick(['Secure Access Gateway', 'SSL VPN Service', 'Remote Access Portal']);
  const server = ctx.rng.pick(['Apache', 'nginx', 'lighttpd/1.4.59', '']);
  return {
    subject: { cn: `vpn.${ctx.identity.domain}`, o: ctx.identity.orgSlug, ou: 'VPN' },
    headers: server ? { Server: server } : {},
    route: (r, session): Reply => {
      const path = r.url.split('?')[0] ?? '/';
      const form = (err?: string) =>
        page(
          product,
          `<h2>${product}</h2>${err ? `<p class="err">${err}</p>` : ''}<form method="post" action="/login"><label>User<input name="user"></label><label>Password<input name="pass" type="password"></label><button>Sign in</button></form>`,
          'en',
        );
      if (path === '/login' && r.method === 'POST') {
        const u = r.form.get('user') ?? '';
        const p = r.form.get('pass') ?? '';
        const ok = ctx.accepts(u, p);
        session.record('login', { username: u, password: p, success: ok, summary: `VPN portal login ${u}` });
        return ok
          ? { status: 200, body: page(product, '<p>Connecting tunnel…</p>', 'en') }
          : { status: 200, body: form('Invalid username or password') };
      }
      if (path === '/' || path === '/login') return { status: 200, body: form() };
      return { status: 404, body: page('Not Found', '<h1>Not Found</h1>', 'en') };
    },
  };
});

/** A hospital information system / EMR web login (generic look, Japanese), with a fake patient search after login. */
export const emrWebPersona = httpsPersona((ctx): Site => {
  const org = ctx.identity.organisation;
  const system = `${ctx.rng.pick(['電子カルテシステム', '病院情報システム', '統合診療支援システム'])}`;
  const server = ctx.rng.pick(['Microsoft-IIS/10.0', 'Apache/2.4.57 (Win64)', 'Apache-Coyote/1.1', '']);
  const patients = Array.from({ length: 8 }, () => makePatient(ctx.identity.rng('emr'), org, new Date()));
  const login = (err?: string) =>
    page(
      `${system} ログイン`,
      `<h2>${esc(org.name)}</h2><p>${system} ログイン</p>${err ? `<p class="err">${err}</p>` : ''}<form method="post" action="/login"><label>利用者ID<input name="userid"></label><label>パスワード<input name="password" type="password"></label><button>ログイン</button></form><p style="font-size:12px;color:#666">パスワードを忘れた場合は医療情報部(内線 ${ctx.rng.int(2000, 7999)})へ連絡してください。</p>`,
    );
  return {
    subject: {
      cn: `${ctx.identity.hostname}.${ctx.identity.domain}`,
      o: toRomaji(org.doctors[0]?.surnameKana ?? '') || ctx.identity.orgSlug,
      ou: 'HIS',
    },
    headers: server ? { Server: server, 'Cache-Control': 'no-store' } : { 'Cache-Control': 'no-store' },
    route: (r, session): Reply => {
      const path = r.url.split('?')[0] ?? '/';
      if (path === '/login' && r.method === 'POST') {
        const u = r.form.get('userid') ?? '';
        const p = r.form.get('password') ?? '';
        const ok = ctx.accepts(u, p);
        session.record('login', { username: u, password: p, success: ok, summary: `EMR login ${u}` });
        if (!ok) return { status: 200, body: login('利用者IDまたはパスワードが違うため、ログインできません。') };
        const rows = patients
          .map(
            (p) =>
              `<tr><td>${esc(p.id)}</td><td>${esc(`${p.surname} ${p.given}`)}</td><td>${esc(`${p.surnameKana} ${p.givenKana}`)}</td><td>${p.sex === 'F' ? '女' : '男'}</td></tr>`,
          )
          .join('');
        return {
          status: 200,
          headers: {
            'Set-Cookie': `JSESSIONID=${randomBytes(16).toString('hex').toUpperCase()}; Path=/; Secure; HttpOnly`,
          },
          body: page(`${system} 患者検索`, `<h2>患者検索</h2><table>${rows}</table>`),
        };
      }
      if (path === '/' || path === '/login') return { status: 200, body: login() };
      return { status: 404, body: page('404', '<h1>ページが見つかりません</h1>') };
    },
  };
});
