import { randomUUID } from 'node:crypto';
import net, { type Socket } from 'node:net';
import type { InteractionKind, PersonaKind, SensorLimits, SessionStage } from '@mamori/contracts';
import type { Logger } from 'pino';
import type { InteractionFields, PersonaHandler, SensorSession } from './persona.ts';

/** One recorded interaction, as the core hands it to the recorder. */
export interface Interaction extends InteractionFields {
  at: Date;
  kind: InteractionKind;
  /** The session's stage after this interaction. */
  stage: SessionStage;
  sessionId: string;
  persona: PersonaKind;
  srcIp: string;
  srcPort: number;
  dstPort: number;
  bytesIn?: number;
  bytesOut?: number;
  ports?: number[];
}

export type RecordFn = (i: Interaction) => void;

/** A persona ready to listen on a port. */
export interface ListenerSpec {
  kind: PersonaKind;
  port: number;
  handler: PersonaHandler;
}

/** Limits on field sizes so no attacker input can make an event oversized. */
const FIELD_MAX = { username: 256, password: 256, command: 2000, url: 2000, summary: 500 } as const;
const INFO_MAX_JSON = 4000;

const STAGE_ORDER: readonly SessionStage[] = ['scan', 'probe', 'login_attempt', 'login_success', 'command'];
const higher = (a: SessionStage, b: SessionStage) => (STAGE_ORDER.indexOf(b) > STAGE_ORDER.indexOf(a) ? b : a);
function stageOf(kind: InteractionKind, success?: boolean): SessionStage {
  switch (kind) {
    case 'login':
      return success ? 'login_success' : 'login_attempt';
    case 'exploit':
      return 'login_attempt'; // an attempt to get in without a password counts like one with

    case 'command':
    case 'download':
      return 'command';
    case 'scan':
      return 'scan';
    default:
      return 'probe';
  }
}

/** Strips control characters (keeping the text readable) and truncates. */
export function clean(s: string, max: number): string {
  let t = '';
  for (const ch of s.length > max * 2 ? s.slice(0, max * 2) : s) {
    const c = ch.codePointAt(0) as number;
    t += (c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function boundedInfo(info: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!info) return undefined;
  const json = JSON.stringify(info);
  if (json.length <= INFO_MAX_JSON) return info;
  return { truncated: true, preview: json.slice(0, INFO_MAX_JSON - 100) };
}

/**
 * The sensor's listening side: one TCP server per persona on the configured address, the limits
 * (connections in all and per source, idle time, bytes per connection), port-scan detection, and
 * a session per connection whose interactions go to `record`.
 */
export class SensorListeners {
  #servers = new Map<number, { kind: PersonaKind; server: net.Server; handler: PersonaHandler }>();
  #sockets = new Set<Socket>();
  #perSource = new Map<string, number>();
  /** Recent ports per source: port → last touch (ms). */
  #touches = new Map<string, Map<number, number>>();
  /** When a scan was last reported per source (ms), to report once per window. */
  #scanReported = new Map<string, number>();
  #dropped = new Map<string, number>();
  #limits: SensorLimits;
  #sweep: NodeJS.Timeout;
  readonly bind: string;
  readonly record: RecordFn;
  readonly log: Logger;

  constructor(bind: string, limits: SensorLimits, record: RecordFn, log: Logger) {
    this.bind = bind;
    this.record = record;
    this.log = log;
    this.#limits = limits;
    this.#sweep = setInterval(() => this.#forget(), 10_000);
    this.#sweep.unref();
  }

  get limits(): SensorLimits {
    return this.#limits;
  }
  set limits(l: SensorLimits) {
    this.#limits = l;
  }

  /** Ports listening now, with their persona. */
  listening(): { kind: PersonaKind; port: number }[] {
    return [...this.#servers].map(([port, s]) => ({ kind: s.kind, port }));
  }

  /** Open connections now. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Starts listening for a persona; resolves with the bound port (useful when `port` is 0 in tests). */
  async add(spec: ListenerSpec): Promise<number> {
    const server = net.createServer({ noDelay: true, keepAlive: false }, (socket) => this.#accept(socket, spec));
    server.maxConnections = this.#limits.maxConnections;
    server.on('error', (err) => this.log.warn({ err: err.message, port: spec.port }, 'listener error'));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen({ host: this.bind, port: spec.port, backlog: 1024 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    this.#servers.set(port, { kind: spec.kind, server, handler: spec.handler });
    return port;
  }

  /** Stops one port's listener and closes its connections. */
  async remove(port: number): Promise<void> {
    const s = this.#servers.get(port);
    if (!s) return;
    this.#servers.delete(port);
    for (const socket of this.#sockets) if (socket.localPort === port) socket.destroy();
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
    await s.handler.close?.();
  }

  /** Stops everything. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    await Promise.all([...this.#servers.keys()].map((p) => this.remove(p)));
  }

  #accept(socket: Socket, spec: ListenerSpec): void {
    const srcIp = normaliseIp(socket.remoteAddress ?? '');
    const srcPort = socket.remotePort ?? 0;
    const dstPort = socket.localPort ?? spec.port;
    socket.on('error', () => {}); // resets are normal from scanners; the close handler records the end
    const open = this.#perSource.get(srcIp) ?? 0;
    if (this.#sockets.size >= this.#limits.maxConnections || open >= this.#limits.maxPerSource) {
      // Over a limit: refuse at once, and say so once a minute per source rather than per connection.
      socket.destroy();
      const last = this.#dropped.get(srcIp) ?? 0;
      if (Date.now() - last > 60_000) {
        this.#dropped.set(srcIp, Date.now());
        this.log.warn({ srcIp, open, total: this.#sockets.size }, 'connection refused: over the limit');
      }
      return;
    }
    this.#sockets.add(socket);
    this.#perSource.set(srcIp, open + 1);

    const record = this.record;
    const startedAt = new Date();
    let stage: SessionStage = 'probe';
    let bytesIn = 0;
    let closed = false;
    const emit = (kind: InteractionKind, fields: InteractionFields & { ports?: number[] } = {}) => {
      stage = higher(stage, stageOf(kind, fields.success));
      record({
        ...fields,
        username: fields.username === undefined ? undefined : clean(fields.username, FIELD_MAX.username),
        password: fields.password === undefined ? undefined : clean(fields.password, FIELD_MAX.password),
        command: fields.command === undefined ? undefined : clean(fields.command, FIELD_MAX.command),
        url: fields.url === undefined ? undefined : clean(fields.url, FIELD_MAX.url),
        summary: fields.summary === undefined ? undefined : clean(fields.summary, FIELD_MAX.summary),
        info: boundedInfo(fields.info),
        at: new Date(),
        kind,
        stage,
        sessionId: session.id,
        persona: spec.kind,
        srcIp,
        srcPort,
        dstPort,
      });
    };
    const session: SensorSession = {
      id: randomUUID(),
      persona: spec.kind,
      srcIp,
      srcPort,
      dstPort,
      startedAt,
      loggedIn: false,
      record: (kind, fields) => {
        if (closed) return;
        if (kind === 'login' && fields?.success) session.loggedIn = true;
        emit(kind, fields);
      },
      reject: (reason, info) => {
        if (closed) return;
        emit('malformed', { summary: reason, info });
        socket.destroy();
      },
    };
    emit('connect', {});
    this.#touch(srcIp, dstPort, (ports) => emit('scan', { summary: `${ports.length} ports`, ports }));

    socket.setTimeout(this.#limits.idleSeconds * 1000, () => socket.destroy());
    const maxBytes = this.#limits.maxBytesPerConnection;
    socket.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
      if (bytesIn > maxBytes) session.reject(`more than ${maxBytes} bytes on one connection`);
    });
    socket.once('close', () => {
      closed = true;
      this.#sockets.delete(socket);
      const n = (this.#perSource.get(srcIp) ?? 1) - 1;
      if (n <= 0) this.#perSource.delete(srcIp);
      else this.#perSource.set(srcIp, n);
      stage = higher(stage, 'probe');
      record({
        at: new Date(),
        kind: 'disconnect',
        stage,
        sessionId: session.id,
        persona: spec.kind,
        srcIp,
        srcPort,
        dstPort,
        bytesIn: socket.bytesRead,
        bytesOut: socket.bytesWritten,
        info: { seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10 },
      });
    });
    // Every event of this socket is delivered inside a guard: a persona's handler that throws on
    // hostile input (a read past the end of a short buffer, say) costs that connection, never the sensor.
    const deliver = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      try {
        return deliver(event, ...args);
      } catch (err) {
        this.log.error(
          { err: (err as Error).message, persona: spec.kind, event: String(event) },
          'persona failed on input',
        );
        session.reject('internal error in the persona');
        return true;
      }
    }) as typeof socket.emit;
    try {
      spec.handler.handle(socket, session);
    } catch (err) {
      // A persona bug must cost one connection, never the sensor.
      this.log.error({ err: (err as Error).message, persona: spec.kind }, 'persona failed on a connection');
      session.reject('internal error in the persona');
    }
  }

  /** Notes a touch of `port` by `srcIp`; calls `onScan` once per window when enough distinct ports were touched. */
  #touch(srcIp: string, port: number, onScan: (ports: number[]) => void): void {
    const now = Date.now();
    const windowMs = this.#limits.scanWindowSeconds * 1000;
    let ports = this.#touches.get(srcIp);
    if (!ports) {
      ports = new Map();
      this.#touches.set(srcIp, ports);
    }
    ports.set(port, now);
    for (const [p, t] of ports) if (now - t > windowMs) ports.delete(p);
    if (ports.size < this.#limits.scanPorts) return;
    const last = this.#scanReported.get(srcIp) ?? 0;
    if (now - last < windowMs) return;
    this.#scanReported.set(srcIp, now);
    onScan([...ports.keys()].sort((a, b) => a - b));
  }

  #forget(): void {
    const now = Date.now();
    const windowMs = this.#limits.scanWindowSeconds * 1000;
    for (const [ip, ports] of this.#touches) {
      for (const [p, t] of ports) if (now - t > windowMs) ports.delete(p);
      if (!ports.size) this.#touches.delete(ip);
    }
    for (const [ip, t] of this.#scanReported) if (now - t > windowMs) this.#scanReported.delete(ip);
    for (const [ip, t] of this.#dropped) if (now - t > 60_000) this.#dropped.delete(ip);
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
