import { createHmac } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import nodemailer, { type Transporter } from 'nodemailer';
import { formatJst } from '../../lib/time.ts';

/** Everything a message is built from. */
export type AlertMessage = {
  alertId: string;
  severity: string;
  title: string;
  facilityName: string;
  hostname: string | null;
  source: string;
  kind: string;
  firstSeenAt: Date;
  count: number;
  url: string;
  reason: 'alert' | 'escalation' | 'test';
};

/** How a channel is reached. */
export type ChannelTarget = { kind: string; config: { to?: string[]; url?: string; secret?: string; caPem?: string } };

/** SMTP settings; unset means e-mail channels fail with a clear error. */
export type MailSettings = { smtpUrl: string | undefined; from: string };

const SEVERITY_JA: Record<string, string> = { critical: '重大', high: '高', medium: '中', low: '低', info: '情報' };

/** The plain-Japanese subject and body every channel uses. */
export function renderMessage(m: AlertMessage): { subject: string; text: string } {
  const sev = SEVERITY_JA[m.severity] ?? m.severity;
  const prefix =
    m.reason === 'escalation'
      ? '【Mamori・未対応のため地域SOCへ通知】'
      : m.reason === 'test'
        ? '【Mamori・テスト送信】'
        : '【Mamori】';
  const subject = `${prefix}[${sev}] ${m.title} — ${m.facilityName}`;
  if (m.reason === 'test') {
    const text = [
      'これは Mamori からのテスト送信です。実際のアラートではありません。',
      `このメッセージが届いていれば、通知先「${m.title}」の設定は正しく動いています。`,
      '',
      `対象: ${m.facilityName}`,
      `送信した日時: ${formatJst(m.firstSeenAt)}(日本時間)`,
      '',
      '送信の記録はコンソールの「通知」→「送信の記録」で確かめられます。',
      m.url,
    ];
    return { subject: `${prefix}${m.title} — ${m.facilityName}`, text: text.join('\n') };
  }
  const lines = [
    `${m.facilityName} でアラートが発生しました。`,
    '',
    `重要度: ${sev}`,
    `内容: ${m.title}`,
    `端末: ${m.hostname ?? '—'}`,
    `検知元: ${m.source} / ${m.kind}`,
    `最初の検知: ${formatJst(m.firstSeenAt)}(日本時間)`,
    `回数: ${m.count}`,
    '',
    m.reason === 'escalation'
      ? '施設で確認されないまま一定時間が過ぎたため、地域SOCに通知しています。施設に連絡し、対応を確認してください。'
      : 'コンソールで詳細と「いま何をすればよいか」を確認し、対応状況を記録してください。',
    m.url,
  ];
  return { subject, text: lines.join('\n') };
}

/** JSON body for generic webhooks, Slack and Teams incoming webhooks. */
export function webhookBody(kind: string, m: AlertMessage): string {
  const { subject, text } = renderMessage(m);
  if (kind === 'slack') return JSON.stringify({ text: `*${subject}*\n${text}` });
  if (kind === 'teams')
    return JSON.stringify({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: subject,
      title: subject,
      text: text.replace(/\n/g, '<br>'),
    });
  return JSON.stringify({
    type: 'mamori.alert',
    reason: m.reason,
    alert: {
      id: m.alertId,
      severity: m.severity,
      title: m.title,
      facility: m.facilityName,
      host: m.hostname,
      source: m.source,
      kind: m.kind,
      firstSeenAt: m.firstSeenAt.toISOString(),
      count: m.count,
      url: m.url,
    },
    subject,
  });
}

/** The signature header value: HMAC-SHA256 over `<timestamp>.<body>` with the channel secret. */
export const signWebhook = (secret: string, timestamp: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

const SYSLOG_SEVERITY: Record<string, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
const sdEscape = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

/**
 * One RFC 5424 syslog message (facility local0) with the alert as structured data and as JSON in
 * the message body, framed by octet counting (RFC 6587) for TCP/TLS.
 */
export function syslogFrame(m: AlertMessage, hostname: string, now = new Date()): string {
  const pri = 16 * 8 + (SYSLOG_SEVERITY[m.severity] ?? 6);
  // 32473 is the private enterprise number reserved for documentation (RFC 5612).
  const sd = `[mamori@32473 alertId="${sdEscape(m.alertId)}" facility="${sdEscape(m.facilityName)}" severity="${m.severity}" source="${sdEscape(m.source)}" kind="${sdEscape(m.kind)}" reason="${m.reason}"]`;
  const body = JSON.parse(webhookBody('webhook', m)) as object;
  const msg = `<${pri}>1 ${now.toISOString()} ${hostname.replace(/\s/g, '') || '-'} mamori - alert ${sd} \uFEFF${JSON.stringify(body)}`;
  return `${Buffer.byteLength(msg)} ${msg}`;
}

async function sendSyslog(target: ChannelTarget, m: AlertMessage): Promise<string> {
  const match = /^(tcp|tls):\/\/(.+):(\d+)$/.exec(target.config.url ?? '');
  if (!match) throw new Error('The syslog URL must be tcp://host:port or tls://host:port');
  const [, scheme, rawHost = '', port] = match;
  const host = rawHost.replace(/^\[|\]$/g, '');
  const frame = syslogFrame(m, os.hostname());
  await new Promise<void>((resolve, reject) => {
    const opts = { host, port: Number(port), timeout: 10_000 };
    const socket =
      scheme === 'tls'
        ? tls.connect({
            ...opts,
            servername: net.isIP(host) ? undefined : host,
            ...(target.config.caPem ? { ca: target.config.caPem } : {}),
          })
        : net.connect(opts);
    socket.once(scheme === 'tls' ? 'secureConnect' : 'connect', () => socket.end(frame, () => resolve()));
    socket.once('timeout', () => socket.destroy(new Error('syslog receiver timed out')));
    socket.once('error', reject);
  }).catch((err: unknown) => {
    throw new Error(`could not deliver to the syslog receiver: ${describeSendError(err, secretsOf(target))}`);
  });
  return `syslog ${scheme}://${host}:${port}`;
}

/** Values that must never appear in a recorded error: keys, passwords, and webhook URLs (which may hold tokens). */
export function secretsOf(target: ChannelTarget, mail?: MailSettings): string[] {
  const out: string[] = [];
  const { url, secret } = target.config;
  if (secret) out.push(secret);
  if (url) {
    out.push(url);
    try {
      const u = new URL(url);
      if (u.pathname.length > 1) out.push(u.pathname);
      if (u.search) out.push(u.search);
      if (u.password) out.push(u.password, decodeURIComponent(u.password));
    } catch {
      // not a URL: the whole string is already listed
    }
  }
  if (mail?.smtpUrl) {
    try {
      const u = new URL(mail.smtpUrl);
      if (u.password) out.push(u.password, decodeURIComponent(u.password));
    } catch {
      out.push(mail.smtpUrl);
    }
  }
  return out.filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
}

type ErrorLike = Error & { code?: unknown; response?: unknown; command?: unknown; errors?: unknown };

/**
 * A readable reason for a failed send that keeps the underlying cause — the socket error with its
 * address (`connect ECONNREFUSED 127.0.0.1:9`), the TLS problem (`DEPTH_ZERO_SELF_SIGNED_CERT`), the
 * SMTP reply (`550 5.1.1 …`) — instead of a wrapper's "fetch failed"; every value in `secrets` is
 * replaced by `[redacted]`. At most 500 characters.
 */
export function describeSendError(err: unknown, secrets: readonly string[] = []): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === undefined || e === null || seen.has(e) || depth > 5) return;
    seen.add(e);
    if (!(e instanceof Error)) {
      parts.push(String(e));
      return;
    }
    const x = e as ErrorLike;
    const hasCause = x.cause !== undefined || Array.isArray(x.errors);
    // Wrappers that only say "something failed" give way to their cause.
    const generic = hasCause && /^(fetch failed|)$/i.test(x.message);
    if (!generic) {
      let msg = x.name === 'TimeoutError' || x.name === 'AbortError' ? 'no answer within 10 s (timed out)' : x.message;
      const code = typeof x.code === 'string' ? x.code : undefined;
      if (code && !msg.includes(code)) msg = `${msg} (${code})`;
      if (typeof x.response === 'string' && x.response && !msg.includes(x.response)) {
        msg += ` — the server answered: ${x.response}`;
      }
      if (typeof x.command === 'string' && x.command) msg += ` [${x.command}]`;
      parts.push(msg);
    }
    if (Array.isArray(x.errors)) for (const inner of x.errors) visit(inner, depth + 1);
    visit(x.cause, depth + 1);
  };
  visit(err, 0);
  const unique = parts.map((p) => p.trim()).filter((p, i, all) => p && all.indexOf(p) === i);
  let text = unique.join(': ') || 'unknown error';
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return text.replace(/\s+/g, ' ').slice(0, 500);
}

/** The first few hundred characters of an error response (receivers often say why there). */
async function bodySnippet(res: Response): Promise<string> {
  try {
    const reader = res.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < 300) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader.cancel().catch(() => {});
    return Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

let transport: { url: string; t: Transporter } | undefined;

/** Sends one message to one channel; throws with a readable reason on failure. Times out after 10 s. */
export async function send(target: ChannelTarget, m: AlertMessage, mail: MailSettings): Promise<string> {
  if (target.kind === 'email') {
    if (!mail.smtpUrl) throw new Error('E-mail is not configured on the server (MAMORI_SMTP_URL)');
    if (transport?.url !== mail.smtpUrl) {
      transport = {
        url: mail.smtpUrl,
        t: nodemailer.createTransport({
          url: mail.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 10_000,
        }),
      };
    }
    const { subject, text } = renderMessage(m);
    try {
      const info = await transport.t.sendMail({ from: mail.from, to: target.config.to ?? [], subject, text });
      return `smtp ${info.response ?? 'sent'}`;
    } catch (err) {
      throw new Error(`the mail server did not accept the message: ${describeSendError(err, secretsOf(target, mail))}`);
    }
  }
  if (target.kind === 'syslog') return sendSyslog(target, m);
  const url = target.config.url;
  if (!url) throw new Error('The channel has no URL');
  const body = webhookBody(target.kind, m);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Mamori',
    'x-mamori-timestamp': timestamp,
  };
  if (target.config.secret) headers['x-mamori-signature'] = signWebhook(target.config.secret, timestamp, body);
  const secrets = secretsOf(target);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
  } catch (err) {
    throw new Error(`could not reach the webhook: ${describeSendError(err, secrets)}`);
  }
  if (!res.ok) {
    const snippet = await bodySnippet(res);
    const said = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from the webhook${snippet ? `: ${snippet}` : ''}`;
    throw new Error(describeSendError(new Error(said), secrets));
  }
  await res.body?.cancel().catch(() => {});
  return `HTTP ${res.status}`;
}
