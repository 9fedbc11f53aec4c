/** What notifications reach in end-to-end tests: a real SMTP server and a webhook receiver on loopback. */
import http from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './platform.ts';

export type ReceivedMail = { to: string; subject: string };
export type ReceivedHook = { body: string; signature: string; timestamp: string };

/** Starts both on free ports; `mails` and `hooks` fill as messages arrive. */
export async function startReceivers() {
  const mails: ReceivedMail[] = [];
  const hooks: ReceivedHook[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        mails.push({ to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '', subject: m.subject ?? '' });
        cb();
      }, cb);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooks.push({
        body,
        signature: String(req.headers['x-mamori-signature'] ?? ''),
        timestamp: String(req.headers['x-mamori-timestamp'] ?? ''),
      });
      res.writeHead(204).end();
    });
  });
  const hookPort = await freePort();
  await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));
  return {
    mails,
    hooks,
    smtpPort,
    hookPort,
    close: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => receiver.close(() => r()));
    },
  };
}
