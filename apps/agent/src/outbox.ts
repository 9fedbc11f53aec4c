import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type AgentEvent, AgentEventSchema, type Severity } from '@mamori/contracts';
import { newEventId } from './ids.ts';
import type { Logger } from './log.ts';
import { syncDir, writeFileAtomic } from './state.ts';

const EVENT_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;
const TEMP_FILE = /\.tmp$/;

/** An event to enqueue: the outbox assigns `id` (time-ordered UUIDv7) and, unless given, `occurredAt`. */
export type NewEvent = Omit<AgentEvent, 'id' | 'occurredAt' | 'details'> & {
  occurredAt?: string;
  details?: Record<string, unknown>;
};

/** Limits and collaborators of an outbox. */
export interface OutboxOptions {
  logger: Logger;
  /** Most event files kept (default 100,000). */
  maxFiles?: number;
  /** Most bytes of event files kept (default 500 MB). */
  maxBytes?: number;
  /** Leftover temp files older than this are deleted on first scan (default 1 hour). */
  staleTempMs?: number;
}

interface Entry {
  size: number;
  severity?: Severity;
}

/**
 * The on-disk queue of events not yet acknowledged by the server: one file `<id>.json` per event,
 * written atomically, read oldest first; shared safely by several processes (e.g. `emit` and `run`).
 */
export class Outbox {
  readonly dir: string;
  readonly badDir: string;
  readonly maxFiles: number;
  readonly maxBytes: number;
  #log: Logger;
  #staleTempMs: number;
  #index: Map<string, Entry> | undefined;
  #waiters = new Set<() => void>();

  constructor(dir: string, opts: OutboxOptions) {
    this.dir = dir;
    this.badDir = path.join(path.dirname(dir), `${path.basename(dir)}-bad`);
    this.maxFiles = opts.maxFiles ?? 100_000;
    this.maxBytes = opts.maxBytes ?? 500 * 1024 * 1024;
    this.#log = opts.logger;
    this.#staleTempMs = opts.staleTempMs ?? 3_600_000;
  }

  /** Validates and durably stores an event (temp file, fsync, rename), then enforces the size bound. */
  async enqueue(input: NewEvent): Promise<AgentEvent> {
    const event = AgentEventSchema.parse({
      ...input,
      id: newEventId(),
      occurredAt: input.occurredAt ?? new Date().toISOString(),
    });
    const data = `${JSON.stringify(event)}\n`;
    const index = this.#index ?? (await this.#scan()); // later scans (peek, stats) pick up other processes' files
    await writeFileAtomic(path.join(this.dir, `${event.id}.json`), data, 0o600);
    index.set(event.id, { size: Buffer.byteLength(data), severity: event.severity });
    if (index.size > this.maxFiles || this.#bytes() > this.maxBytes) await this.#shrink();
    for (const wake of this.#waiters) wake();
    return event;
  }

  /**
   * Stores several events at once: each in its own file as `enqueue` does, written concurrently,
   * with one directory sync for the batch. For producers of many events per second (the sensor).
   */
  async enqueueMany(inputs: readonly NewEvent[]): Promise<AgentEvent[]> {
    const now = new Date().toISOString();
    const events = inputs.map((input) =>
      AgentEventSchema.parse({ ...input, id: newEventId(), occurredAt: input.occurredAt ?? now }),
    );
    const index = this.#index ?? (await this.#scan());
    for (let k = 0; k < events.length; k += 64) {
      await Promise.all(
        events.slice(k, k + 64).map(async (event) => {
          const data = `${JSON.stringify(event)}\n`;
          await writeFileAtomic(path.join(this.dir, `${event.id}.json`), data, 0o600, { syncDir: false });
          index.set(event.id, { size: Buffer.byteLength(data), severity: event.severity });
        }),
      );
    }
    if (events.length) await syncDir(this.dir);
    if (index.size > this.maxFiles || this.#bytes() > this.maxBytes) await this.#shrink();
    for (const wake of this.#waiters) wake();
    return events;
  }

  /** The oldest `max` valid events, oldest first; corrupt files met on the way are quarantined. */
  async peek(max: number): Promise<AgentEvent[]> {
    const out: AgentEvent[] = [];
    for (const id of await this.#sortedIds()) {
      if (out.length >= max) break;
      const event = await this.#read(id);
      if (event) out.push(event);
    }
    return out;
  }

  /** Deletes the files of the given (acknowledged) ids; returns how many were deleted. Unknown ids are ignored. */
  async ack(ids: Iterable<string>): Promise<number> {
    let deleted = 0;
    for (const id of ids) {
      if (!EVENT_FILE.test(`${id}.json`)) continue; // never let a server-sent id name another path
      try {
        await unlink(path.join(this.dir, `${id}.json`));
        deleted += 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.#index?.delete(id);
    }
    return deleted;
  }

  /** Moves an event's file to the quarantine folder (`outbox-bad/`) with a log line, so it no longer blocks the queue. */
  async quarantine(id: string, reason: string): Promise<void> {
    const file = `${id}.json`;
    await mkdir(this.badDir, { recursive: true, mode: 0o700 });
    try {
      await rename(path.join(this.dir, file), path.join(this.badDir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#index?.delete(id);
    this.#log.warn({ file, badDir: this.badDir, reason }, 'moved an outbox event to quarantine');
  }

  /** Number and total size of queued event files (rescanning the folder). */
  async stats(): Promise<{ count: number; bytes: number }> {
    const index = await this.#scan();
    return { count: index.size, bytes: this.#bytes() };
  }

  /** Resolves when this process enqueues an event, after `ms`, or when `signal` aborts, whichever comes first. */
  waitForEvents(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #bytes(): number {
    let sum = 0;
    for (const e of this.#index?.values() ?? []) sum += e.size;
    return sum;
  }

  async #sortedIds(): Promise<string[]> {
    // UUIDv7 ids start with the timestamp, so name order is creation order.
    return [...(await this.#scan()).keys()].sort();
  }

  /** Brings the in-memory index in line with the folder (other processes add and remove files too). */
  async #scan(): Promise<Map<string, Entry>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const firstScan = this.#index === undefined;
    const index = this.#index ?? new Map<string, Entry>();
    this.#index = index;
    const present = new Set<string>();
    for (const name of await readdir(this.dir)) {
      const m = EVENT_FILE.exec(name);
      if (m) present.add(m[1]!);
      else if (firstScan && TEMP_FILE.test(name)) await this.#removeStaleTemp(name);
    }
    for (const id of index.keys()) if (!present.has(id)) index.delete(id);
    for (const id of present) {
      if (index.has(id)) continue;
      try {
        index.set(id, { size: (await stat(path.join(this.dir, `${id}.json`))).size });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return index;
  }

  async #removeStaleTemp(name: string): Promise<void> {
    const file = path.join(this.dir, name);
    try {
      if (Date.now() - (await stat(file)).mtimeMs > this.#staleTempMs) await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Reads one event; quarantines the file if it is not a valid event named by its own id. */
  async #read(id: string): Promise<AgentEvent | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.dir, `${id}.json`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.#index?.delete(id); // acknowledged meanwhile (e.g. by another process)
      return undefined;
    }
    let reason: string;
    try {
      const parsed = AgentEventSchema.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.id === id) {
        const entry = this.#index?.get(id);
        if (entry) entry.severity = parsed.data.severity;
        return parsed.data;
      }
      reason = parsed.success ? 'id does not match the file name' : 'not a valid event';
    } catch {
      reason = 'not valid JSON';
    }
    await this.quarantine(id, reason);
    return undefined;
  }

  /** Drops events until the outbox is at 90% of its bounds: the oldest `info` events first, then the oldest of any kind. */
  async #shrink(): Promise<void> {
    const index = this.#index!;
    const targetFiles = Math.floor(this.maxFiles * 0.9);
    const targetBytes = Math.floor(this.maxBytes * 0.9);
    let bytes = this.#bytes();
    const over = () => index.size > targetFiles || bytes > targetBytes;
    const dropped: Record<string, number> = {};
    const drop = async (id: string, severity: string) => {
      bytes -= index.get(id)?.size ?? 0;
      await this.ack([id]);
      dropped[severity] = (dropped[severity] ?? 0) + 1;
    };
    const ids = [...index.keys()].sort();
    for (const id of ids) {
      if (!over()) break;
      if (!index.has(id)) continue;
      const severity = index.get(id)?.severity ?? (await this.#read(id))?.severity;
      if (severity === undefined)
        bytes = this.#bytes(); // quarantined or gone
      else if (severity === 'info') await drop(id, severity);
    }
    for (const id of ids) {
      if (!over()) break;
      if (index.has(id)) await drop(id, index.get(id)?.severity ?? 'unknown');
    }
    this.#log.warn(
      { dropped, remaining: index.size, maxFiles: this.maxFiles, maxBytes: this.maxBytes },
      'outbox full: dropped the oldest events (info first) so the disk does not fill up',
    );
  }
}
