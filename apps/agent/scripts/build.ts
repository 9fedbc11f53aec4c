// Bundles the agent into one ES module file: dist/mamori-agent.mjs (node24).
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `src/main.ts` as ESM (default) or CommonJS (for the single executable) to `outfile` (relative to apps/agent). */
export async function bundle(outfile: string, format: 'esm' | 'cjs' = 'esm'): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format,
    // CommonJS dependencies (pino, commander) call require(); give the ES module one.
    banner:
      format === 'esm'
        ? {
            js: "import { createRequire as __mamoriCreateRequire } from 'node:module';\nconst require = __mamoriCreateRequire(import.meta.url);",
          }
        : {},
    legalComments: 'eof',
    logLevel: 'warning',
  });
  await chmod(path.resolve(root, outfile), 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundle('dist/mamori-agent.mjs');
  console.log('built dist/mamori-agent.mjs');
}
