import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** A pino logger writing JSON lines (ISO timestamps) to `destination` (a stream or a file descriptor; default stdout); secrets are redacted defensively. */
export function createLogger(opts: { level?: string; destination?: DestinationStream | number } = {}): Logger {
  const destination = opts.destination ?? 1;
  return pino(
    {
      name: 'mamori-agent',
      level: opts.level ?? process.env.MAMORI_AGENT_LOG_LEVEL ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
      redact: { paths: ['key', 'keyPem', 'token', '*.key', '*.keyPem', '*.token'], censor: '[redacted]' },
    },
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination,
  );
}
