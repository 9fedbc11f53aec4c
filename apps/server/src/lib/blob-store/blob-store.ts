import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';

/** Bytes accepted by `BlobStore.put`. */
export type BlobData = Buffer | AsyncIterable<Buffer> | NodeJS.ReadableStream;

/** Options for `BlobStore.put`. */
export type BlobPutOptions = { contentType?: string; expectedSha256?: string };

/** What `BlobStore.put` stored: the key, byte length and lowercase hex SHA-256. */
export type BlobPutResult = { key: string; size: number; sha256: string };

/** Metadata recorded for a stored blob. */
export type BlobInfo = { size: number; sha256: string; contentType: string };

/**
 * A keyed store of binary objects whose SHA-256 is recorded at `put` and checked on every read.
 *
 * - `put` replaces any object under the key atomically; if `expectedSha256` is given and does not
 *   match, it throws `BlobIntegrityError` and leaves the store unchanged.
 * - `get` and `getStream` throw `BlobNotFoundError` when the key is absent and `BlobIntegrityError`
 *   when the bytes no longer match the recorded hash. `getStream` can only tell at the end: it
 *   emits an error instead of 'end', so treat streamed bytes as untrusted until the stream ends.
 * - `head` returns the recorded metadata without reading the bytes, or undefined when absent.
 * - `delete` is idempotent; `list` yields the keys starting with `prefix`, sorted.
 * - Every key is validated with `validateBlobKey` (`BlobKeyError` when bad).
 */
export type BlobStore = {
  put(key: string, data: BlobData, opts?: BlobPutOptions): Promise<BlobPutResult>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  head(key: string): Promise<BlobInfo | undefined>;
  delete(key: string): Promise<void>;
  list(prefix?: string): AsyncIterable<string>;
};

const shown = (key: string): string => JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);

/** Thrown when a key (or list prefix) is not acceptable. */
export class BlobKeyError extends Error {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`invalid blob key ${shown(key)}: ${reason}`);
    this.name = 'BlobKeyError';
    this.key = key;
  }
}

/** Thrown when no blob is stored under a key. */
export class BlobNotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`blob not found: ${shown(key)}`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/** Thrown when stored or supplied bytes do not match the expected SHA-256 (or recorded size). */
export class BlobIntegrityError extends Error {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`blob integrity check failed for ${shown(key)}: ${reason}`);
    this.name = 'BlobIntegrityError';
    this.key = key;
  }
}

/** Longest accepted key, in characters. */
export const MAX_KEY_LENGTH = 512;
// Each segment becomes a file name on the fs back-end (plus a ~40-character suffix), and most
// file systems cap names at 255 bytes; the rule is shared so keys stay portable between back-ends.
const MAX_SEGMENT_LENGTH = 200;
const KEY_CHARS = /^[A-Za-z0-9._/-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function checkCommon(key: string, subject: string): void {
  if (typeof key !== 'string') throw new BlobKeyError(String(key), `${subject} must be a string`);
  if (key.length > MAX_KEY_LENGTH) throw new BlobKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (!KEY_CHARS.test(key)) throw new BlobKeyError(key, 'only A-Z a-z 0-9 . _ / - are allowed');
  if (key.includes('..')) throw new BlobKeyError(key, '".." is not allowed');
  if (key.startsWith('/')) throw new BlobKeyError(key, 'must not start with "/"');
  if (key.includes('//')) throw new BlobKeyError(key, 'empty path segment');
  for (const segment of key.split('/')) {
    if (segment === '.') throw new BlobKeyError(key, '"." segment is not allowed');
    if (segment.length > MAX_SEGMENT_LENGTH) throw new BlobKeyError(key, `segment longer than ${MAX_SEGMENT_LENGTH}`);
  }
}

/**
 * Throws `BlobKeyError` unless `key` is 1–512 characters of `[A-Za-z0-9._/-]` with no "..",
 * no leading "/", no empty or "." segment, no trailing "/" and no segment over 200 characters.
 */
export function validateBlobKey(key: string): void {
  checkCommon(key, 'key');
  if (key === '') throw new BlobKeyError(key, 'must not be empty');
  if (key.endsWith('/')) throw new BlobKeyError(key, 'must not end with "/"');
}

/** Throws `BlobKeyError` unless `prefix` is empty or could begin a valid key (it may end with "/"). */
export function validateBlobPrefix(prefix: string): void {
  checkCommon(prefix, 'prefix');
}

/** Returns `sha256` as lowercase hex, or throws `TypeError` if it is not a 64-digit hex string. */
export function normalizeSha256(sha256: string): string {
  const lower = typeof sha256 === 'string' ? sha256.toLowerCase() : '';
  if (!SHA256_HEX.test(lower)) throw new TypeError('expectedSha256 must be 64 hexadecimal digits');
  return lower;
}

/** True when `value` is a lowercase 64-digit hex string. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** Yields the bytes of any `BlobData` as Buffers (strings in a stream are rejected). */
export async function* blobChunks(data: BlobData): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(data)) {
    yield data;
    return;
  }
  for await (const chunk of data as AsyncIterable<unknown>) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError('blob data must be bytes (Buffer/Uint8Array chunks), not strings or objects');
  }
}

/** Writes all of `data` to `file` while hashing it, and returns its size and SHA-256. */
export async function writeHashed(data: BlobData, file: FileHandle): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of blobChunks(data)) {
    hash.update(chunk);
    size += chunk.length;
    for (let off = 0; off < chunk.length; ) off += (await file.write(chunk, off)).bytesWritten;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Throws `BlobIntegrityError` if `expected` is set and differs from `actual`. */
export function checkExpected(key: string, expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new BlobIntegrityError(key, `expected sha256 ${expected}, got ${actual}`);
  }
}

/**
 * A pass-through stream that hashes what flows through and, at the end, fails with
 * `BlobIntegrityError` instead of ending if the size or SHA-256 differs from the record.
 */
export function createVerifier(key: string, expected: { size: number; sha256: string }): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      const sha256 = hash.digest('hex');
      if (size !== expected.size) callback(new BlobIntegrityError(key, `size ${size} != recorded ${expected.size}`));
      else if (sha256 !== expected.sha256)
        callback(new BlobIntegrityError(key, `sha256 ${sha256} != recorded ${expected.sha256}`));
      else callback();
    },
  });
}

/** Reads a stream to the end into one Buffer (rejecting with the stream's error). */
export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Content type recorded when `put` is given none. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
