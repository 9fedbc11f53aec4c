import { createRequire } from 'node:module';

/** The platform version from the server package. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
