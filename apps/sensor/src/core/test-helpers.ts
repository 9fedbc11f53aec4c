// Test helpers (not part of the sensor): run one persona on 127.0.0.1 and collect what it records.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type PersonaKind, type SensorLimits, SensorLimitsSchema } from '@mamori/contracts';
import { pino } from 'pino';
import { createIdentity, type SensorIdentity } from './identity.ts';
import { type Interaction, SensorListeners } from './listeners.ts';
import type { PersonaFactory } from './persona.ts';

export interface RunningPersona {
  port: number;
  identity: SensorIdentity;
  listeners: SensorListeners;
  /** Everything recorded so far, in order. */
  interactions: Interaction[];
  /** Resolves with the first interaction matching `pred` (waits up to `ms`, then rejects naming what was seen). */
  waitFor(pred: (i: Interaction) => boolean, ms?: number): Promise<Interaction>;
  close(): Promise<void>;
}

/** Starts `factory` as persona `kind` on a free loopback port with a throwaway state directory. */
export async function startPersona(
  kind: PersonaKind,
  factory: PersonaFactory,
  opts: {
    seed?: string;
    limits?: Partial<SensorLimits>;
    accepts?: (u: string, p: string) => boolean;
    stateDir?: string;
  } = {},
): Promise<RunningPersona> {
  const stateDir = opts.stateDir ?? realpathSync(mkdtempSync(path.join(os.tmpdir(), 'mamori-sensor-test-')));
  const seed = opts.seed ?? '0123456789abcdef0123456789abcdef';
  const identity = createIdentity(seed, stateDir);
  const limits = SensorLimitsSchema.parse(opts.limits ?? {});
  const log = pino({ level: process.env.MAMORI_TEST_LOG ?? 'silent' });
  const interactions: Interaction[] = [];
  const waiters = new Set<() => void>();
  const listeners = new SensorListeners(
    '127.0.0.1',
    limits,
    (i) => {
      interactions.push(i);
      for (const w of waiters) w();
    },
    log,
  );
  const handler = await factory({
    kind,
    port: 0,
    identity,
    limits,
    accepts: opts.accepts ?? ((u, p) => u === 'admin' && p === 'admin'),
    rng: identity.rng(`persona:${kind}`),
    log,
  });
  const port = await listeners.add({ kind, port: 0, handler });
  return {
    port,
    identity,
    listeners,
    interactions,
    waitFor: (pred, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = interactions.find(pred);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching interaction within ${ms} ms; seen: ${JSON.stringify(interactions.map((i) => [i.kind, i.summary ?? i.username ?? i.command ?? '']))}`,
            ),
          );
        }, ms);
        if (!check()) waiters.add(check);
      }),
    close: async () => {
      await listeners.close();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
