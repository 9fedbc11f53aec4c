import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AGENT_PRODUCT, productStateDir } from './product.ts';

/** `agent.json`: what enrolment established (written last, so its presence means "enrolled"). */
export const AgentConfigSchema = z.object({
  serverUrl: z.url(),
  agentId: z.uuid(),
  facilityId: z.uuid(),
  enrolledAt: z.string(),
  heartbeatSeconds: z.number().int().min(5).max(3600),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** Everything the agent needs to talk mutual TLS with the server. */
export interface Enrolment {
  config: AgentConfig;
  keyPem: string;
  certPem: string;
  caPem: string;
}

/** Paths of the files in a state directory. */
export function statePaths(dir: string) {
  return {
    config: path.join(dir, 'agent.json'),
    key: path.join(dir, 'agent.key'),
    cert: path.join(dir, 'agent.crt'),
    ca: path.join(dir, 'ca.crt'),
    outbox: path.join(dir, 'outbox'),
  };
}

/** The facility agent's default state directory (see `productStateDir`). */
export const defaultStateDir = (platform: NodeJS.Platform = process.platform, env = process.env): string =>
  productStateDir(AGENT_PRODUCT, platform, env);

/** Creates `dir` (and parents) and restricts it to its owner (0700; a no-op on Windows). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700);
}

/** Writes a file crash-safely: a temp file beside it, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
  opts: { syncDir?: boolean } = {},
): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (opts.syncDir !== false) await syncDir(path.dirname(file));
}

/** Flushes a directory entry change (rename, create) to disk; best-effort where directories cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Reads a file, or returns undefined if it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Loads `agent.json` from `dir`, or undefined when the agent is not enrolled. */
export async function loadConfig(dir: string): Promise<AgentConfig | undefined> {
  const text = await readIfExists(statePaths(dir).config);
  if (text === undefined) return undefined;
  const parsed = AgentConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${statePaths(dir).config} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Loads the enrolment (config, key, certificate, CA), or undefined when the agent is not enrolled. */
export async function loadEnrolment(dir: string): Promise<Enrolment | undefined> {
  const config = await loadConfig(dir);
  if (!config) return undefined;
  const p = statePaths(dir);
  const [keyPem, certPem, caPem] = await Promise.all([
    readFile(p.key, 'utf8'),
    readFile(p.cert, 'utf8'),
    readFile(p.ca, 'utf8'),
  ]);
  return { config, keyPem, certPem, caPem };
}

/** Stores an enrolment in `dir` (0700): key, certificate and CA first, `agent.json` last, each written atomically. */
export async function saveEnrolment(dir: string, e: Enrolment): Promise<void> {
  await ensurePrivateDir(dir);
  const p = statePaths(dir);
  await writeFileAtomic(p.key, e.keyPem, 0o600);
  await writeFileAtomic(p.cert, e.certPem, 0o644);
  await writeFileAtomic(p.ca, e.caPem, 0o644);
  await writeFileAtomic(p.config, `${JSON.stringify(e.config, null, 2)}\n`, 0o600);
}
