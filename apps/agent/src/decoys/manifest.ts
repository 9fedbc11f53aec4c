import { rename } from 'node:fs/promises';
import path from 'node:path';
import { AgentDecoyPolicySchema, DecoyKindSchema } from '@mamori/contracts';
import { z } from 'zod';
import { readIfExists, writeFileAtomic } from '../state.ts';

/** One decoy this agent created, with what it must still look like. */
export const DecoyRecordSchema = z.object({
  path: z.string(),
  directory: z.string(),
  policyId: z.string(),
  revision: z.string(),
  kind: DecoyKindSchema,
  sha256: z.string(),
  size: z.number(),
  entropy: z.number(),
  /** mtime set on the file (ms since the epoch). */
  mtimeMs: z.number(),
  mode: z.number(),
  /** `<dev>:<inode>` of the planted file (fanotify marks only this file; absent in manifests of older agents). */
  inode: z.string().optional(),
  beaconToken: z.string().nullable(),
  role: z.string(),
  plantedAt: z.string(),
  /** Set once a change was reported, so the same state is not reported again by every sweep. */
  compromised: z.object({ at: z.string(), change: z.string(), sha256: z.string().nullable() }).nullable().default(null),
});
export type DecoyRecord = z.infer<typeof DecoyRecordSchema>;

/** What the agent planted for one policy revision. */
export const PolicyRecordSchema = z.object({
  revision: z.string(),
  plantedAt: z.string(),
  /** Folders the agent created (deepest last); removed, when empty, with the decoys. */
  createdDirs: z.array(z.string()),
  problems: z.array(z.object({ directory: z.string(), message: z.string() })),
  /** The policy as last received (its response settings apply when the agent starts without the server). */
  policy: AgentDecoyPolicySchema.optional(),
  /** Set while planting (a restart removes what was recorded and plants again). */
  planting: z.boolean().optional(),
  /** Set while removing (a restart finishes the removal, without reporting the deletions). */
  removing: z.boolean().optional(),
});
export type PolicyRecord = z.infer<typeof PolicyRecordSchema>;

/** A file (or folder) planting is about to create, saved before it does: a restart removes it unless recorded. */
export const DecoyIntentSchema = z.object({
  path: z.string(),
  dir: z.boolean(),
  sha256: z.string(),
  size: z.number(),
  at: z.string(),
});
export type DecoyIntent = z.infer<typeof DecoyIntentSchema>;

/** The decoy runtime's persistent state, `<stateDir>/decoys.json`. */
export const DecoyManifestSchema = z.object({
  version: z.literal(1),
  policies: z.record(z.string(), PolicyRecordSchema),
  decoys: z.array(DecoyRecordSchema),
  /** What the planting in progress is about to create (empty between plantings). */
  intents: z.array(DecoyIntentSchema).default([]),
  verifiedAt: z.string().nullable(),
  isolation: z.object({
    isolated: z.boolean(),
    /** The last SOC request acted upon (null: isolated by a local decoy response or never). */
    requestId: z.string().nullable(),
    changedAt: z.string().nullable(),
  }),
});
export type DecoyManifest = z.infer<typeof DecoyManifestSchema>;

export const emptyManifest = (): DecoyManifest => ({
  version: 1,
  policies: {},
  decoys: [],
  intents: [],
  verifiedAt: null,
  isolation: { isolated: false, requestId: null, changedAt: null },
});

/** Path of the manifest file in a state directory. */
export const manifestPath = (stateDir: string) => path.join(stateDir, 'decoys.json');

/**
 * Loads the manifest; a missing file is an empty manifest, a corrupt one is moved aside
 * (`decoys.json.bad-<time>`) and replaced by an empty one, reported through `onCorrupt`.
 */
export async function loadManifest(stateDir: string, onCorrupt: (why: string) => void): Promise<DecoyManifest> {
  const file = manifestPath(stateDir);
  const text = await readIfExists(file);
  if (text === undefined) return emptyManifest();
  let why: string;
  try {
    const parsed = DecoyManifestSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    why = z.prettifyError(parsed.error);
  } catch (err) {
    why = (err as Error).message;
  }
  await rename(file, `${file}.bad-${Date.now()}`).catch(() => {});
  onCorrupt(why);
  return emptyManifest();
}

/** Saves the manifest crash-safely (temp file, fsync, rename). */
export async function saveManifest(stateDir: string, manifest: DecoyManifest): Promise<void> {
  await writeFileAtomic(manifestPath(stateDir), `${JSON.stringify(manifest)}\n`, 0o600);
}
