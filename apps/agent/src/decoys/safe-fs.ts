// File operations the agent does as root inside folders its users can write: never follow a symbolic link a user
// put there. On Linux every step goes through an open directory handle (`/proc/self/fd/<fd>/<name>` resolves like
// openat(2)), so a folder swapped for a link between two steps is refused (O_NOFOLLOW) instead of followed.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';

/** SHA-256 of bytes, lowercase hex (the agent's one helper for it). */
export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;
const viaProc = process.platform === 'linux';

/** Opens a directory without following a link in its last component. */
export function openDirNoFollow(dir: string): Promise<FileHandle> {
  return open(dir, constants.O_RDONLY | DIRECTORY | NOFOLLOW);
}

const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

/**
 * Opens a regular file for reading without following a link (ELOOP) and refuses anything else (EINVAL): a decoy a
 * user replaced by a link to /etc/shadow is not read as root.
 */
export async function openRegularNoFollow(file: string): Promise<FileHandle> {
  const fh = await open(file, constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  try {
    if (!(await fh.stat()).isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Reads at most `max` bytes of a regular file, never through a link. */
export async function readRegularNoFollow(file: string, max = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const fh = await openRegularNoFollow(file);
  try {
    if (max === Number.POSITIVE_INFINITY) return await fh.readFile();
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Creates `file` (which must lie under `top`, a real path) exclusively, creating the missing folders between them:
 * each created folder is reported to `onCreatedDir` and handed to `onDir` as a handle (chown it there), and no
 * link is followed on the way. Resolves with the handle of the new, empty file (write-only).
 */
export async function createExclusiveBeneath(
  top: string,
  file: string,
  mode: number,
  dirMode: number,
  onCreatedDir: (dir: string, handle: FileHandle) => Promise<void>,
): Promise<FileHandle> {
  const rel = path.relative(top, file);
  const parts = rel.split(path.sep);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..'))
    throw new Error(`${file} is not inside ${top}`);
  const create = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
  if (!viaProc) {
    // No /proc: by path (Windows, macOS). O_EXCL never follows a link in the last component.
    let current = top;
    for (const name of parts.slice(0, -1)) {
      current = path.join(current, name);
      const made = await mkdir(current, { mode: dirMode }).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
          return false;
        },
      );
      if (made) {
        const h = await openDirNoFollow(current).catch(() => undefined);
        if (h) await onCreatedDir(current, h).finally(() => h.close());
      }
    }
    return open(file, create, mode);
  }
  let dir = await openDirNoFollow(top);
  try {
    let current = top;
    for (const name of parts.slice(0, -1)) {
      current = path.join(current, name);
      const made = await mkdir(at(dir, name), { mode: dirMode }).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
          return false;
        },
      );
      const next = await open(at(dir, name), constants.O_RDONLY | DIRECTORY | NOFOLLOW);
      await dir.close();
      dir = next;
      if (made) await onCreatedDir(current, next);
    }
    return await open(at(dir, parts.at(-1)!), create, mode);
  } finally {
    await dir.close();
  }
}
