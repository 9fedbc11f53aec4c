import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, lastServerActivity, markBackgroundRefresh } from './client.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

test("automatic refreshes do not count as the user's activity for the idle sign-out; the user's own reads do", async () => {
  globalThis.fetch = (async () => new Response('{"items":[]}', { status: 200 })) as typeof fetch;
  await tick();
  await api('GET', '/api/notification-deliveries');
  const afterUserRead = lastServerActivity();
  await tick();
  await api('GET', '/api/notification-deliveries', { background: true });
  assert.equal(lastServerActivity(), afterUserRead, 'a background read leaves the activity time alone');
  markBackgroundRefresh(60_000);
  await api('GET', '/api/alerts');
  assert.equal(lastServerActivity(), afterUserRead, 'reads the live stream asked for are background too');
  await api('GET', '/api/users');
  assert.ok(lastServerActivity() > afterUserRead, 'other reads in that window are the user’s');
  const afterUsers = lastServerActivity();
  await tick();
  await api('POST', '/api/notification-deliveries/x/retry', { background: true });
  assert.ok(lastServerActivity() > afterUsers, 'a change is always the user’s doing');
});
