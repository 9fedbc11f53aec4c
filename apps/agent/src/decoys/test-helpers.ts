// Test helpers for the decoy runtime (not part of the agent): a stand-in planner, a policy factory, an event sink.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AgentDecoyPolicy, type DecoyInventoryReport, shannonEntropy } from '@mamori/contracts';
import { buildFanotifyHelper } from '../../scripts/build-native.ts';
import type { NewEvent } from '../outbox.ts';
import { captureLogger } from '../test-helpers.ts';
import type { EntropyFn, PlannedFile, Planner } from './planner.ts';
import { DecoyRuntime, type DecoyRuntimeOptions } from './runtime.ts';

/** The fanotify helper, compiled for the tests when gcc is there (null: not Linux or no gcc). */
export const fanotifyHelper = buildFanotifyHelper({ quiet: true });
/** Whether the runtime can use fanotify here (Linux, root, helper built). */
export const canFanotify = fanotifyHelper !== null && process.getuid?.() === 0;

/** Bits per byte of a buffer. */
export const entropy: EntropyFn = shannonEntropy;

const ROLES: PlannedFile['role'][] = ['first', 'last', 'largest', 'smallest', 'newest', 'oldest', 'spread'];

/** A deterministic stand-in planner: CSV decoys named to sort first and last, with sizes and dates around the others. */
export const fakePlanner: Planner = async (opts) => {
  const out: PlannedFile[] = [];
  for (let i = 0; i < opts.count; i++) {
    const role = ROLES[i % ROLES.length]!;
    const name =
      role === 'first'
        ? `0000_患者一覧_${i}.csv`
        : role === 'last'
          ? `ｚｚ_患者一覧_${i}.csv`
          : `decoy_${role}_${i}.csv`;
    const lines = role === 'largest' ? 4000 : role === 'smallest' ? 2 : 200;
    const seed = createHash('sha256').update(`${opts.seed}|${opts.directory}|${i}`).digest('hex');
    const body = Array.from({ length: lines }, (_, n) => `${n},${seed.slice(n % 50, (n % 50) + 12)},東京都,1970-01-01`);
    const mtime = new Date(Date.now() - (role === 'oldest' ? 400 : role === 'newest' ? 0 : 30) * 86_400_000);
    out.push({
      relativePath: name,
      kind: 'csv',
      data: new TextEncoder().encode(`id,name,address,birth\n${body.join('\n')}\n`),
      mtime,
      beaconToken: null,
      role,
    });
  }
  return out;
};

/** A policy for tests. */
export function makePolicy(directories: string[], over: Partial<AgentDecoyPolicy> = {}): AgentDecoyPolicy {
  return {
    id: randomUUID(),
    revision: '1',
    directories,
    perDirectory: 4,
    kinds: ['csv'],
    seed: 'test-seed',
    beaconBaseUrl: null,
    beaconDnsZone: null,
    response: { kill: false, isolate: false },
    ...over,
  };
}

/** A temporary directory (real path, so it matches what /proc and inotify report). */
export function tempTree(prefix = 'mamori-decoys-'): string {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** A runtime wired to in-memory sinks. */
export function makeRuntime(stateDir: string, allowedRoot: string, over: Partial<DecoyRuntimeOptions> = {}) {
  const events: (NewEvent & { at: number })[] = [];
  const reports: DecoyInventoryReport[] = [];
  const waiters: { pred: (e: NewEvent) => boolean; resolve: (e: NewEvent) => void }[] = [];
  const { logger, lines } = captureLogger();
  const runtime = new DecoyRuntime({
    stateDir,
    logger,
    allowedRoots: [allowedRoot],
    planner: { planDecoys: fakePlanner, shannonEntropy: entropy },
    emit: async (e) => {
      events.push({ ...e, at: performance.timeOrigin + performance.now() });
      for (const w of [...waiters])
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
    },
    report: async (r) => {
      reports.push(r);
    },
    ...over,
  });
  /** Resolves with the first event (already seen or future) matching `pred`; rejects after `ms`. */
  const waitFor = (pred: (e: NewEvent) => boolean, ms = 5000) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen as NewEvent);
    return new Promise<NewEvent>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching event within ${ms} ms; got ${events.map((e) => e.kind).join(', ')}`)),
        ms,
      );
      waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  };
  return { runtime, events, reports, lines, waitFor };
}
