import pkg from '../package.json' with { type: 'json' };

/** This agent's version, from its package.json (inlined by the bundler). */
export const AGENT_VERSION: string = pkg.version;
