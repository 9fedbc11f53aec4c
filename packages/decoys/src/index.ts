export { BEACON_VIEWER_NOTES } from './beacon-notes.ts';
export { shannonEntropy } from './entropy.ts';
export { toRomaji } from './names.ts';
export {
  type Facility as SyntheticFacility,
  makeFacility,
  makePatient,
  type Patient as SyntheticPatient,
} from './people.ts';
export {
  type BeaconOptions,
  type DecoyRole,
  type ExistingEntry,
  MAX_DECOY_BYTES,
  type PlannedFile,
  type PlanOptions,
  planDecoys,
} from './plan.ts';
export { createRng, type Rng } from './rng.ts';
