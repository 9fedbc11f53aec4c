// The decoy planner lives in @mamori/decoys; these types mirror its API so the runtime can take a stand-in in tests.
import type { DecoyKind } from '@mamori/contracts';

/** An entry already in a directory (the planner imitates names, sizes and dates). */
export interface ExistingEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/** How the planner embeds beacons. */
export interface BeaconOptions {
  baseUrl: string | null;
  dnsZone: string | null;
  newToken: () => string;
}

/** What to plan for one directory. */
export interface PlanOptions {
  seed: string;
  directory: string;
  count: number;
  kinds: readonly DecoyKind[];
  existing: readonly ExistingEntry[];
  beacon?: BeaconOptions;
  now?: Date;
}

/** One decoy file to write. */
export interface PlannedFile {
  relativePath: string;
  kind: DecoyKind;
  data: Uint8Array;
  mtime: Date;
  beaconToken: string | null;
  role: 'first' | 'last' | 'largest' | 'smallest' | 'newest' | 'oldest' | 'spread';
}

export type Planner = (opts: PlanOptions) => Promise<PlannedFile[]>;

/** Shannon entropy in bits per byte (0 to 8); encrypted or compressed data is close to 8. */
export type EntropyFn = (data: Uint8Array) => number;

/** The real planner and entropy function from @mamori/decoys. */
export async function loadDecoysPackage(): Promise<{ planDecoys: Planner; shannonEntropy: EntropyFn }> {
  const mod = (await import('@mamori/decoys')) as Record<string, unknown>;
  if (typeof mod.planDecoys !== 'function' || typeof mod.shannonEntropy !== 'function')
    throw new Error('@mamori/decoys does not export planDecoys and shannonEntropy');
  return { planDecoys: mod.planDecoys as Planner, shannonEntropy: mod.shannonEntropy as EntropyFn };
}
