/** The live-alert listener gives its connection back exactly once, whatever order shutdown and errors come in. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Db } from '../../db/client.ts';
import { createAlertHub } from './alerts.live.ts';

/** A pooled client that throws, as pg-pool does, when it is released twice. */
function fakeClient() {
  const c = Object.assign(new EventEmitter(), {
    releases: 0,
    query: async () => ({ rows: [] }),
    release() {
      if (++c.releases > 1) throw new Error('Release called on client which has already been released to the pool.');
    },
  });
  return c;
}

test('a connection error arriving after close (the database stopping) does not release twice', async () => {
  const c = fakeClient();
  const db = { $client: { connect: async () => c } } as unknown as Db;
  const silent = { warn: () => {}, error: () => {} } as never;
  const hub = createAlertHub(db, silent);
  await hub.start();
  await hub.close();
  assert.equal(c.releases, 1);
  assert.doesNotThrow(() => c.emit('error', new Error('terminating connection due to administrator command')));
  assert.equal(c.releases, 1);
});
