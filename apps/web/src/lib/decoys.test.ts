import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import {
  countCoverage,
  coverageStatus,
  DECOY_STALE_MS,
  directoryErrors,
  evidenceOf,
  fileName,
  isolationView,
  shortHash,
  splitDirectories,
} from './decoys.ts';

// A stand-in translator that shows which key and values were asked for.
const t = ((key: string, values?: Record<string, unknown>) =>
  values?.roots ? `${key}(${values.roots})` : key) as unknown as TFunction;

const now = new Date('2025-04-01T03:00:00Z');
const recent = new Date(now.getTime() - 5 * 60_000).toISOString();
const old = new Date(now.getTime() - DECOY_STALE_MS - 1000).toISOString();

test('coverage status: none, stale, problems, ok', () => {
  assert.equal(coverageStatus({ decoys: 0, verifiedAt: null, problems: [] }, now), 'none');
  assert.equal(
    coverageStatus({ decoys: 0, verifiedAt: recent, problems: [{ directory: '/srv', message: 'x' }] }, now),
    'problems',
  );
  assert.equal(coverageStatus({ decoys: 12, verifiedAt: null, problems: [] }, now), 'stale');
  assert.equal(coverageStatus({ decoys: 12, verifiedAt: old, problems: [] }, now), 'stale');
  assert.equal(
    coverageStatus({ decoys: 12, verifiedAt: recent, problems: [{ directory: '/srv', message: 'x' }] }, now),
    'problems',
  );
  assert.equal(coverageStatus({ decoys: 12, verifiedAt: recent, problems: [] }, now), 'ok');
});

test('coverage counts leave revoked agents out', () => {
  const counts = countCoverage(
    [
      { decoys: 6, verifiedAt: recent, problems: [], agentStatus: 'online' },
      { decoys: 6, verifiedAt: recent, problems: [], agentStatus: 'revoked' },
      { decoys: 0, verifiedAt: null, problems: [], agentStatus: 'offline' },
    ],
    now,
  );
  assert.deepEqual(counts, { ok: 1, problems: 0, stale: 0, none: 1 });
});

test('isolation view tells requested from done', () => {
  assert.equal(isolationView({ isolated: false, isolationDesired: null }), 'normal');
  assert.equal(isolationView({ isolated: false, isolationDesired: 'isolated' }), 'isolating');
  assert.equal(isolationView({ isolated: true, isolationDesired: 'isolated' }), 'isolated');
  assert.equal(isolationView({ isolated: true, isolationDesired: null }), 'isolated');
  assert.equal(isolationView({ isolated: true, isolationDesired: 'released' }), 'releasing');
  assert.equal(isolationView({ isolated: false, isolationDesired: 'released' }), 'normal');
});

test('directories one per line keep their line numbers, blank lines skipped', () => {
  assert.deepEqual(splitDirectories('/srv/share\n\n  /etc  \r\n/home/a\n'), {
    directories: ['/srv/share', '/etc', '/home/a'],
    lines: [1, 3, 4],
  });
});

test('server directory problems land on the line they came from, in plain words', () => {
  const err = new ApiError(400, 'invalid', 'A decoy directory is not allowed', [
    { path: 'body.directories.1', message: '/etc is a system directory' },
    { path: 'body.directories.2', message: '/opt/x is outside the allowed roots (/srv, /home)' },
    { path: 'body.name', message: 'required' },
  ]);
  const errors = directoryErrors(t, err, [1, 3, 4]);
  assert.equal(errors.get(3), 'decoys.dirProblem.system');
  assert.equal(errors.get(4), 'decoys.dirProblem.outside(/srv, /home)');
  assert.equal(errors.size, 2);
  const dup = directoryErrors(
    t,
    new ApiError(400, 'invalid', 'A directory is listed twice', [
      { path: 'body.directories', message: 'duplicate directory' },
    ]),
    [1, 2],
  );
  assert.equal(dup.get(0), 'decoys.dirProblem.duplicate');
  assert.equal(directoryErrors(t, new Error('boom'), [1]).size, 0);
});

test('evidence is picked out of decoy, containment and beacon details', () => {
  const e = evidenceOf({
    path: '/srv/share/患者一覧.csv',
    beforeSha256: 'a'.repeat(64),
    afterSha256: 'b'.repeat(64),
    beforeEntropy: 4.61,
    afterEntropy: 7.99,
    beforeSize: 1200,
    afterSize: null,
    pid: 4242,
    cmdline: 'python3 encrypt.py',
    user: 'clerk',
    processes: [{ pid: 1 }],
  });
  assert.equal(e.file, '/srv/share/患者一覧.csv');
  assert.deepEqual(e.sha256, { before: 'a'.repeat(64), after: 'b'.repeat(64) });
  assert.deepEqual(e.entropy, { before: 4.61, after: 7.99 });
  assert.deepEqual(e.size, { before: 1200, after: null });
  assert.equal(e.pid, 4242);
  assert.equal(e.cmdline, 'python3 encrypt.py');
  assert.equal(e.user, 'clerk');
  const kill = evidenceOf({ decoyPath: 'C:\\Users\\a\\b.docx', comm: 'evil.exe', pid: 7, error: null });
  assert.equal(kill.file, 'C:\\Users\\a\\b.docx');
  assert.equal(kill.processName, 'evil.exe');
  assert.equal(kill.error, undefined);
  assert.equal(kill.sha256, undefined);
  const beacon = evidenceOf({ path: '/srv/x.pdf', channel: 'dns', ip: '192.0.2.53', userAgent: 'dns A' });
  assert.deepEqual([beacon.channel, beacon.ip, beacon.userAgent], ['dns', '192.0.2.53', 'dns A']);
  const tree = evidenceOf({ extension: 'locked', count: 40, examples: ['a.locked', 3, 'b.locked'] });
  assert.deepEqual([tree.extension, tree.count, tree.examples], ['locked', 40, ['a.locked', 'b.locked']]);
});

test('hashes are shortened and file names taken from either kind of path', () => {
  assert.equal(shortHash('0123456789abcdef'.repeat(4)), '01234567…cdef');
  assert.equal(shortHash(null), '—');
  assert.equal(fileName('/srv/share/紹介状.pdf'), '紹介状.pdf');
  assert.equal(fileName('C:\\Users\\a\\退院サマリー.docx'), '退院サマリー.docx');
});
