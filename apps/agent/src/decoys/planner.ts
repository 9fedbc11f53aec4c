// The decoy planner lives in @mamori/decoys; these types mirror its API so the runtime can take a stand-in in tests.
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { DecoyKind } from '@mamori/contracts';

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

/** Shannon entropy in bits per byte (the same computation as @mamori/decoys' shannonEntropy). */
export const shannonEntropy: EntropyFn = (data) => {
  if (data.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const p = c / data.length;
    h -= p * Math.log2(p);
  }
  return h;
};

// Set by the bundle build (scripts/build.ts): planner-worker.ts bundled as a CommonJS script, gzip + base64.
declare const __MAMORI_PLANNER_WORKER_GZ__: string;

/** Plan options as they cross to the worker (no functions: the worker makes beacon tokens itself). */
export type WorkerPlanOptions = Omit<PlanOptions, 'beacon'> & {
  beacon?: { baseUrl: string | null; dnsZone: string | null };
};

/**
 * A planner that runs @mamori/decoys in a worker thread, started on first use and ended by `close()`: the package
 * (XLSX, PDF and DICOM writers) and the garbage of planning stay out of the agent's heap, and the worker's memory
 * is handed back when it ends. In the bundle the worker is embedded as a string; from the sources it is
 * planner-worker.ts.
 */
export function workerPlanner(): { planDecoys: Planner; close: () => Promise<void> } {
  let worker: Worker | undefined;
  let next = 0;
  const calls = new Map<number, { resolve: (f: PlannedFile[]) => void; reject: (e: Error) => void }>();
  const start = (): Worker => {
    const w =
      typeof __MAMORI_PLANNER_WORKER_GZ__ === 'string'
        ? new Worker(gunzipSync(Buffer.from(__MAMORI_PLANNER_WORKER_GZ__, 'base64')).toString('utf8'), { eval: true })
        : new Worker(new URL('./planner-worker.ts', import.meta.url));
    w.on('message', (m: { id: number; files?: PlannedFile[]; error?: string }) => {
      const c = calls.get(m.id);
      calls.delete(m.id);
      if (m.error !== undefined) c?.reject(new Error(m.error));
      else c?.resolve((m.files ?? []).map((f) => ({ ...f, mtime: new Date(f.mtime) })));
    });
    const failAll = (err: Error) => {
      for (const c of calls.values()) c.reject(err);
      calls.clear();
      worker = undefined;
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`the planner worker ended (exit ${code})`)));
    return w;
  };
  return {
    planDecoys: (opts) => {
      worker ??= start();
      const id = ++next;
      const { beacon, ...rest } = opts;
      const msg: WorkerPlanOptions = {
        ...rest,
        ...(beacon ? { beacon: { baseUrl: beacon.baseUrl, dnsZone: beacon.dnsZone } } : {}),
      };
      const w = worker;
      return new Promise<PlannedFile[]>((resolve, reject) => {
        calls.set(id, { resolve, reject });
        w.postMessage({ id, opts: msg });
      });
    },
    close: async () => {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
