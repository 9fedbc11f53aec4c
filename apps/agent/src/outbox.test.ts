import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { AgentEventSchema, type Severity } from '@mamori/contracts';
import { newEventId } from './ids.ts';
import { type NewEvent, Outbox } from './outbox.ts';
import { captureLogger } from './test-helpers.ts';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mamori-outbox-'));
  dir = path.join(root, 'outbox');
});
afterEach(() => rm(root, { recursive: true, force: true }));

const ev = (title: string, severity: Severity = 'medium'): NewEvent => ({
  source: 'agent',
  kind: 'test',
  severity,
  title,
});
const titles = (events: { title: string }[]) => events.map((e) => e.title);

test('event ids are valid UUIDs that sort in creation order, even within one millisecond', () => {
  const ids = Array.from({ length: 5000 }, () => newEventId(1_800_000_000_000));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids.slice(0, 50))
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('enqueue writes one file per event; peek returns oldest first; ack deletes only the given ids', async () => {
  const box = new Outbox(dir, captureLogger());
  const events = [];
  for (const t of ['a', 'b', 'c', 'd', 'e']) events.push(await box.enqueue(ev(t)));
  assert.deepEqual((await readdir(dir)).sort(), events.map((e) => `${e.id}.json`).sort());
  assert.equal(
    AgentEventSchema.parse(JSON.parse(await readFile(path.join(dir, `${events[0]!.id}.json`), 'utf8'))).title,
    'a',
  );

  assert.deepEqual(titles(await box.peek(3)), ['a', 'b', 'c']);
  assert.equal(await box.ack([events[0]!.id, events[2]!.id, 'not-an-id', '../outbox-bad/x']), 2);
  assert.deepEqual(titles(await box.peek(10)), ['b', 'd', 'e']);
  assert.equal((await box.stats()).count, 3);
});

test('enqueue rejects events that break the contract and stores nothing', async () => {
  const box = new Outbox(dir, captureLogger());
  await assert.rejects(box.enqueue({ ...ev('x'), kind: 'Not Valid' }));
  await assert.rejects(box.enqueue({ ...ev('x'), title: '' }));
  assert.equal((await box.stats()).count, 0);
});

test('events survive a new Outbox instance (restart), in order, and another process sees acks', async () => {
  const first = new Outbox(dir, captureLogger());
  for (const t of ['1', '2', '3']) await first.enqueue(ev(t));
  const second = new Outbox(dir, captureLogger());
  const seen = await second.peek(10);
  assert.deepEqual(titles(seen), ['1', '2', '3']);
  await second.ack([seen[1]!.id]);
  assert.deepEqual(titles(await first.peek(10)), ['1', '3']);
  assert.equal((await first.stats()).count, 2);
});

test('a leftover temp file from a crash is ignored, and removed once stale', async () => {
  const box = new Outbox(dir, captureLogger());
  const kept = await box.enqueue(ev('kept'));
  const torn = path.join(dir, `${newEventId()}.json.0a1b2c.tmp`);
  await writeFile(torn, '{"id":"half-writ');
  assert.deepEqual(titles(await box.peek(10)), ['kept']);
  assert.equal((await box.stats()).count, 1);
  assert.ok(
    (await readdir(dir)).some((n) => n.endsWith('.tmp')),
    'a fresh temp file may belong to a writer: keep it',
  );

  const old = new Date(Date.now() - 2 * 3_600_000);
  await utimes(torn, old, old);
  const restarted = new Outbox(dir, captureLogger());
  assert.deepEqual(titles(await restarted.peek(10)), ['kept']);
  assert.deepEqual(await readdir(dir), [`${kept.id}.json`]);
});

test('corrupt files are moved to outbox-bad with a log line and do not block the queue', async () => {
  const { logger, lines } = captureLogger();
  const box = new Outbox(dir, { logger });
  const a = await box.enqueue(ev('a'));
  const badJson = newEventId();
  const badShape = newEventId();
  const wrongName = newEventId();
  await writeFile(path.join(dir, `${badJson}.json`), '{not json');
  await writeFile(path.join(dir, `${badShape}.json`), JSON.stringify({ id: badShape, title: 'no kind' }));
  await writeFile(path.join(dir, `${wrongName}.json`), JSON.stringify({ ...a, id: newEventId() }));
  const b = await box.enqueue(ev('b'));

  assert.deepEqual(titles(await box.peek(10)), ['a', 'b']);
  assert.deepEqual(
    (await readdir(path.join(root, 'outbox-bad'))).sort(),
    [badJson, badShape, wrongName].map((i) => `${i}.json`).sort(),
  );
  assert.deepEqual((await readdir(dir)).sort(), [a.id, b.id].map((i) => `${i}.json`).sort());
  const logged = lines.filter((l) => l.msg === 'moved an outbox event to quarantine');
  assert.equal(logged.length, 3);
  assert.deepEqual(logged.map((l) => l.reason).sort(), [
    'id does not match the file name',
    'not a valid event',
    'not valid JSON',
  ]);
});

test('the file bound drops the oldest info events first, then the oldest of any severity, with a log line', async () => {
  const { logger, lines } = captureLogger();
  const box = new Outbox(dir, { logger, maxFiles: 10 });
  const plan: Array<[string, Severity]> = [
    ['h1', 'high'],
    ['i1', 'info'],
    ['h2', 'high'],
    ['i2', 'info'],
    ['i3', 'info'],
    ['h3', 'critical'],
    ['i4', 'info'],
    ['h4', 'low'],
    ['h5', 'high'],
    ['h6', 'high'],
  ];
  for (const [t, s] of plan) await box.enqueue(ev(t, s));
  assert.equal((await box.stats()).count, 10, 'at the bound nothing is dropped');
  await box.enqueue(ev('h7', 'high')); // 11 > 10: shrink to 9
  assert.deepEqual(titles(await box.peek(100)), ['h1', 'h2', 'i3', 'h3', 'i4', 'h4', 'h5', 'h6', 'h7']);
  const warn = lines.find((l) => String(l.msg).startsWith('outbox full'));
  assert.deepEqual(warn?.dropped, { info: 2 });

  // A restarted outbox reads severities from the files: info first (i3, i4), then the oldest of any severity.
  const again = new Outbox(dir, { logger, maxFiles: 4 });
  await again.enqueue(ev('h8', 'high'));
  assert.deepEqual(titles(await again.peek(100)), ['h4', 'h5', 'h6', 'h7', 'h8'].slice(-3));
});

test('the byte bound is enforced too', async () => {
  const box = new Outbox(dir, { ...captureLogger(), maxBytes: 2000 });
  for (let i = 0; i < 20; i += 1) await box.enqueue({ ...ev(`e${i}`, 'high'), details: { pad: 'x'.repeat(200) } });
  const { count, bytes } = await box.stats();
  assert.ok(bytes <= 2000, `${bytes} bytes kept`);
  assert.ok(count >= 3 && count < 20, `${count} events kept`);
  assert.equal(titles(await box.peek(100)).at(-1), 'e19', 'the newest event is kept');
});
