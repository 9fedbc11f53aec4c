// Builds the agent's native helper (Linux only): dist/native/mamori-fanotify from native/mamori-fanotify.c, with
// gcc, statically linked when the C library allows it (else dynamically against glibc). Called by the bundle build
// (scripts/build.ts, which embeds the binary) and by the decoy tests. Rebuilds only when the source is newer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const FANOTIFY_SOURCE = path.join(root, 'native', 'mamori-fanotify.c');
export const FANOTIFY_BINARY = path.join(root, 'dist', 'native', 'mamori-fanotify');

const mtime = (f: string) => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return -1;
  }
};

/**
 * Compiles the fanotify helper when needed; returns the binary's path, or null when this is not Linux or gcc is
 * missing (with `required`, throws instead).
 */
export function buildFanotifyHelper(opts: { required?: boolean; quiet?: boolean } = {}): string | null {
  if (process.platform !== 'linux') return null;
  if (mtime(FANOTIFY_BINARY) >= mtime(FANOTIFY_SOURCE) && mtime(FANOTIFY_BINARY) > 0) return FANOTIFY_BINARY;
  mkdirSync(path.dirname(FANOTIFY_BINARY), { recursive: true });
  const tmp = `${FANOTIFY_BINARY}.${process.pid}.tmp`;
  const common = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-s', '-o', tmp, FANOTIFY_SOURCE];
  const errors: string[] = [];
  for (const link of [['-static'], []]) {
    try {
      execFileSync('gcc', [...link, ...common, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
      renameSync(tmp, FANOTIFY_BINARY);
      if (!opts.quiet)
        console.log(`built ${path.relative(root, FANOTIFY_BINARY)} (${link.length ? 'static' : 'dynamic'})`);
      return FANOTIFY_BINARY;
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      errors.push(e.stderr?.toString() || e.message);
      rmSync(tmp, { force: true });
    }
  }
  if (opts.required) throw new Error(`could not build the fanotify helper:\n${errors.join('\n')}`);
  if (!opts.quiet) console.warn(`fanotify helper not built (gcc failed or missing): ${errors.at(-1)?.slice(0, 300)}`);
  return null;
}

if (import.meta.url === `file://${process.argv[1]}`) buildFanotifyHelper({ required: true });
