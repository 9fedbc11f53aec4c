export { BEACON_VIEWER_NOTES } from './beacon-notes.ts';
export { shannonEntropy } from './entropy.ts';
export {
  type BeaconOptions,
  type DecoyRole,
  type ExistingEntry,
  MAX_DECOY_BYTES,
  type PlannedFile,
  type PlanOptions,
  planDecoys,
} from './plan.ts';
