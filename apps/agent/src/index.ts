// The agent's library surface, used by programs built on it (mamori-sensor).
export {
  type AgentModule,
  type AgentModuleContext,
  DEFAULT_MAX_BATCH,
  NotEnrolledError,
  type RunOptions,
  type RunResult,
  runAgent,
} from './agent.ts';
export { runCli } from './cli.ts';
export type { ServerClient } from './client.ts';
export { createLogger, type Logger } from './log.ts';
export { type NewEvent, Outbox } from './outbox.ts';
export { AGENT_PRODUCT, type Product } from './product.ts';
export { defaultStateDir, statePaths, writeFileAtomic } from './state.ts';
