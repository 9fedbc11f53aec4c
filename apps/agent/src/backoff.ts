import { setTimeout as sleep } from 'node:timers/promises';

/** Tuning of retry delays; tests pass short ones. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  random?: () => number;
}

/** Exponential backoff with jitter: attempt n waits a random time in [d/2, d] where d = min(max, initial·2ⁿ). */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.#random = opts.random ?? Math.random;
  }

  /** The delay before the next retry; each call doubles the ceiling up to `maxMs`. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  /** Starts again from `initialMs` (after a success). */
  reset(): void {
    this.#attempt = 0;
  }
}

/** Waits `ms`, returning early (without throwing) when `signal` aborts. */
export async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
}
