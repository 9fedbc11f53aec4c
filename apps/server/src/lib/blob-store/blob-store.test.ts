import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { BlobIntegrityError, BlobKeyError, BlobNotFoundError, type BlobStore, createBlobStore } from './index.ts';

type Backend = {
  store: BlobStore;
  /** Replaces the stored bytes of `key` behind the store's back, keeping the recorded hash. */
  tamper(key: string): Promise<void>;
  close(): Promise<void>;
};

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await collect<Buffer>(stream));
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let off = 0; off < data.length; off += size) chunks.push(data.subarray(off, off + size));
  return Readable.from(chunks);
}

/** The behaviour every back-end must show; run once per back-end. */
function blobStoreScenario(name: string, start: () => Promise<Backend>): void {
  describe(name, () => {
    let backend: Backend;
    let store: BlobStore;
    before(async () => {
      backend = await start();
      store = backend.store;
    });
    after(async () => backend?.close());

    it('round-trips a Buffer and reports it with head', async () => {
      const data = Buffer.from('hello, blob');
      const put = await store.put('docs/hello.txt', data, { contentType: 'text/plain' });
      assert.deepEqual(put, { key: 'docs/hello.txt', size: data.length, sha256: sha256(data) });
      assert.deepEqual(await store.get('docs/hello.txt'), data);
      assert.deepEqual(await readAll(await store.getStream('docs/hello.txt')), data);
      assert.deepEqual(await store.head('docs/hello.txt'), {
        size: data.length,
        sha256: sha256(data),
        contentType: 'text/plain',
      });
      await store.put('docs/empty', Buffer.alloc(0));
      assert.deepEqual(await store.get('docs/empty'), Buffer.alloc(0));
      assert.equal((await store.head('docs/empty'))?.contentType, 'application/octet-stream');
    });

    it('round-trips a multi-megabyte stream and an async iterable', async () => {
      const data = randomBytes(7 * 1024 * 1024 + 123);
      const put = await store.put('big/stream.bin', chunked(data));
      assert.deepEqual(put, { key: 'big/stream.bin', size: data.length, sha256: sha256(data) });
      assert.ok((await store.get('big/stream.bin')).equals(data));
      assert.ok((await readAll(await store.getStream('big/stream.bin'))).equals(data));

      const small = randomBytes(300_000);
      async function* pieces(): AsyncGenerator<Buffer> {
        yield small.subarray(0, 1000);
        yield small.subarray(1000);
      }
      assert.equal((await store.put('big/iterable.bin', pieces())).sha256, sha256(small));
      assert.ok((await store.get('big/iterable.bin')).equals(small));
    });

    it('replaces an object on put, and keeps "x" and "x/y" apart', async () => {
      await store.put('replace/me', Buffer.from('one'));
      await store.put('replace/me', Buffer.from('two, longer'));
      assert.equal((await store.get('replace/me')).toString(), 'two, longer');
      await store.put('replace/me/child', Buffer.from('child'));
      assert.equal((await store.get('replace/me')).toString(), 'two, longer');
      assert.equal((await store.get('replace/me/child')).toString(), 'child');
    });

    it('lists keys by prefix, sorted', async () => {
      for (const key of ['list/b/1', 'list/a/2', 'list/a/1', 'list/ab', 'lists'])
        await store.put(key, Buffer.from(key));
      assert.deepEqual(await collect(store.list('list/a/')), ['list/a/1', 'list/a/2']);
      assert.deepEqual(await collect(store.list('list/a')), ['list/a/1', 'list/a/2', 'list/ab']);
      assert.deepEqual(await collect(store.list('list/')), ['list/a/1', 'list/a/2', 'list/ab', 'list/b/1']);
      assert.deepEqual(await collect(store.list('list')), ['list/a/1', 'list/a/2', 'list/ab', 'list/b/1', 'lists']);
      assert.deepEqual(await collect(store.list('nothing/')), []);
      assert.ok((await collect(store.list())).includes('docs/hello.txt'));
    });

    it('deletes, idempotently', async () => {
      await store.put('gone/soon', Buffer.from('bye'));
      await store.delete('gone/soon');
      assert.equal(await store.head('gone/soon'), undefined);
      await assert.rejects(store.get('gone/soon'), BlobNotFoundError);
      assert.deepEqual(await collect(store.list('gone/')), []);
      await store.delete('gone/soon');
    });

    it('reports absent keys as BlobNotFoundError / undefined', async () => {
      await assert.rejects(store.get('missing/key'), BlobNotFoundError);
      await assert.rejects(store.getStream('missing/key'), BlobNotFoundError);
      assert.equal(await store.head('missing/key'), undefined);
    });

    it('rejects bad keys with BlobKeyError', async () => {
      const bad = [
        '',
        '/abs',
        '..',
        'a/../b',
        'a..b',
        'a//b',
        'a/',
        'a/./b',
        '.',
        'sp ace',
        'ü',
        'a\\b',
        'a~b',
        '%2e',
        'x'.repeat(513),
      ];
      for (const key of bad) {
        await assert.rejects(store.put(key, Buffer.from('x')), BlobKeyError, key);
        await assert.rejects(store.get(key), BlobKeyError, key);
        await assert.rejects(store.getStream(key), BlobKeyError, key);
        await assert.rejects(store.head(key), BlobKeyError, key);
        await assert.rejects(store.delete(key), BlobKeyError, key);
      }
      await assert.rejects(collect(store.list('../')), BlobKeyError);
      await assert.rejects(collect(store.list('/abs')), BlobKeyError);
      const longest = `${'a'.repeat(200)}/${'b'.repeat(200)}/${'c'.repeat(110)}`;
      assert.equal(longest.length, 512);
      await store.put(longest, Buffer.from('long'));
      assert.equal((await store.get(longest)).toString(), 'long');
    });

    it('rejects an expectedSha256 mismatch and stores nothing', async () => {
      const wrong = sha256(Buffer.from('something else'));
      await assert.rejects(store.put('expect/new', Buffer.from('data'), { expectedSha256: wrong }), BlobIntegrityError);
      await assert.rejects(
        store.put('expect/new', chunked(randomBytes(200_000)), { expectedSha256: wrong }),
        BlobIntegrityError,
      );
      assert.equal(await store.head('expect/new'), undefined);
      assert.deepEqual(await collect(store.list('expect/')), []);

      await store.put('expect/old', Buffer.from('original'));
      await assert.rejects(
        store.put('expect/old', chunked(Buffer.from('replacement')), { expectedSha256: wrong }),
        BlobIntegrityError,
      );
      assert.equal((await store.get('expect/old')).toString(), 'original');

      const data = Buffer.from('matching');
      const put = await store.put('expect/ok', data, { expectedSha256: sha256(data).toUpperCase() });
      assert.equal(put.sha256, sha256(data));
      await assert.rejects(store.put('expect/bad-hash', data, { expectedSha256: 'xyz' }), TypeError);
    });

    it('stores nothing when the source stream fails', async () => {
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(100_000, 1);
        throw new Error('source broke');
      }
      await assert.rejects(store.put('broken/upload', failing()), /source broke/);
      assert.equal(await store.head('broken/upload'), undefined);
    });

    it('never shows a half-replaced object to concurrent readers', async () => {
      const versions = [randomBytes(50_000), randomBytes(80_000)];
      await store.put('race/key', versions[0] ?? Buffer.alloc(0));
      for (let i = 0; i < 20; i++) {
        const [, read] = await Promise.all([
          store.put('race/key', versions[(i + 1) % 2] ?? Buffer.alloc(0)),
          store.get('race/key'),
        ]);
        assert.ok(versions.some((v) => v.equals(read)));
      }
    });

    it('detects bytes changed behind its back', async () => {
      const data = randomBytes(100_000);
      await store.put('tamper/victim', data);
      await backend.tamper('tamper/victim');
      assert.equal((await store.head('tamper/victim'))?.sha256, sha256(data));
      await assert.rejects(store.get('tamper/victim'), BlobIntegrityError);
      await assert.rejects(async () => readAll(await store.getStream('tamper/victim')), BlobIntegrityError);
    });
  });
}

async function flipFirstByte(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { buffer } = await file.read(Buffer.alloc(1), 0, 1, 0);
    await file.write(Buffer.from([(buffer[0] ?? 0) ^ 0xff]), 0, 1, 0);
  } finally {
    await file.close();
  }
}

blobStoreScenario('fs blob store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mamori-fs-blobs-'));
  return {
    store: await createBlobStore({ kind: 'fs', dir }),
    async tamper(key) {
      const meta = JSON.parse(await readFile(join(dir, `${key}~meta.json`), 'utf8')) as { data: string };
      const slash = key.lastIndexOf('/');
      await flipFirstByte(join(dir, key.slice(0, slash + 1), meta.data));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

blobStoreScenario('s3 blob store (fauxqs on 127.0.0.1)', async () => {
  const app = buildApp({ logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const s3 = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket: 'mamori-blobs-test',
    accessKeyId: 'test',
    secretAccessKey: 'test',
    forcePathStyle: true,
  };
  const raw = new S3Client({ ...s3, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await raw.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  // Outside the store's prefix: must never show up in list().
  await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'list/a/outside', Body: 'x' }));
  const prefix = 'tenant-1/';
  return {
    store: await createBlobStore({ kind: 's3', ...s3, prefix }),
    async tamper(key) {
      const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: prefix + key }));
      const forged = randomBytes(head.ContentLength ?? 0);
      await raw.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: prefix + key, Body: forged, Metadata: head.Metadata }),
      );
    },
    async close() {
      raw.destroy();
      await app.close();
    },
  };
});

describe('fs blob store on disk', () => {
  it('uses modes 0700/0600 and leaves no temp or stale files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mamori-fs-blobs-'));
    try {
      const store = await createBlobStore({ kind: 'fs', dir });
      await store.put('m/n/o', Buffer.from('v1'));
      await store.put('m/n/o', chunked(Buffer.from('v2')));
      await assert.rejects(
        store.put('m/n/o', Buffer.from('v3'), { expectedSha256: '0'.repeat(64) }),
        BlobIntegrityError,
      );
      await store.put('m/n/p', Buffer.from('p'));
      await store.delete('m/n/p');
      assert.equal((await stat(join(dir, 'm'))).mode & 0o777, 0o700);
      assert.equal((await stat(join(dir, 'm', 'n'))).mode & 0o777, 0o700);
      const names = (await readdir(join(dir, 'm', 'n'))).sort();
      assert.equal(names.length, 2, names.join(', '));
      assert.equal(names[1], 'o~meta.json');
      assert.match(names[0] ?? '', /^o~[0-9a-f]{32}\.data$/);
      for (const name of names) assert.equal((await stat(join(dir, 'm', 'n', name))).mode & 0o777, 0o600);
      assert.equal((await store.get('m/n/o')).toString(), 'v2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ignores what a crash mid-put leaves behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mamori-fs-blobs-'));
    try {
      const store = await createBlobStore({ kind: 'fs', dir });
      await store.put('c/k', Buffer.from('old'));
      // A put that died after writing its data file and its metadata temp file, before the rename.
      await writeFile(join(dir, 'c', `k~${'ab'.repeat(16)}.data`), 'new', { mode: 0o600 });
      await writeFile(join(dir, 'c', `k~meta.json.${'ab'.repeat(16)}.tmp`), '{"partial":', { mode: 0o600 });
      assert.equal((await store.get('c/k')).toString(), 'old');
      assert.deepEqual(await collect(store.list('c/')), ['c/k']);
      await store.put('c/k', Buffer.from('newer'));
      assert.equal((await store.get('c/k')).toString(), 'newer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects metadata that points outside the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mamori-fs-blobs-'));
    try {
      const store = await createBlobStore({ kind: 'fs', dir });
      await store.put('k', Buffer.from('v'));
      const metaPath = join(dir, 'k~meta.json');
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
      await writeFile(metaPath, JSON.stringify({ ...meta, data: '../../etc/passwd' }));
      await assert.rejects(store.get('k'), BlobIntegrityError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
