// The planner process or worker thread (see workerPlanner() in planner.ts): plans decoys with @mamori/decoys outside
// the agent's heap and sends the files back.
import { parentPort } from 'node:worker_threads';
import { newBeaconToken } from '@mamori/contracts';
import { loadDecoysPackage } from './decoys-package.ts';
import type { WorkerPlanOptions } from './planner.ts';

type Request = { id: number; opts: WorkerPlanOptions };

/** Where requests come from: the IPC channel of a child process, or the parent port of a worker thread. */
const port: {
  on(ev: 'message', fn: (m: Request) => void): void;
  postMessage(m: unknown, t?: ArrayBuffer[]): void;
} | null = process.send
  ? {
      on: (_ev, fn) => process.on('message', (m) => fn(m as Request)),
      postMessage: (m) => process.send!(m),
    }
  : parentPort
    ? {
        on: (_ev, fn) => parentPort!.on('message', (m: Request) => fn(m)),
        postMessage: (m, t) => parentPort!.postMessage(m, t),
      }
    : null;
if (process.send) process.on('disconnect', () => process.exit(0));
if (port) {
  const loaded = loadDecoysPackage();
  loaded.catch(() => {});
  port.on('message', async ({ id, opts }: Request) => {
    try {
      const { planDecoys } = await loaded;
      const { beacon, ...rest } = opts;
      const files = await planDecoys({
        ...rest,
        // Beacon tokens are lowercase hex: they are DNS labels too.
        ...(beacon ? { beacon: { ...beacon, newToken: newBeaconToken } } : {}),
      });
      // Own copies (planned bytes may be views into Node's shared buffer pool), handed over without copying again.
      const out = files.map((f) => ({ ...f, data: new Uint8Array(f.data), mtime: f.mtime.getTime() }));
      port.postMessage(
        { id, files: out },
        out.map((f) => f.data.buffer),
      );
    } catch (err) {
      port.postMessage({ id, error: (err as Error).message ?? String(err) });
    }
  });
}
