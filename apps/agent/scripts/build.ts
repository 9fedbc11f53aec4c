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

/** Build-time constants: the planner worker and (Linux) the fanotify helper. */
async function embedded(): Promise<Record<string, string>> {
  const worker = gzipSync(await plannerWorkerSource(), { level: 9 }).toString('base64');
  const define: Record<string, string> = { __MAMORI_PLANNER_WORKER_GZ__: JSON.stringify(worker) };
  const helper = buildFanotifyHelper({ quiet: true });
  if (helper) {
    const data = readFileSync(helper);
    define.__MAMORI_FANOTIFY_GZ__ = JSON.stringify(gzipSync(data, { level: 9 }).toString('base64'));
    define.__MAMORI_FANOTIFY_SHA256__ = JSON.stringify(createHash('sha256').update(data).digest('hex'));
  } else console.warn('the bundle carries no fanotify helper (not Linux or no gcc): decoys use inotify/fs.watch');
  return define;
}

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
    define: await embedded(),
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
