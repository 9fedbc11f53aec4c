import path from 'node:path';
import { DEFAULT_DECOY_ROOTS } from '@mamori/contracts';

/**
 * Roots under which decoys may be planted on this host: `MAMORI_AGENT_DECOY_ROOTS` (separated by the
 * platform's path delimiter, `:` on Linux, `;` on Windows) or, by default, the platform's list of
 * DEFAULT_DECOY_ROOTS (@mamori/contracts, shared with the server): /srv, /home, /mnt, /media, /data, /opt/share
 * (Linux) and C:\Users, C:\Share, D:\, E:\, F:\, network shares (Windows).
 */
export function defaultDecoyRoots(platform: NodeJS.Platform = process.platform, env = process.env): string[] {
  const delimiter = platform === 'win32' ? path.win32.delimiter : path.posix.delimiter;
  const fromEnv = env.MAMORI_AGENT_DECOY_ROOTS?.split(delimiter)
    .map((r) => r.trim())
    .filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  return platform === 'win32' ? [...DEFAULT_DECOY_ROOTS.windows] : [...DEFAULT_DECOY_ROOTS.posix];
}
