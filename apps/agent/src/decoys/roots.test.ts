// Which folders decoys may go to: the shared check (contracts) with the agent's default roots, Windows cases included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BEACON_TOKEN_RE,
  DEFAULT_DECOY_ROOTS,
  decoyDirectoryProblem,
  newBeaconToken,
  normaliseDirectory,
} from '@mamori/contracts';
import { defaultDecoyRoots } from './roots.ts';

const WIN = defaultDecoyRoots('win32', {});

test('the agent’s default roots are the shared DEFAULT_DECOY_ROOTS of its platform; the environment overrides', () => {
  assert.deepEqual(WIN, [...DEFAULT_DECOY_ROOTS.windows]);
  assert.deepEqual(defaultDecoyRoots('linux', {}), [...DEFAULT_DECOY_ROOTS.posix]);
  assert.deepEqual(defaultDecoyRoots('win32', { MAMORI_AGENT_DECOY_ROOTS: 'D:\\共有; \\\\nas\\share' }), [
    'D:\\共有',
    '\\\\nas\\share',
  ]);
  assert.deepEqual(defaultDecoyRoots('linux', { MAMORI_AGENT_DECOY_ROOTS: '/srv/share::/data' }), [
    '/srv/share',
    '/data',
  ]);
});

test('Windows: UNC shares pass under the \\\\ root, drives and system folders as before', () => {
  assert.equal(normaliseDirectory('\\\\'), '\\\\');
  assert.equal(normaliseDirectory('\\\\NAS\\Share\\'), '\\\\nas\\share');
  assert.equal(decoyDirectoryProblem('\\\\nas\\share\\カルテ', WIN, 'win32'), null);
  assert.equal(decoyDirectoryProblem('\\\\nas\\share', WIN, 'win32'), null);
  assert.match(decoyDirectoryProblem('\\\\nas', WIN, 'win32')!, /must name a share/);
  assert.match(decoyDirectoryProblem('\\\\', WIN, 'win32')!, /must name a share/);
  assert.equal(decoyDirectoryProblem('D:\\共有\\受付', WIN, 'win32'), null);
  assert.equal(decoyDirectoryProblem('c:\\users\\clerk\\Documents', WIN, 'win32'), null);
  assert.match(decoyDirectoryProblem('C:\\Windows\\System32', WIN, 'win32')!, /system directory/);
  assert.match(decoyDirectoryProblem('C:\\Temp', WIN, 'win32')!, /outside the allowed roots/);
  assert.match(decoyDirectoryProblem('D:\\', WIN, 'win32')!, /root of a drive/);
  assert.match(decoyDirectoryProblem('\\\\nas\\share\\..\\x', WIN, 'win32')!, /\.\./);
  // Without the UNC root, shares are refused.
  assert.match(decoyDirectoryProblem('\\\\nas\\share', ['C:\\Users'], 'win32')!, /outside the allowed roots/);
});

test('the UNC root never lets a POSIX path through, and a Windows agent refuses POSIX paths', () => {
  assert.match(decoyDirectoryProblem('/etc/cron.d', ['\\\\'])!, /system directory/);
  assert.match(decoyDirectoryProblem('/tmp/x', ['\\\\', ''])!, /outside the allowed roots/);
  assert.match(decoyDirectoryProblem('/srv/share', WIN, 'win32')!, /must be a Windows path/);
  assert.match(decoyDirectoryProblem('C:\\Users\\x', ['C:\\Users', '/srv'], 'linux')!, /must be a POSIX path/);
  assert.equal(decoyDirectoryProblem('/srv/share', ['/srv', ''], 'linux'), null);
  // The server checks both families (no platform).
  assert.equal(
    decoyDirectoryProblem('/srv/share', [...DEFAULT_DECOY_ROOTS.posix, ...DEFAULT_DECOY_ROOTS.windows]),
    null,
  );
  assert.equal(
    decoyDirectoryProblem('\\\\nas\\share', [...DEFAULT_DECOY_ROOTS.posix, ...DEFAULT_DECOY_ROOTS.windows]),
    null,
  );
});

test('beacon tokens are fresh DNS labels', () => {
  const a = newBeaconToken();
  assert.match(a, BEACON_TOKEN_RE);
  assert.notEqual(a, newBeaconToken());
});
