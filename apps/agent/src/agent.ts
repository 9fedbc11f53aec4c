import { X509Certificate } from 'node:crypto';
import { type AgentPolicy, type DecoyInventoryReport, type HostFacts, MAX_EVENT_BATCH } from '@mamori/contracts';
import { Backoff, type BackoffOptions, delay } from './backoff.ts';
import { createServerClient, type ServerClient } from './client.ts';
import { DecoyRuntime, type DecoyRuntimeOptions } from './decoys/index.ts';
import { hostFacts } from './host.ts';
import type { Logger } from './log.ts';
import { type NewEvent, Outbox } from './outbox.ts';
import { drainOutbox, RevokedError, raiseIfRevoked } from './sender.ts';
import { type AgentConfig, loadEnrolment, statePaths } from './state.ts';
import { AGENT_VERSION } from './version.ts';

/** Batch size used until the first heartbeat tells the server's limit. */
export const DEFAULT_MAX_BATCH = 100;
const RENEW_WARN_DAYS = 30;

/** Thrown by `runAgent` when the state directory holds no usable enrolment. */
export class NotEnrolledError extends Error {
  override name = 'NotEnrolledError';
}

/** What a module gets when the agent starts it. */
export interface AgentModuleContext {
  config: AgentConfig;
  client: ServerClient;
  /** Queues an event durably (delivered with retries and an idempotent id). */
  emit(event: NewEvent): Promise<void>;
  /** Queues several events with one directory sync (for modules producing many per second). */
  emitMany(events: NewEvent[]): Promise<void>;
  logger: Logger;
  stateDir: string;
  signal: AbortSignal;
}

/**
 * A feature that runs inside the agent loop (the sensor's personas, for instance): started once,
 * handed the policy after every heartbeat, stopped when the agent stops. `apply` calls never overlap.
 */
export interface AgentModule {
  name: string;
  start(ctx: AgentModuleContext): Promise<void>;
  apply(policy: AgentPolicy): Promise<void>;
  stop(): Promise<void>;
}

/** Options of the foreground agent loop. */
export interface RunOptions {
  dir: string;
  logger: Logger;
  /** Stops the agent cleanly when aborted (SIGINT/SIGTERM in the CLI). */
  signal: AbortSignal;
  backoff?: BackoffOptions;
  /** How often to look for events queued by other processes (default 1 s). */
  pollMs?: number;
  /** Decoy runtime options (tests); `false` turns decoys off. */
  decoys?: false | Partial<Omit<DecoyRuntimeOptions, 'stateDir' | 'logger' | 'emit' | 'report'>>;
  /** Which program runs (reported on every heartbeat; default the facility agent). */
  product?: HostFacts['product'];
  /** Further modules, e.g. the sensor's listeners. */
  modules?: AgentModule[];
}

/** How the loop ended: stopped by the signal, or refused by the server (exit non-zero). */
export type RunResult = 'stopped' | 'revoked';

/** Runs the agent until `signal` aborts or the server refuses it: heartbeats at the policy interval and sends the outbox. */
export async function runAgent(opts: RunOptions): Promise<RunResult> {
  const { dir, logger: log } = opts;
  const enrolment = await loadEnrolment(dir).catch((err: Error) => {
    throw new NotEnrolledError(
      `cannot load the enrolment from ${dir}: ${err.message}; re-enrol with mamori-agent enroll --force`,
    );
  });
  if (!enrolment)
    throw new NotEnrolledError(
      `this agent is not enrolled (no ${statePaths(dir).config}); run mamori-agent enroll first`,
    );
  const { config } = enrolment;
  warnIfCertificateEnds(enrolment.certPem, log);

  const client = createServerClient(enrolment);
  const outbox = new Outbox(statePaths(dir).outbox, { logger: log });
  let policy: AgentPolicy = {
    heartbeatSeconds: config.heartbeatSeconds,
    maxBatch: DEFAULT_MAX_BATCH,
    decoys: [],
    isolation: null,
    sensor: null,
  };
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  let revoked: RevokedError | undefined;
  const guard = (loop: () => Promise<void>) =>
    loop().catch((err: unknown) => {
      stop.abort();
      if (err instanceof RevokedError) revoked = err;
      else throw err;
    });

  // Decoys: planted, watched and contained locally; the policy arrives with every heartbeat.
  let inventoryDirty = false;
  const sendInventory = async (report: DecoyInventoryReport) => {
    try {
      await client.reportDecoys(report, signal);
      inventoryDirty = false;
    } catch (err) {
      raiseIfRevoked(err);
      inventoryDirty = true; // sent again after the next successful heartbeat
      log.warn({ err: (err as Error).message }, 'could not send the decoy inventory; will retry');
    }
  };
  const decoys =
    opts.decoys === false
      ? undefined
      : new DecoyRuntime({
          stateDir: dir,
          logger: log,
          serverUrl: config.serverUrl,
          emit: async (e) => {
            await outbox.enqueue(e);
          },
          report: sendInventory,
          ...opts.decoys,
        });
  // Decoys already planted are watched at once, with the last policies, even while the server is unreachable.
  let applying: Promise<void> = decoys
    ? decoys
        .start()
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not start watching the decoys'))
    : Promise.resolve();
  const modules = opts.modules ?? [];
  for (const m of modules) {
    const ctx: AgentModuleContext = {
      config,
      client,
      emit: async (e: NewEvent) => void (await outbox.enqueue(e)),
      emitMany: async (es: NewEvent[]) => void (await outbox.enqueueMany(es)),
      logger: log,
      stateDir: dir,
      signal,
    };
    applying = applying.then(() =>
      m
        .start(ctx)
        .catch((err: unknown) =>
          log.error({ err: (err as Error).message, module: m.name }, 'could not start a module'),
        ),
    );
  }
  const applyPolicy = (p: AgentPolicy) => {
    // Planting can take a while; heartbeats go on meanwhile, and policies apply one after another.
    if (decoys)
      applying = applying
        .then(async () => {
          await decoys.apply(p.decoys);
          await decoys.setIsolation(p.isolation);
          if (inventoryDirty) await sendInventory(decoys.inventory());
        })
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not apply the decoy policy'));
    for (const m of modules)
      applying = applying
        .then(() => m.apply(p))
        .catch((err: unknown) =>
          log.error({ err: (err as Error).message, module: m.name }, 'could not apply the policy'),
        );
  };

  // Deliveries wait for the first heartbeat attempt, so they use the server's batch size when it is reachable.
  let firstHeartbeatDone: () => void = () => {};
  const firstHeartbeat = new Promise<void>((resolve) => {
    firstHeartbeatDone = resolve;
  });

  const heartbeats = async () => {
    const backoff = new Backoff(opts.backoff);
    let connected = false;
    try {
      while (!signal.aborted) {
        try {
          const res = await client.heartbeat(hostFacts(opts.product), signal);
          policy = { ...res.policy, maxBatch: Math.max(1, Math.min(MAX_EVENT_BATCH, res.policy.maxBatch)) };
          firstHeartbeatDone();
          backoff.reset();
          if (!connected) log.info({ heartbeatSeconds: policy.heartbeatSeconds }, 'connected to the server');
          connected = true;
          applyPolicy(policy);
          // ±10 % jitter keeps a fleet that (re)started together from heartbeating in lock-step.
          await delay(policy.heartbeatSeconds * 1000 * (0.9 + Math.random() * 0.2), signal);
        } catch (err) {
          if (signal.aborted) break;
          raiseIfRevoked(err);
          firstHeartbeatDone();
          connected = false;
          const wait = backoff.next();
          log.warn({ err: (err as Error).message, retryInMs: wait }, 'heartbeat failed; will retry');
          await delay(wait, signal);
        }
      }
    } finally {
      firstHeartbeatDone();
    }
  };

  const deliveries = async () => {
    await firstHeartbeat; // learn the policy (batch size) first when the server is reachable
    while (!signal.aborted) {
      await drainOutbox({
        outbox,
        client,
        logger: log,
        maxBatch: () => policy.maxBatch,
        backoff: opts.backoff,
        signal,
      });
      await outbox.waitForEvents(opts.pollMs ?? 1000, signal);
    }
  };

  log.info({ version: AGENT_VERSION, agentId: config.agentId, server: config.serverUrl, dir }, 'agent started');
  const results = await Promise.allSettled([guard(heartbeats), guard(deliveries)]);
  await applying;
  await decoys?.stop();
  for (const m of modules)
    await m
      .stop()
      .catch((err: unknown) => log.error({ err: (err as Error).message, module: m.name }, 'could not stop a module'));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  if (revoked) {
    log.error({ status: revoked.status }, revoked.message);
    return 'revoked';
  }
  log.info('agent stopped');
  return 'stopped';
}

function warnIfCertificateEnds(certPem: string, log: Logger): void {
  const notAfter = new X509Certificate(certPem).validToDate;
  const days = (notAfter.getTime() - Date.now()) / 86_400_000;
  if (days < 0) log.error({ notAfter }, 'the agent certificate has expired; re-enrol with mamori-agent enroll --force');
  else if (days < RENEW_WARN_DAYS) log.warn({ notAfter }, 'the agent certificate expires soon');
}
