import { MAX_EVENT_BATCH } from '@mamori/contracts';
import { Backoff, type BackoffOptions, delay } from './backoff.ts';
import type { ServerClient } from './client.ts';
import type { Logger } from './log.ts';
import type { Outbox } from './outbox.ts';
import { HttpError } from './transport.ts';

/** The server refused this agent's identity (HTTP 401/403): it was revoked or its certificate is no longer valid. */
export class RevokedError extends Error {
  readonly status: number;
  constructor(cause: HttpError) {
    super(
      `the server refused this agent (${cause.message}): it was revoked or its certificate is no longer valid; ` +
        'stopping. Re-enrol with `mamori-agent enroll --force` if the facility still needs this agent.',
      { cause },
    );
    this.name = 'RevokedError';
    this.status = cause.status;
  }
}

/** Maps a 401/403 to `RevokedError` and rethrows it; returns any other error for the caller to handle. */
export function raiseIfRevoked(err: unknown): unknown {
  if (err instanceof HttpError && (err.status === 401 || err.status === 403)) throw new RevokedError(err);
  return err;
}

/** True for responses that say the batch itself is unacceptable, so resending it unchanged cannot help. */
function isBatchRejected(err: unknown): boolean {
  return err instanceof HttpError && (err.status === 400 || err.status === 413 || err.status === 422);
}

/** What `drainOutbox` needs. */
export interface DrainOptions {
  outbox: Outbox;
  client: ServerClient;
  logger: Logger;
  /** Current largest batch the server accepts (from the heartbeat policy). */
  maxBatch: () => number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Called before each wait for a retry (tests observe the delays). */
  onRetry?: (delayMs: number, err: unknown) => void;
}

/**
 * Sends queued events oldest first in batches of at most `maxBatch()` until the outbox is empty (or `signal` aborts),
 * deleting only the ids the server acknowledged; retries outages with backoff and throws `RevokedError` on 401/403.
 * A batch the server rejects as invalid is halved until the offending event is alone, which is then quarantined.
 */
export async function drainOutbox(opts: DrainOptions): Promise<{ sent: number }> {
  const { outbox, client, logger, signal } = opts;
  const backoff = new Backoff(opts.backoff);
  const policyLimit = () => Math.max(1, Math.min(MAX_EVENT_BATCH, opts.maxBatch()));
  let limit = policyLimit();
  let sent = 0;
  while (!signal?.aborted) {
    const batch = await outbox.peek(Math.min(limit, policyLimit()));
    if (batch.length === 0) break;
    try {
      const ack = await client.sendEvents(batch, signal);
      const sentIds = new Set(batch.map((e) => e.id));
      const acked = [...ack.accepted, ...ack.duplicates].filter((id) => sentIds.has(id));
      await outbox.ack(acked);
      sent += acked.length;
      backoff.reset();
      limit = Math.min(policyLimit(), limit * 2);
      logger.info(
        { batch: batch.length, accepted: ack.accepted.length, duplicates: ack.duplicates.length },
        'delivered events',
      );
      if (acked.length === 0) {
        // The server took none of them without saying why: do not spin on the same batch.
        const wait = backoff.next();
        logger.warn({ batch: batch.length, retryInMs: wait }, 'the server acknowledged none of the events sent');
        opts.onRetry?.(wait, undefined);
        await delay(wait, signal);
      }
    } catch (err) {
      if (signal?.aborted) break;
      raiseIfRevoked(err);
      if (isBatchRejected(err)) {
        if (batch.length === 1)
          await outbox.quarantine(batch[0]!.id, `rejected by the server: ${(err as Error).message}`);
        else limit = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      const wait = backoff.next();
      logger.warn({ err: (err as Error).message, retryInMs: wait }, 'cannot deliver events; will retry');
      opts.onRetry?.(wait, err);
      await delay(wait, signal);
    }
  }
  return { sent };
}
