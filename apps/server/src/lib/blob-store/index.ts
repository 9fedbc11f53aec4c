import type { BlobStore } from './blob-store.ts';
import { createFsBlobStore } from './fs-blob-store.ts';
import type { S3BlobStoreOptions } from './s3-blob-store.ts';

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
export type { S3BlobStoreOptions } from './s3-blob-store.ts';

/** Which back-end `createBlobStore` builds, with its settings. */
export type BlobStoreConfig = { kind: 'fs'; dir: string } | ({ kind: 's3' } & S3BlobStoreOptions);

/** Creates the blob store described by `config` (the S3 SDK is loaded only when S3 is chosen). */
export async function createBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  switch (config.kind) {
    case 'fs':
      return createFsBlobStore(config.dir);
    case 's3': {
      const { kind: _kind, ...s3 } = config;
      const { createS3BlobStore } = await import('./s3-blob-store.ts');
      return createS3BlobStore(s3);
    }
    default:
      throw new Error(`unknown blob store kind: ${String((config as { kind?: unknown }).kind)}`);
  }
}
