import type { NewEvent } from '@mamori/agent';
import { type PersonaKind, type SensorEventDetails, STAGE_SEVERITY } from '@mamori/contracts';
import type { Logger } from 'pino';
import type { Interaction } from './listeners.ts';

/** Japanese names of the personas, as alert titles show them. */
export const PERSONA_LABEL: Record<PersonaKind, string> = {
  sslvpn_forti: 'SSL-VPN ポータル (FortiGate 型)',
  sslvpn: 'SSL-VPN ポータル',
  emr_web: '電子カルテ Web ログイン',
  ssh: 'SSH',
  telnet: 'Telnet',
  rdp: 'リモートデスクトップ (RDP)',
  smb: 'ファイル共有 (SMB)',
  dicom: 'DICOM (画像サーバ)',
  hl7: 'HL7 (MLLP)',
  ftp: 'FTP',
  mysql: 'MySQL',
  mssql: 'SQL Server',
  vnc: 'VNC',
  tcp: 'TCP ポート',
};

/** A one-line Japanese title for an interaction (alert titles are read by clinic staff). */
export function interactionTitle(i: Interaction): string {
  const who = `${i.srcIp} から`;
  const where = `${PERSONA_LABEL[i.persona]} (ポート ${i.dstPort})`;
  switch (i.kind) {
    case 'connect':
      return `おとりサーバの ${where} に ${who}接続がありました`;
    case 'scan':
      return `${who}おとりサーバのポートスキャン (${i.ports?.length ?? 0} ポート)`;
    case 'login':
      return i.success
        ? `${who}おとりサーバの ${where} にログインされました (ユーザー ${i.username ?? '?'})`
        : `${who}おとりサーバの ${where} へのログイン試行 (ユーザー ${i.username ?? '?'})`;
    case 'exploit':
      return `${who}おとりサーバの ${where} に攻撃コードらしき要求: ${i.summary ?? i.url ?? ''}`.trim();
    case 'command':
      return `${who}おとりサーバの ${where} でコマンド実行: ${i.command ?? ''}`.slice(0, 300);
    case 'download':
      return `${who}おとりサーバ上でファイル取得の試み: ${i.url ?? ''}`.slice(0, 300);
    case 'malformed':
      return `${who}おとりサーバの ${where} に不正な通信: ${i.summary ?? ''}`.slice(0, 300);
    case 'disconnect':
      return `${who}のおとりサーバ ${where} への接続が終わりました`;
    default:
      return `${who}おとりサーバの ${where} への要求: ${i.summary ?? ''}`.slice(0, 300);
  }
}

/**
 * Turns interactions into agent events: source `sensor`, kind `sensor.<interaction>`, severity by
 * the session's stage (scan < login attempt < successful fake login < command), one alert per
 * attacker source and sensor (`dedupKey`), so a brute-force run is one alert with a counter.
 */
export function toEvent(i: Interaction, agentId: string): NewEvent {
  const details: SensorEventDetails = {
    sessionId: i.sessionId,
    persona: i.persona,
    srcIp: i.srcIp,
    srcPort: i.srcPort,
    dstPort: i.dstPort,
    interaction: i.kind,
    stage: i.stage,
    ...(i.username !== undefined && { username: i.username }),
    ...(i.password !== undefined && { password: i.password }),
    ...(i.success !== undefined && { success: i.success }),
    ...(i.command !== undefined && { command: i.command }),
    ...(i.url !== undefined && { url: i.url }),
    ...(i.summary !== undefined && { summary: i.summary }),
    ...(i.info !== undefined && { info: i.info }),
    ...(i.bytesIn !== undefined && { bytesIn: i.bytesIn }),
    ...(i.bytesOut !== undefined && { bytesOut: i.bytesOut }),
    ...(i.ports !== undefined && { ports: i.ports }),
  };
  // Connection bookkeeping is evidence, not news: it never raises the alert above what the session did.
  const bookkeeping = i.kind === 'connect' || i.kind === 'disconnect';
  return {
    source: 'sensor',
    kind: `sensor.${i.kind}`,
    severity: bookkeeping ? 'info' : STAGE_SEVERITY[i.stage],
    title: interactionTitle(i),
    occurredAt: i.at.toISOString(),
    details,
    dedupKey: `sensor:${agentId}:${i.srcIp}`,
  };
}

/**
 * Buffers interactions and hands them to the outbox in batches (every `flushMs` or `maxBatch`
 * interactions), so a brute-force run of thousands of attempts per second costs a few disk
 * writes per flush rather than one per attempt. Nothing is dropped: when the outbox is slow the
 * buffer grows up to `maxBuffered`, beyond which the oldest bookkeeping (connect/disconnect)
 * events are shed first and the loss is counted and logged.
 */
export class Recorder {
  #buffer: Interaction[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #shed = 0;
  readonly #write: (events: NewEvent[]) => Promise<void>;
  readonly #agentId: string;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #maxBuffered: number;

  constructor(opts: {
    agentId: string;
    write: (events: NewEvent[]) => Promise<void>;
    log: Logger;
    flushMs?: number;
    maxBuffered?: number;
  }) {
    this.#agentId = opts.agentId;
    this.#write = opts.write;
    this.#log = opts.log;
    this.#flushMs = opts.flushMs ?? 200;
    this.#maxBuffered = opts.maxBuffered ?? 200_000;
  }

  /** Interactions shed because the buffer was full (only connect/disconnect ones). */
  get shed(): number {
    return this.#shed;
  }

  record = (i: Interaction): void => {
    if (this.#buffer.length >= this.#maxBuffered) {
      const k = this.#buffer.findIndex((b) => b.kind === 'connect' || b.kind === 'disconnect');
      if (k >= 0 && (i.kind === 'connect' || i.kind === 'disconnect')) {
        this.#shed += 1;
        if (this.#shed % 1000 === 1) this.#log.warn({ shed: this.#shed }, 'sensor buffer full: connection events shed');
        return;
      }
      if (k >= 0) {
        this.#buffer.splice(k, 1);
        this.#shed += 1;
      }
    }
    this.#buffer.push(i);
    this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  };

  /** Writes everything buffered now; resolves when it is durable. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(async () => {
      while (this.#buffer.length) {
        const batch = this.#buffer.splice(0, 500);
        try {
          await this.#write(batch.map((i) => toEvent(i, this.#agentId)));
        } catch (err) {
          // The disk refused (full?): keep the events and try again later rather than lose them.
          this.#buffer.unshift(...batch);
          this.#log.error({ err: (err as Error).message, buffered: this.#buffer.length }, 'could not queue events');
          this.#timer ??= setTimeout(() => void this.flush(), 5000);
          return;
        }
      }
    });
    return this.#flushing;
  }
}
