// End to end: the runtime (kill response) against the ransomware simulator as a separate process, in a temp tree.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runAttack } from '../../../../tools/ransim/harness.ts';
import { dayWorkload, makeTree, ORDERS } from '../../../../tools/ransim/ransim.ts';
import { makePolicy, makeRuntime } from './test-helpers.ts';
import { findInotifywait } from './watch.ts';

const base = mkdtempSync(path.join(os.tmpdir(), 'mamori-ransim-'));
after(() => rmSync(base, { recursive: true, force: true }));

async function armedTree(name: string) {
  const root = await makeTree(path.join(base, name), 200, name);
  const dirs = [
    root,
    path.join(root, '2023'),
    path.join(root, '2024'),
    path.join(root, '2024', '外来'),
    path.join(root, '共有'),
  ];
  const rt = makeRuntime(path.join(base, `${name}-state`), base);
  await rt.runtime.apply([makePolicy(dirs, { perDirectory: 6, response: { kill: true, isolate: false } })]);
  return { root, ...rt };
}

describe('runtime against the simulator', { skip: !findInotifywait() && 'inotifywait is not installed' }, () => {
  for (const order of ORDERS) {
    test(`kills a ${order} attack at 400 files/s after few files`, async () => {
      const { root, runtime, events } = await armedTree(order);
      try {
        const decoys = new Set(runtime.inventory().decoys.map((d) => d.path));
        const result = await runAttack({ root, order, log: path.join(base, `${order}.jsonl`), rate: 400, seed: order });
        await runtime.idle();
        assert.equal(result.signal, 'SIGKILL', 'the simulator was killed');
        const lost = result.done.filter((f) => !decoys.has(f.path)).length;
        assert.ok(lost < 50, `${lost} ordinary files encrypted before the kill`);
        const killed = events.find((e) => e.kind === 'containment.killed');
        assert.equal(killed?.details?.pid, result.pid);
        assert.ok(events.some((e) => e.kind.startsWith('decoy.') && e.severity === 'critical'));
      } finally {
        await runtime.stop();
      }
    });
  }

  test('an ordinary office day raises no decoy event', async () => {
    const { root, runtime, events } = await armedTree('day');
    try {
      const avoid = new Set(runtime.inventory().decoys.map((d) => d.path));
      const r = await dayWorkload({ root, durationMs: 4000, rate: 25, avoid });
      await new Promise((res) => setTimeout(res, 300));
      await runtime.idle();
      assert.ok(r.operations > 10, `${r.operations} operations`);
      assert.deepEqual(
        events.filter((e) => e.severity !== 'info').map((e) => e.kind),
        [],
      );
    } finally {
      await runtime.stop();
    }
  });
});
