import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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

/** Connection settings for an S3 (or S3-compatible) bucket; `prefix` is prepended to every key. */
export type S3BlobStoreOptions = {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  prefix?: string;
};

const isNotFound = (err: unknown): boolean => {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
};

/**
 * Creates a blob store on an S3 bucket; the SHA-256 is kept in the object's `x-amz-meta-sha256`.
 *
 * The hash must be known when the upload starts (metadata is sent first) and `put` must store
 * nothing on an `expectedSha256` mismatch, so streamed input is first spooled to a private temp
 * file (0600, in a 0700 directory under the OS temp dir) while hashing, then uploaded; uploads
 * larger than 5 MiB go through multipart upload, which S3 makes visible only once complete.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { bucket, prefix = '' } = options;
  validateBlobPrefix(prefix);
  const client = new S3Client({
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
  });

  async function upload(key: string, body: Buffer | Readable, sha256: string, contentType: string): Promise<void> {
    await new Upload({
      client,
      params: { Bucket: bucket, Key: prefix + key, Body: body, ContentType: contentType, Metadata: { sha256 } },
    }).done();
  }

  const recordedSha = (key: string, metadata: Record<string, string> | undefined): string => {
    const sha256 = metadata?.sha256;
    if (!isSha256Hex(sha256)) throw new BlobIntegrityError(key, 'object has no valid x-amz-meta-sha256');
    return sha256;
  };

  async function openStream(key: string): Promise<Readable> {
    validateBlobKey(key);
    let response: GetObjectCommandOutput;
    try {
      response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error('unexpected S3 response body type');
    let sha256: string;
    try {
      sha256 = recordedSha(key, response.Metadata);
    } catch (err) {
      body.destroy();
      throw err;
    }
    return pipeline(body, createVerifier(key, { sha256, size: response.ContentLength ?? -1 }), () => {});
  }

  return {
    async put(key: string, data: BlobData, opts: BlobPutOptions = {}): Promise<BlobPutResult> {
      validateBlobKey(key);
      const expected = opts.expectedSha256 === undefined ? undefined : normalizeSha256(opts.expectedSha256);
      const contentType = opts.contentType ?? DEFAULT_CONTENT_TYPE;
      if (Buffer.isBuffer(data)) {
        const sha256 = createHash('sha256').update(data).digest('hex');
        checkExpected(key, expected, sha256);
        await upload(key, data, sha256, contentType);
        return { key, size: data.length, sha256 };
      }
      const spoolDir = await mkdtemp(join(tmpdir(), 'mamori-blob-'));
      try {
        const spoolPath = join(spoolDir, 'data');
        const file = await open(spoolPath, 'wx', 0o600);
        let written: { size: number; sha256: string };
        try {
          written = await writeHashed(data, file);
        } finally {
          await file.close();
        }
        checkExpected(key, expected, written.sha256);
        await upload(key, createReadStream(spoolPath), written.sha256, contentType);
        return { key, ...written };
      } finally {
        await rm(spoolDir, { recursive: true, force: true });
      }
    },

    async get(key: string): Promise<Buffer> {
      return readAll(await openStream(key));
    },

    getStream: openStream,

    async head(key: string): Promise<BlobInfo | undefined> {
      validateBlobKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return {
          size: res.ContentLength ?? 0,
          sha256: recordedSha(key, res.Metadata),
          contentType: res.ContentType ?? DEFAULT_CONTENT_TYPE,
        };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    async delete(key: string): Promise<void> {
      validateBlobKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }));
    },

    async *list(listPrefix = ''): AsyncIterable<string> {
      validateBlobPrefix(listPrefix);
      const pages = paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix + listPrefix });
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(prefix.length);
          // Objects written by other tools may have keys this store would reject; skip them.
          if (key !== undefined && isValidKey(key)) yield key;
        }
      }
    },
  };
}

function isValidKey(key: string): boolean {
  try {
    validateBlobKey(key);
    return true;
  } catch {
    return false;
  }
}
