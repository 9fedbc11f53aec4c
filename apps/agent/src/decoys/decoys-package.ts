// Loads @mamori/decoys in the calling thread (the planner worker; benchmarks). The agent itself never imports it:
// see workerPlanner() in planner.ts.
import type { EntropyFn, Planner } from './planner.ts';

/** The real planner and entropy function from @mamori/decoys. */
export async function loadDecoysPackage(): Promise<{ planDecoys: Planner; shannonEntropy: EntropyFn }> {
  const mod = (await import('@mamori/decoys')) as Record<string, unknown>;
  if (typeof mod.planDecoys !== 'function' || typeof mod.shannonEntropy !== 'function')
    throw new Error('@mamori/decoys does not export planDecoys and shannonEntropy');
  return { planDecoys: mod.planDecoys as Planner, shannonEntropy: mod.shannonEntropy as EntropyFn };
}
