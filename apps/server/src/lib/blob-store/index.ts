import type { BlobStore } from './blob-store.ts';
import { createFsBlobStore } from './fs-blob-store.ts';
import { createS3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';

export {
  type BlobData,
  type BlobInfo,
  BlobIntegrityError,
  BlobKeyError,
  BlobNotFoundError,
  type BlobPutOptions,
  type BlobPutResult,
  type BlobStore,
  validateBlobKey,
} from './blob-store.ts';
export { createFsBlobStore } from './fs-blob-store.ts';
export { createS3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';

/** Which back-end `createBlobStore` builds, with its settings. */
export type BlobStoreConfig = { kind: 'fs'; dir: string } | ({ kind: 's3' } & S3BlobStoreOptions);

/** Creates the blob store described by `config`. */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config.kind) {
    case 'fs':
      return createFsBlobStore(config.dir);
    case 's3': {
      const { kind: _kind, ...s3 } = config;
      return createS3BlobStore(s3);
    }
    default:
      throw new Error(`unknown blob store kind: ${String((config as { kind?: unknown }).kind)}`);
  }
}
