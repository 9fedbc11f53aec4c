// Bundles the agent into one ES module file: dist/mamori-agent.mjs (node24). The file carries, as strings, the
// decoy planner worker (src/decoys/planner-worker.ts with @mamori/decoys, gzip + base64, run in a worker thread
// only while planting) and, on Linux, the fanotify helper binary (native/mamori-fanotify.c, gzip + base64 with its SHA-256;
// written to <state dir>/bin at run time), so a facility still installs one file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { buildFanotifyHelper } from './build-native.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The planner worker as one CommonJS script (a worker started with `eval: true` runs it). */
async function plannerWorkerSource(): Promise<string> {
  const r = await build({
    absWorkingDir: root,
    entryPoints: ['src/decoys/planner-worker.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return r.outputFiles[0]!.text;
}

/**
 * The embedded files as one declaration put at the top of the bundle (`__MAMORI_EMBEDDED__`, read by
 * src/decoys/planner.ts and fanotify.ts): each blob appears once in the file however often the code refers to it.
 */
async function embedded(): Promise<string> {
  const blobs: Record<string, string> = {
    plannerGz: gzipSync(await plannerWorkerSource(), { level: 9 }).toString('base64'),
  };
  const helper = buildFanotifyHelper({ quiet: true });
  if (helper) {
    const data = readFileSync(helper);
    blobs.fanotifyGz = gzipSync(data, { level: 9 }).toString('base64');
    blobs.fanotifySha256 = createHash('sha256').update(data).digest('hex');
  } else console.warn('the bundle carries no fanotify helper (not Linux or no gcc): decoys use inotify/fs.watch');
  return `var __MAMORI_EMBEDDED__ = ${JSON.stringify(blobs)};`;
}

/**
 * Bundles `src/main.ts` (or `entry`, e.g. a benchmark's) as ESM (default) or CommonJS (for the single executable) to
 * `outfile` (paths relative to apps/agent).
 */
export async function bundle(
  outfile: string,
  format: 'esm' | 'cjs' = 'esm',
  entry = 'src/main.ts',
  external: string[] = [],
): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    external,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format,
    // CommonJS dependencies (pino, commander) call require(); give the ES module one.
    banner: {
      js:
        (format === 'esm'
          ? "import { createRequire as __mamoriCreateRequire } from 'node:module';\nconst require = __mamoriCreateRequire(import.meta.url);\n"
          : '') + (await embedded()),
    },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  await chmod(path.resolve(root, outfile), 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundle('dist/mamori-agent.mjs');
  console.log('built dist/mamori-agent.mjs');
}
