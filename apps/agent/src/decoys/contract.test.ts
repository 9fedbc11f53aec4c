/** What the runtime reports and emits must pass the server's contracts, with the real decoy generator. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { AgentEventSchema, DecoyInventoryReportSchema } from '@mamori/contracts';
import { makePolicy, makeRuntime, tempTree } from './test-helpers.ts';

test('the inventory of real decoys with beacons is accepted by the server contract', async () => {
  const root = tempTree('mamori-contract-');
  after(() => rmSync(root, { recursive: true, force: true }));
  const share = path.join(root, 'share');
  const rt = makeRuntime(path.join(root, 'state'), root, { planner: undefined, watcher: 'fs.watch' });
  after(() => rt.runtime.stop());
  const { mkdir } = await import('node:fs/promises');
  await mkdir(share);
  await rt.runtime.apply([
    makePolicy([share], {
      perDirectory: 6,
      kinds: ['docx', 'xlsx', 'pdf', 'html', 'csv', 'dicom'],
      beaconBaseUrl: 'https://beacon.example.jp/b',
      beaconDnsZone: 'beacon.example.jp',
    }),
  ]);
  const report = rt.runtime.inventory();
  const parsed = DecoyInventoryReportSchema.safeParse(report);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.equal(report.decoys.length, 6);
  assert.ok(
    report.decoys.some((d) => d.beaconToken),
    'beacon kinds carry a token',
  );
  for (const e of rt.events)
    assert.ok(
      AgentEventSchema.safeParse({ ...e, id: crypto.randomUUID(), occurredAt: new Date().toISOString() }).success,
    );
});
