// One implementation, shared with the agent's main bundle (which must not load the generators): see @mamori/contracts.
export { shannonEntropy } from '@mamori/contracts';
