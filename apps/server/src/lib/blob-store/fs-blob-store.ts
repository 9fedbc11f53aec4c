import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import {
  type BlobData,
  type BlobInfo,
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobPutOptions,
  type BlobPutResult,
  type BlobStore,
  checkExpected,
  createVerifier,
  DEFAULT_CONTENT_TYPE,
  isSha256Hex,
  normalizeSha256,
  readAll,
  validateBlobKey,
  validateBlobPrefix,
  writeHashed,
} from './blob-store.ts';

/*
 * On-disk layout. Key "a/b/c" lives in directory <root>/a/b as:
 *   c~meta.json          {"sha256","size","contentType","data"}: the object's only commit point
 *   c~<32 hex>.data      the bytes, written once under a fresh random name and never modified
 * "~" cannot occur in a key, so these names never collide with another key's files or with the
 * directories made from key segments (which is why keys "a" and "a/b" can both exist).
 *
 * Why this is crash-safe: put writes and fsyncs a NEW data file nobody refers to yet, fsyncs the
 * directory, then writes the metadata to a temp name, fsyncs it and renames it over c~meta.json
 * (rename is atomic), then fsyncs the directory again. Before that rename every reader still sees
 * the old metadata, which names the old, untouched data file; after it, the new metadata names the
 * new, already-durable data file. Data and metadata therefore always change together, so neither
 * "new data with old metadata" nor a torn file can be observed, and a crash at any step leaves the
 * old object or the new one. The only leftovers of a crash are unreferenced *.data / *.tmp files.
 * The old data file is removed only after the commit (a reader that raced it re-reads the metadata).
 */

const META_SUFFIX = '~meta.json';
const DATA_NAME = /^~[0-9a-f]{32}\.data$/;

type Meta = BlobInfo & { data: string };

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch((err: unknown) => {
    if (errno(err) !== 'ENOENT') throw err;
  });
}

/** Creates a blob store that keeps objects as files under `rootDir` (directories 0700, files 0600). */
export function createFsBlobStore(rootDir: string): BlobStore {
  const root = resolve(rootDir);

  const locate = (key: string) => {
    const slash = key.lastIndexOf('/');
    const dir = slash < 0 ? root : join(root, ...key.slice(0, slash).split('/'));
    const base = key.slice(slash + 1);
    return { dir, base, meta: join(dir, base + META_SUFFIX) };
  };

  // Creates `dir` and fsyncs every directory that gained an entry, so the new path survives a crash.
  async function makeDir(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    let current = dirname(first);
    await fsyncDir(current);
    for (const part of relative(current, dir).split(sep)) {
      current = join(current, part);
      await fsyncDir(current);
    }
  }

  async function readMeta(key: string): Promise<Meta | undefined> {
    const { base, meta } = locate(key);
    let text: string;
    try {
      text = await readFile(meta, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: Partial<Meta>;
    try {
      parsed = JSON.parse(text) as Partial<Meta>;
    } catch {
      throw new BlobIntegrityError(key, 'metadata is not valid JSON');
    }
    const { sha256, size, contentType, data } = parsed;
    // `data` must name this key's own data file, so edited metadata cannot point elsewhere.
    if (
      !isSha256Hex(sha256) ||
      !Number.isSafeInteger(size) ||
      (size as number) < 0 ||
      typeof contentType !== 'string' ||
      typeof data !== 'string' ||
      !data.startsWith(base) ||
      !DATA_NAME.test(data.slice(base.length))
    ) {
      throw new BlobIntegrityError(key, 'metadata is malformed');
    }
    return { sha256, size: size as number, contentType, data };
  }

  async function openStream(key: string): Promise<Readable> {
    validateBlobKey(key);
    const { dir } = locate(key);
    // A concurrent put may commit and delete the data file between reading the metadata and
    // opening the file; re-reading the metadata then finds the new one.
    for (let attempt = 1; ; attempt++) {
      const meta = await readMeta(key);
      if (meta === undefined) throw new BlobNotFoundError(key);
      let handle: FileHandle;
      try {
        handle = await open(join(dir, meta.data), 'r');
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        if (attempt === 3) throw new BlobIntegrityError(key, 'data file is missing');
        continue;
      }
      return pipeline(handle.createReadStream(), createVerifier(key, meta), () => {});
    }
  }

  return {
    async put(key: string, data: BlobData, opts: BlobPutOptions = {}): Promise<BlobPutResult> {
      validateBlobKey(key);
      const expected = opts.expectedSha256 === undefined ? undefined : normalizeSha256(opts.expectedSha256);
      const { dir, base, meta } = locate(key);
      await makeDir(dir);
      const id = randomBytes(16).toString('hex');
      const dataName = `${base}~${id}.data`;
      const dataPath = join(dir, dataName);
      const metaTemp = `${meta}.${id}.tmp`;
      let committed = false;
      try {
        const file = await open(dataPath, 'wx', 0o600);
        let written: { size: number; sha256: string };
        try {
          written = await writeHashed(data, file);
          await file.sync();
        } finally {
          await file.close();
        }
        checkExpected(key, expected, written.sha256);
        await fsyncDir(dir);

        const previous = await readMeta(key).catch(() => undefined);
        const record: Meta = { ...written, contentType: opts.contentType ?? DEFAULT_CONTENT_TYPE, data: dataName };
        const metaFile = await open(metaTemp, 'wx', 0o600);
        try {
          await metaFile.writeFile(JSON.stringify(record));
          await metaFile.sync();
        } finally {
          await metaFile.close();
        }
        await rename(metaTemp, meta); // the commit point
        committed = true;
        await fsyncDir(dir);

        if (previous !== undefined && previous.data !== dataName) await unlinkQuietly(join(dir, previous.data));
        return { key, size: written.size, sha256: written.sha256 };
      } finally {
        if (!committed) {
          await unlinkQuietly(metaTemp).catch(() => {});
          await unlinkQuietly(dataPath).catch(() => {});
        }
      }
    },

    async get(key: string): Promise<Buffer> {
      return readAll(await openStream(key));
    },

    getStream: openStream,

    async head(key: string): Promise<BlobInfo | undefined> {
      validateBlobKey(key);
      const meta = await readMeta(key);
      return meta && { size: meta.size, sha256: meta.sha256, contentType: meta.contentType };
    },

    async delete(key: string): Promise<void> {
      validateBlobKey(key);
      const { dir, meta: metaPath } = locate(key);
      const meta = await readMeta(key).catch(() => undefined);
      try {
        await unlink(metaPath); // the object disappears here; the data file is then garbage
      } catch (err) {
        if (errno(err) === 'ENOENT') return;
        throw err;
      }
      await fsyncDir(dir);
      if (meta !== undefined) await unlinkQuietly(join(dir, meta.data));
    },

    async *list(prefix = ''): AsyncIterable<string> {
      validateBlobPrefix(prefix);
      const slash = prefix.lastIndexOf('/');
      const startRel = slash < 0 ? '' : prefix.slice(0, slash + 1); // whole directories of the prefix
      const keys: string[] = [];
      const walk = async (rel: string): Promise<void> => {
        let entries: Dirent[];
        try {
          entries = await readdir(join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
        } catch (err) {
          if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
          throw err;
        }
        for (const entry of entries) {
          if (entry.isFile() && entry.name.endsWith(META_SUFFIX)) {
            const key = rel + entry.name.slice(0, -META_SUFFIX.length);
            if (key.startsWith(prefix)) keys.push(key);
          } else if (entry.isDirectory() && !entry.name.includes('~')) {
            const sub = `${rel}${entry.name}/`;
            if (sub.startsWith(prefix) || prefix.startsWith(sub)) await walk(sub);
          }
        }
      };
      await walk(startRel);
      keys.sort();
      yield* keys;
    },
  };
}
