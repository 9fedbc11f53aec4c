import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.ts';
import { recordBeaconHit } from './decoys.service.ts';

/** A transparent 1×1 GIF: what every beacon request gets back, known token or not. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
export const BEACON_RATE_LIMIT = { max: 30, timeWindow: '1 minute' };

/**
 * Serves a beacon request: records the opening when the token is known and always answers with the
 * same pixel, so the caller learns nothing about the facility or whether the token exists.
 */
export async function serveBeacon(db: Db, req: FastifyRequest, reply: FastifyReply) {
  const token = String((req.params as { token?: unknown }).token ?? '').replace(/\.(gif|png|jpg|css)$/i, '');
  try {
    await recordBeaconHit(db, {
      token,
      channel: 'http',
      ip: req.ip,
      userAgent: String(req.headers['user-agent'] ?? ''),
    });
  } catch (err) {
    req.log.error({ err }, 'could not record a beacon opening');
  }
  return reply
    .header('content-type', 'image/gif')
    .header('cache-control', 'no-store, max-age=0')
    .header('x-robots-tag', 'noindex')
    .send(PIXEL);
}

/**
 * A plain-HTTP listener that serves beacons only (document viewers on an attacker's machine do not
 * trust the platform CA, so an HTTPS beacon would fail before the path is sent).
 */
export async function startBeaconHttp(db: Db, host: string, port: number, trustProxy: string[]) {
  const app: FastifyInstance = Fastify({ logger: false, trustProxy: trustProxy.length ? trustProxy : false });
  await app.register((await import('@fastify/rate-limit')).default, BEACON_RATE_LIMIT);
  app.get<{ Params: { token: string } }>('/b/:token', (req, reply) => serveBeacon(db, req, reply));
  app.setNotFoundHandler((_req, reply) => reply.status(404).type('text/plain').send('Not found'));
  await app.listen({ host, port });
  return app;
}

/**
 * A tiny authoritative DNS listener for the beacon zone: `<token>.<zone>` lookups are recorded as
 * openings (they reach us even where HTTP is blocked); every answer is empty (NODATA) so nothing is
 * revealed. Names outside the zone are refused. Rate-limited per resolver address.
 */
export async function startBeaconDns(opts: {
  db: Db;
  host: string;
  port: number;
  zone: string;
  logger: FastifyBaseLogger;
}) {
  const zone = opts.zone.toLowerCase().replace(/\.$/, '');
  const socket = dgram.createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
  const budget = new Map<string, { n: number; until: number }>();
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore
    }
    if (query.type !== 'query') return; // never answer answers (no reflection ping-pong)
    const now = Date.now();
    if (budget.size > 10_000) for (const [ip, b] of budget) if (b.until < now) budget.delete(ip);
    const b = budget.get(rinfo.address);
    if (!b || b.until < now) {
      if (budget.size > 10_000) return; // under a flood from many addresses: stay silent, keep the limits
      budget.set(rinfo.address, { n: 1, until: now + 60_000 });
    } else if (++b.n > 120) return;
    const q = query.questions?.[0];
    const name = q?.name.toLowerCase().replace(/\.$/, '') ?? '';
    const inZone = name === zone || name.endsWith(`.${zone}`);
    const answer = dnsPacket.encode({
      id: query.id ?? 0,
      type: 'response',
      flags: (inZone ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (inZone ? 0 : 5), // rcode 5 = REFUSED
      questions: query.questions ?? [],
      answers: [],
    });
    socket.send(answer, rinfo.port, rinfo.address);
    if (inZone && name !== zone) {
      const token =
        name
          .slice(0, -zone.length - 1)
          .split('.')
          .at(-1) ?? '';
      recordBeaconHit(opts.db, { token, channel: 'dns', ip: rinfo.address, userAgent: `dns ${q?.type ?? ''}` }).catch(
        (err: unknown) => opts.logger.error({ err }, 'could not record a DNS beacon'),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => opts.logger.error({ err }, 'beacon DNS listener error'));
  return socket;
}
