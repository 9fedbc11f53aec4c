// The agent's decoy runtime: planting, watching, detection, containment, isolation.

export { type IsolationCommands, isolationOverridePath, netshPreset, nftablesPreset } from './isolation.ts';
export { defaultDecoyRoots } from './roots.ts';
export { DecoyRuntime, type DecoyRuntimeOptions } from './runtime.ts';
export { findInotifywait } from './watch.ts';
