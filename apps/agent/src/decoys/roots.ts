import path from 'node:path';

const POSIX_ROOTS = ['/srv', '/home', '/mnt', '/media', '/data', '/opt/share'];
const WINDOWS_ROOTS = ['C:\\Users', 'D:\\', 'E:\\', '\\\\'];

/**
 * Roots under which decoys may be planted on this host: `MAMORI_AGENT_DECOY_ROOTS` (separated by the
 * platform's path delimiter, `:` on Linux, `;` on Windows) or, by default, the usual places of shared
 * folders: /srv, /home, /mnt, /media, /data, /opt/share (Linux) and C:\Users, D:\, E:\, network shares (Windows).
 */
export function defaultDecoyRoots(platform: NodeJS.Platform = process.platform, env = process.env): string[] {
  const delimiter = platform === 'win32' ? path.win32.delimiter : path.posix.delimiter;
  const fromEnv = env.MAMORI_AGENT_DECOY_ROOTS?.split(delimiter)
    .map((r) => r.trim())
    .filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  return platform === 'win32' ? [...WINDOWS_ROOTS] : [...POSIX_ROOTS];
}
