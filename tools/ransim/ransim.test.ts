import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runAttack } from './harness.ts';
import {
  assertSafeRoot,
  dayWorkload,
  encryptTree,
  MARKER,
  makeTree,
  NOTE_NAME,
  orderFiles,
  readLog,
} from './ransim.ts';

const base = mkdtempSync(path.join(os.tmpdir(), 'ransim-test-'));
after(() => rmSync(base, { recursive: true, force: true }));

const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

test('refuses directories outside the temporary directory, without the marker, or the temporary directory itself', async () => {
  assert.throws(() => assertSafeRoot('/usr/share'), /not inside the temporary directory/);
  assert.throws(() => assertSafeRoot('/etc'), /not inside the temporary directory/);
  assert.throws(() => assertSafeRoot(os.tmpdir()), /not inside the temporary directory/);
  assert.throws(() => assertSafeRoot('relative'), /absolute/);
  const bare = path.join(base, 'bare');
  await mkdir(bare);
  await writeFile(path.join(bare, 'a.txt'), 'keep');
  assert.throws(() => assertSafeRoot(bare), /no \.ransim-ok marker/);
  await assert.rejects(encryptTree({ root: bare, order: 'alphabetical' }), /marker/);
  assert.equal(readFileSync(path.join(bare, 'a.txt'), 'utf8'), 'keep');
  // The command line refuses too, with a non-zero exit.
  await assert.rejects(runAttack({ root: bare, order: 'random', log: path.join(base, 'bare.jsonl') }), /marker/);
});

test('encrypts every file in place, drops a note per folder and logs each file', async () => {
  const root = await makeTree(path.join(base, 'inplace'), 30);
  const before = new Map(files(root).map((f) => [f, readFileSync(f)]));
  const log = path.join(base, 'inplace.jsonl');
  const r = await encryptTree({ root, order: 'random', rate: 2000, log });
  assert.equal(r.encrypted, before.size - 1); // all but the marker
  for (const [f, data] of before) {
    if (path.basename(f) === MARKER) continue;
    const now = readFileSync(f);
    assert.equal(now.length, data.length);
    assert.notDeepEqual(now, data);
  }
  const dirs = new Set([...before.keys()].map((f) => path.dirname(f)));
  for (const d of dirs) assert.ok(existsSync(path.join(d, NOTE_NAME)));
  const lines = await readLog(log);
  assert.equal(lines.filter((l) => l.ev === 'done').length, r.encrypted);
});

test('rename mode writes <name>.<ext> and deletes the original; partial mode leaves the tail', async () => {
  const root = await makeTree(path.join(base, 'rename'), 10);
  const originals = files(root).filter((f) => path.basename(f) !== MARKER);
  await encryptTree({ root, order: 'alphabetical', mode: 'rename', ext: 'locked', rate: 2000, notes: false });
  for (const f of originals) {
    assert.ok(!existsSync(f));
    assert.ok(existsSync(`${f}.locked`));
  }
  const proot = await makeTree(path.join(base, 'partial'), 10);
  const big = files(proot).find((f) => statSync(f).size > 8192)!;
  const data = readFileSync(big);
  await encryptTree({ root: proot, order: 'alphabetical', partialKb: 4, rate: 2000, notes: false });
  const now = readFileSync(big);
  assert.notDeepEqual(now.subarray(0, 4096), data.subarray(0, 4096));
  assert.deepEqual(now.subarray(4096), data.subarray(4096));
});

test('orders visit files as named', () => {
  const list = [
    { path: '/t/b.txt', size: 5, depth: 0 },
    { path: '/t/a/z.txt', size: 50, depth: 1 },
    { path: '/t/c.txt', size: 1, depth: 0 },
  ];
  const names = (o: Parameters<typeof orderFiles>[1]) => orderFiles(list, o).map((f) => f.path);
  assert.deepEqual(names('alphabetical'), ['/t/a/z.txt', '/t/b.txt', '/t/c.txt']);
  assert.deepEqual(names('reverse'), ['/t/c.txt', '/t/b.txt', '/t/a/z.txt']);
  assert.deepEqual(names('breadth-first'), ['/t/b.txt', '/t/c.txt', '/t/a/z.txt']);
  assert.deepEqual(names('largest-first'), ['/t/a/z.txt', '/t/b.txt', '/t/c.txt']);
  assert.deepEqual(orderFiles(list, 'random', 's1'), orderFiles(list, 'random', 's1'));
});

test('the office-day workload never touches the files it must avoid', async () => {
  const root = await makeTree(path.join(base, 'day'), 20);
  const avoid = new Set(files(root).slice(0, 5));
  const before = new Map([...avoid].map((f) => [f, statSync(f).mtimeMs]));
  const log = path.join(base, 'day.jsonl');
  const r = await dayWorkload({ root, durationMs: 1500, rate: 40, avoid, log });
  assert.ok(r.operations > 20);
  for (const [f, mtime] of before) assert.equal(statSync(f).mtimeMs, mtime);
  const ops = new Set((await readLog(log)).map((l) => l.op));
  assert.ok(ops.has('save') && ops.has('read'));
});
