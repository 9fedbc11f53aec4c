// The decoy planner lives in @mamori/decoys; these types mirror its API so the runtime can take a stand-in in tests.
import { type Serializable, spawn } from 'node:child_process';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { shannonEntropy as contractsEntropy, type DecoyKind } from '@mamori/contracts';

/** An entry already in a directory (the planner imitates names, sizes and dates). */
export interface ExistingEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/** How the planner embeds beacons. */
export interface BeaconOptions {
  baseUrl: string | null;
  dnsZone: string | null;
  newToken: () => string;
}

/** What to plan for one directory. */
export interface PlanOptions {
  seed: string;
  directory: string;
  count: number;
  kinds: readonly DecoyKind[];
  existing: readonly ExistingEntry[];
  beacon?: BeaconOptions;
  now?: Date;
}

/** One decoy file to write. */
export interface PlannedFile {
  relativePath: string;
  kind: DecoyKind;
  data: Uint8Array;
  mtime: Date;
  beaconToken: string | null;
  role: 'first' | 'last' | 'largest' | 'smallest' | 'newest' | 'oldest' | 'spread';
}

export type Planner = (opts: PlanOptions) => Promise<PlannedFile[]>;

/** Shannon entropy in bits per byte (0 to 8); encrypted or compressed data is close to 8. */
export type EntropyFn = (data: Uint8Array) => number;

/** Shannon entropy in bits per byte (the one of @mamori/contracts, also @mamori/decoys' shannonEntropy). */
export const shannonEntropy: EntropyFn = contractsEntropy;

// Declared at the top of the bundle (scripts/build.ts); absent when running from the sources.
declare const __MAMORI_EMBEDDED__: { plannerGz?: string; fanotifyGz?: string; fanotifySha256?: string } | undefined;
/** planner-worker.ts bundled as a CommonJS script, when embedded in the bundle. */
const embeddedPlanner = (): string | undefined => {
  const gz = typeof __MAMORI_EMBEDDED__ === 'object' ? __MAMORI_EMBEDDED__?.plannerGz : undefined;
  return gz ? gunzipSync(Buffer.from(gz, 'base64')).toString('utf8') : undefined;
};

/** Plan options as they cross to the worker (no functions: the worker makes beacon tokens itself). */
export type WorkerPlanOptions = Omit<PlanOptions, 'beacon'> & {
  beacon?: { baseUrl: string | null; dnsZone: string | null };
};

interface PlannerChannel {
  send(m: unknown): void;
  onMessage(fn: (m: { id: number; files?: PlannedFile[]; error?: string }) => void): void;
  onEnd(fn: (err: Error) => void): void;
  end(): Promise<void>;
}

/** A child `node` process running the planner (its memory goes back to the system entirely when it exits). */
function plannerChild(): PlannerChannel {
  const embedded = embeddedPlanner();
  const args = embedded ? ['-'] : [fileURLToPath(new URL('./planner-worker.ts', import.meta.url))];
  const child = spawn(process.execPath, ['--max-semi-space-size=4', ...args], {
    stdio: ['pipe', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  if (embedded) child.stdin!.end(embedded);
  else child.stdin!.end();
  return {
    send: (m) => child.send(m as Serializable),
    onMessage: (fn) => child.on('message', fn as (m: Serializable) => void),
    onEnd: (fn) => {
      child.on('error', fn);
      child.on('exit', (code, sig) => fn(new Error(`the planner process ended (${sig ?? `exit ${code}`})`)));
    },
    end: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.disconnect();
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** A worker thread running the planner (for the single executable, which cannot start a plain `node`). */
function plannerThread(): PlannerChannel {
  const code = embeddedPlanner();
  const w = code ? new Worker(code, { eval: true }) : new Worker(new URL('./planner-worker.ts', import.meta.url));
  return {
    send: (m) => w.postMessage(m),
    onMessage: (fn) => w.on('message', fn),
    onEnd: (fn) => {
      w.on('error', fn);
      w.on('exit', (code) => fn(new Error(`the planner worker ended (exit ${code})`)));
    },
    end: async () => {
      await w.terminate();
    },
  };
}

/**
 * A planner that runs @mamori/decoys outside the agent, started on first use and ended by `close()`: a short-lived
 * child `node` process (a worker thread in the single executable). The package (XLSX, PDF and DICOM writers) and
 * the garbage of planning never enter the agent's heap, and a child's memory is returned to the system when it
 * exits (a worker thread's is not entirely: the C library keeps its arenas). In the bundle the planner is embedded
 * as a string (fed to the child on stdin); from the sources it is planner-worker.ts.
 */
export function workerPlanner(opts: { thread?: boolean } = {}): { planDecoys: Planner; close: () => Promise<void> } {
  let channel: PlannerChannel | undefined;
  let next = 0;
  const calls = new Map<number, { resolve: (f: PlannedFile[]) => void; reject: (e: Error) => void }>();
  const start = (): PlannerChannel => {
    const c = (opts.thread ?? isSea()) ? plannerThread() : plannerChild();
    c.onMessage((m) => {
      const call = calls.get(m.id);
      calls.delete(m.id);
      if (m.error !== undefined) call?.reject(new Error(m.error));
      else
        call?.resolve((m.files ?? []).map((f) => ({ ...f, data: new Uint8Array(f.data), mtime: new Date(f.mtime) })));
    });
    c.onEnd((err) => {
      for (const call of calls.values()) call.reject(err);
      calls.clear();
      if (channel === c) channel = undefined;
    });
    return c;
  };
  return {
    planDecoys: (o) => {
      channel ??= start();
      const id = ++next;
      const { beacon, ...rest } = o;
      const msg: WorkerPlanOptions = {
        ...rest,
        ...(beacon ? { beacon: { baseUrl: beacon.baseUrl, dnsZone: beacon.dnsZone } } : {}),
      };
      const c = channel;
      return new Promise<PlannedFile[]>((resolve, reject) => {
        calls.set(id, { resolve, reject });
        c.send({ id, opts: msg });
      });
    },
    close: async () => {
      const c = channel;
      channel = undefined;
      if (c) await c.end();
    },
  };
}
