// The planner worker (see workerPlanner() in planner.ts): plans decoys with @mamori/decoys off the agent's main
// thread and sends the files back (their bytes transferred, not copied).
import { randomBytes } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { loadDecoysPackage } from './decoys-package.ts';
import type { WorkerPlanOptions } from './planner.ts';

const port = parentPort;
if (port) {
  const loaded = loadDecoysPackage();
  loaded.catch(() => {});
  port.on('message', async ({ id, opts }: { id: number; opts: WorkerPlanOptions }) => {
    try {
      const { planDecoys } = await loaded;
      const { beacon, ...rest } = opts;
      const files = await planDecoys({
        ...rest,
        ...(beacon ? { beacon: { ...beacon, newToken: () => randomBytes(16).toString('hex') } } : {}),
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
