/**
 * ransim: a ransomware simulator for testing decoys, and a benign "office day" workload for counting false alarms.
 *
 * It only ever works inside a directory under the system temporary directory that holds a `.ransim-ok` marker file;
 * it refuses anything else. Run it as its own process so a defender can kill it:
 *
 *   node tools/ransim/ransim.ts tree     --root /tmp/x --files 200            # a sample tree (+ marker)
 *   node tools/ransim/ransim.ts encrypt  --root /tmp/x --order random --rate 400 [--mode inplace|rename]
 *                                        [--partial-kb 0] [--ext lockbit] [--no-notes] [--log run.jsonl] [--seed s]
 *   node tools/ransim/ransim.ts workload --root /tmp/x --seconds 60 [--rate 5] [--avoid decoys.txt] [--log w.jsonl]
 *
 * `encrypt` writes one JSON line per step to the log (`start`, `open`/`done` per file with epoch-ms times, `note`,
 * `end`), synchronously, so a reader can count how many files were encrypted before the process died.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, openSync, realpathSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** Name of the marker file that must exist in the root before ransim touches anything. */
export const MARKER = '.ransim-ok';
/** Orders in which the simulator visits files (what real families do: enumeration order, reverse, random, BFS, big first). */
export const ORDERS = ['alphabetical', 'reverse', 'random', 'breadth-first', 'largest-first'] as const;
export type Order = (typeof ORDERS)[number];
/** Name of the ransom note dropped in each directory. */
export const NOTE_NAME = 'HOW_TO_RESTORE_FILES.txt';
const NOTE_TEXT =
  'YOUR FILES ARE ENCRYPTED.\nAll your documents were encrypted with a unique key. To decrypt them, pay 0.5 BTC.\n' +
  'Contact us with Tor Browser at http://simulatedsimulatedsimulated.onion (THIS IS A TEST BY ransim)\n' +
  'あなたのファイルは暗号化されました（テスト用のシミュレーションです）。\n';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Throws unless `root` is a directory under the system temporary directory that contains `.ransim-ok`.
 * Returns the real path of the root.
 */
export function assertSafeRoot(root: string): string {
  if (!path.isAbsolute(root)) throw new Error(`ransim: root must be an absolute path: ${root}`);
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    throw new Error(`ransim: root does not exist: ${root}`);
  }
  const tmp = realpathSync(os.tmpdir());
  if (real === tmp || !real.startsWith(tmp + path.sep))
    throw new Error(`ransim: refusing ${real}: it is not inside the temporary directory ${tmp}`);
  if (!existsSync(path.join(real, MARKER))) throw new Error(`ransim: refusing ${real}: no ${MARKER} marker file in it`);
  return real;
}

interface FileEntry {
  path: string;
  size: number;
  depth: number;
}

async function walk(root: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const visit = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await visit(p, depth + 1);
      else if (e.isFile() && e.name !== MARKER && e.name !== NOTE_NAME)
        out.push({ path: p, size: (await stat(p)).size, depth });
    }
  };
  await visit(root, 0);
  return out;
}

/** A small seeded generator (mulberry32) so random orders can be replayed. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 3432918353);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const byName = (a: FileEntry, b: FileEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The files in the order a given ransomware strategy visits them. */
export function orderFiles(files: FileEntry[], order: Order, seed = 'ransim'): FileEntry[] {
  const list = [...files].sort(byName);
  switch (order) {
    case 'alphabetical':
      return list;
    case 'reverse':
      return list.reverse();
    case 'breadth-first':
      return list.sort((a, b) => a.depth - b.depth || byName(a, b));
    case 'largest-first':
      return list.sort((a, b) => b.size - a.size || byName(a, b));
    case 'random': {
      const rnd = seededRandom(seed);
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    }
  }
}

/** Options of a simulated attack. */
export interface EncryptOptions {
  root: string;
  order: Order;
  /** Files per second (default 400, about LockBit's 25,000 files a minute). */
  rate?: number;
  /** `inplace`: overwrite each file; `rename`: write `<name>.<ext>` and delete the original. */
  mode?: 'inplace' | 'rename';
  /** Encrypt only the first N KiB of each file (0 = whole file), like LockFile or BlackCat's fast modes. */
  partialKb?: number;
  /** Extension appended in rename mode (default `lockbit`). */
  ext?: string;
  /** Drop a ransom note in each directory before its first file (default true). */
  notes?: boolean;
  /** JSONL progress log (written synchronously). */
  log?: string;
  seed?: string;
  /** Stop after this many files (default all). */
  limit?: number;
}

/** Runs the simulated attack and returns how many files it encrypted. */
export async function encryptTree(opts: EncryptOptions): Promise<{ encrypted: number; total: number }> {
  const root = assertSafeRoot(opts.root);
  const rate = opts.rate ?? 400;
  const fd = opts.log ? openSync(opts.log, 'a') : undefined;
  const log = (o: Record<string, unknown>) => {
    if (fd !== undefined) writeSync(fd, `${JSON.stringify({ ...o, pid: process.pid })}\n`);
  };
  try {
    const files = orderFiles(await walk(root), opts.order, opts.seed).slice(0, opts.limit ?? Number.POSITIVE_INFINITY);
    const key = randomBytes(32);
    const noted = new Set<string>();
    const start = now();
    log({ ev: 'start', t: start, order: opts.order, rate, total: files.length });
    let i = 0;
    for (const f of files) {
      const due = start + (i * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const dir = path.dirname(f.path);
      if (opts.notes !== false && !noted.has(dir)) {
        noted.add(dir);
        await writeFile(path.join(dir, NOTE_NAME), NOTE_TEXT).catch(() => {});
        log({ ev: 'note', t: now(), path: path.join(dir, NOTE_NAME) });
      }
      log({ ev: 'open', i, t: now(), path: f.path });
      try {
        await encryptFile(f.path, key, opts);
        log({ ev: 'done', i, t: now(), path: f.path });
      } catch (err) {
        log({ ev: 'error', i, t: now(), path: f.path, error: (err as Error).message });
      }
      i++;
    }
    log({ ev: 'end', t: now(), encrypted: i });
    return { encrypted: i, total: files.length };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function encryptFile(file: string, key: Buffer, opts: EncryptOptions): Promise<void> {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const limit = opts.partialKb ? opts.partialKb * 1024 : Number.POSITIVE_INFINITY;
  if ((opts.mode ?? 'inplace') === 'inplace') {
    const fh = await open(file, 'r+');
    try {
      const size = (await fh.stat()).size;
      const n = Math.min(size, limit);
      const buf = Buffer.alloc(n);
      await fh.read(buf, 0, n, 0);
      await fh.write(cipher.update(buf), 0, n, 0);
    } finally {
      await fh.close();
    }
    return;
  }
  const data = await readFile(file);
  const n = Math.min(data.length, limit);
  const out = Buffer.concat([cipher.update(data.subarray(0, n)), data.subarray(n)]);
  await writeFile(`${file}.${opts.ext ?? 'lockbit'}`, out, { flag: 'wx' });
  await unlink(file);
}

// ---------------------------------------------------------------------------------------------
// Sample trees and the benign workload.

const EXTS = ['docx', 'xlsx', 'pdf', 'csv', 'txt', 'jpg'];
const NAMES = [
  '紹介状',
  '検査結果',
  '診療報酬明細',
  '予約表',
  '請求書',
  '議事録',
  '勤務表',
  '在庫一覧',
  'report',
  'invoice',
];

/** Creates a sample tree of `files` files over a few nested folders (with the marker); returns the real root. */
export async function makeTree(root: string, files = 200, seed = 'tree'): Promise<string> {
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, MARKER), 'ransim may work here\n');
  const real = assertSafeRoot(root);
  const rnd = seededRandom(seed);
  const dirs = [
    real,
    path.join(real, '2023'),
    path.join(real, '2024'),
    path.join(real, '2024', '外来'),
    path.join(real, '共有'),
  ];
  for (const d of dirs) await mkdir(d, { recursive: true });
  for (let i = 0; i < files; i++) {
    const dir = dirs[i % dirs.length]!;
    const name = `${NAMES[Math.floor(rnd() * NAMES.length)]}_${String(i).padStart(4, '0')}.${EXTS[i % EXTS.length]}`;
    const size = 512 + Math.floor(rnd() * 60_000);
    const text = Buffer.from(`${name}\n`.repeat(Math.ceil(size / (name.length + 1)))).subarray(0, size);
    await writeFile(path.join(dir, name), text);
  }
  return real;
}

/** Options of the benign workload. */
export interface WorkloadOptions {
  root: string;
  durationMs: number;
  /** Operations per second (default 5: a busy clinic's shared folder). */
  rate?: number;
  /** Paths the workload must never touch (the decoys: a clerk never opens them). */
  avoid?: ReadonlySet<string>;
  log?: string;
  seed?: string;
}

/**
 * An ordinary office day, sped up: opening and editing documents, saving them the way Word and Excel do (owner
 * file `~$name`, temp file, rename swap), save-as, renames, new files and deletions. Never touches `avoid`.
 */
export async function dayWorkload(opts: WorkloadOptions): Promise<{ operations: number }> {
  const root = assertSafeRoot(opts.root);
  const rnd = seededRandom(opts.seed ?? 'day');
  const avoid = opts.avoid ?? new Set<string>();
  const log = (o: Record<string, unknown>) => {
    if (opts.log) appendFileSync(opts.log, `${JSON.stringify({ ...o, t: now() })}\n`);
  };
  const pickFile = async () => {
    const files = (await walk(root)).filter((f) => !avoid.has(f.path) && !path.basename(f.path).startsWith('~'));
    return files.length ? files[Math.floor(rnd() * files.length)]! : undefined;
  };
  const end = now() + opts.durationMs;
  const gap = 1000 / (opts.rate ?? 5);
  let ops = 0;
  let created = 0;
  while (now() < end) {
    const f = await pickFile();
    if (!f) break;
    const dir = path.dirname(f.path);
    const base = path.basename(f.path);
    const r = rnd();
    try {
      if (r < 0.3) {
        // Open and read (a clerk viewing a document).
        await readFile(f.path);
        log({ op: 'read', path: f.path });
      } else if (r < 0.6) {
        // Word/Excel save: owner file, write temp, swap names, delete the backup and the owner file.
        const owner = path.join(dir, `~$${base.slice(2)}`);
        await writeFile(owner, Buffer.alloc(162, 0x20));
        const data = await readFile(f.path);
        const tmp = path.join(dir, `~WRL${String(Math.floor(rnd() * 9999)).padStart(4, '0')}.tmp`);
        await writeFile(tmp, Buffer.concat([data, Buffer.from(`edit ${ops}\n`)]));
        const backup = path.join(dir, `~WRD${String(Math.floor(rnd() * 9999)).padStart(4, '0')}.tmp`);
        await rename(f.path, backup);
        await rename(tmp, f.path);
        await unlink(backup);
        await unlink(owner);
        log({ op: 'save', path: f.path });
      } else if (r < 0.75) {
        const copy = path.join(dir, `${path.parse(base).name}_コピー${created++}${path.extname(base)}`);
        await writeFile(copy, await readFile(f.path));
        log({ op: 'save-as', path: copy });
      } else if (r < 0.85) {
        const to = path.join(dir, `${path.parse(base).name}_済${path.extname(base)}`);
        if (!existsSync(to)) await rename(f.path, to);
        log({ op: 'rename', path: f.path, to });
      } else if (r < 0.95) {
        const file = path.join(dir, `新規メモ_${created++}.txt`);
        await writeFile(file, `メモ ${new Date().toISOString()}\n`);
        log({ op: 'create', path: file });
      } else {
        await unlink(f.path);
        log({ op: 'delete', path: f.path });
      }
    } catch (err) {
      log({ op: 'error', path: f.path, error: (err as Error).message });
    }
    ops++;
    await sleep(gap);
  }
  return { operations: ops };
}

// ---------------------------------------------------------------------------------------------
// Command line.

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      root: { type: 'string' },
      order: { type: 'string', default: 'alphabetical' },
      rate: { type: 'string' },
      mode: { type: 'string', default: 'inplace' },
      'partial-kb': { type: 'string', default: '0' },
      ext: { type: 'string', default: 'lockbit' },
      'no-notes': { type: 'boolean', default: false },
      log: { type: 'string' },
      seed: { type: 'string' },
      files: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      avoid: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  if (!values.root) throw new Error('ransim: --root is required');
  if (command === 'tree') {
    process.stdout.write(`${await makeTree(values.root, Number(values.files), values.seed)}\n`);
  } else if (command === 'encrypt') {
    const order = values.order as Order;
    if (!ORDERS.includes(order)) throw new Error(`ransim: --order must be one of ${ORDERS.join(', ')}`);
    if (values.mode !== 'inplace' && values.mode !== 'rename')
      throw new Error('ransim: --mode must be inplace or rename');
    const r = await encryptTree({
      root: values.root,
      order,
      mode: values.mode,
      partialKb: Number(values['partial-kb']),
      ext: values.ext,
      notes: !values['no-notes'],
      ...(values.rate ? { rate: Number(values.rate) } : {}),
      ...(values.log ? { log: values.log } : {}),
      ...(values.seed ? { seed: values.seed } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    });
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else if (command === 'workload') {
    const avoid = values.avoid
      ? new Set((await readFile(values.avoid, 'utf8')).split('\n').filter(Boolean))
      : undefined;
    const r = await dayWorkload({
      root: values.root,
      durationMs: Number(values.seconds) * 1000,
      ...(values.rate ? { rate: Number(values.rate) } : {}),
      ...(avoid ? { avoid } : {}),
      ...(values.log ? { log: values.log } : {}),
      ...(values.seed ? { seed: values.seed } : {}),
    });
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else throw new Error('usage: ransim tree|encrypt|workload --root <dir under the temp directory> …');
}

/** Reads a ransim JSONL log. */
export async function readLog(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  });
}
