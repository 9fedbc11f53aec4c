import type { AgentModule, AgentModuleContext } from '@mamori/agent';
import {
  type AgentPolicy,
  type AgentSensorPolicy,
  type PersonaKind,
  SensorStatusAckSchema,
  type SensorStatusReport,
} from '@mamori/contracts';
import { createIdentity, type SensorIdentity } from './core/identity.ts';
import { SensorListeners } from './core/listeners.ts';
import type { PersonaFactory } from './core/persona.ts';
import { Recorder } from './core/recorder.ts';

/** Weak pairs the fake services accept when the policy names none: the sensor picks three by its seed. */
const WEAK_LOGINS: readonly [string, string][] = [
  ['root', '123456'],
  ['admin', 'admin'],
  ['admin', 'password'],
  ['root', 'root123'],
  ['user', 'user'],
  ['admin', '1234'],
  ['test', 'test'],
  ['administrator', 'P@ssw0rd'],
  ['pi', 'raspberry'],
  ['support', 'support'],
];

/** Picks the logins the fake services accept: the policy's, or three seeded weak pairs. */
export function acceptedLogins(policy: AgentSensorPolicy, identity: SensorIdentity): (u: string, p: string) => boolean {
  const pairs: [string, string][] = policy.acceptedLogins.length
    ? policy.acceptedLogins.map((c) => [c.username, c.password])
    : identity.rng('accepted-logins').shuffle(WEAK_LOGINS).slice(0, 3);
  const set = new Set(pairs.map(([u, p]) => `${u}\u0000${p}`));
  return (u, p) => set.has(`${u}\u0000${p}`);
}

interface Running {
  kind: PersonaKind;
  seed: string;
  key: string;
}

/**
 * The sensor as an agent module: applies the `sensor` section of each heartbeat's policy by
 * starting, keeping or stopping persona listeners, records every interaction through the agent's
 * outbox, and reports which ports listen (and which could not, with the reason) to the server.
 */
export class SensorRuntime implements AgentModule {
  readonly name = 'sensor';
  #ctx: AgentModuleContext | undefined;
  #recorder: Recorder | undefined;
  #listeners: SensorListeners | undefined;
  #running = new Map<number, Running>();
  #revision = -1;
  #bind = '';
  #reported = '';
  readonly #registry: Partial<Record<PersonaKind, PersonaFactory>>;

  constructor(registry: Partial<Record<PersonaKind, PersonaFactory>>) {
    this.#registry = registry;
  }

  async start(ctx: AgentModuleContext): Promise<void> {
    this.#ctx = ctx;
    this.#recorder = new Recorder({ agentId: ctx.config.agentId, write: ctx.emitMany, log: ctx.logger });
  }

  /** Listening ports now (tests, status). */
  listening(): { kind: PersonaKind; port: number }[] {
    return this.#listeners?.listening() ?? [];
  }

  async apply(policy: AgentPolicy): Promise<void> {
    const ctx = this.#ctx;
    const recorder = this.#recorder;
    if (!ctx || !recorder) return;
    const p = policy.sensor;
    if (!p) {
      if (this.#listeners) {
        ctx.logger.info('no sensor configuration from the server: listeners stopped');
        await this.#stopAll();
      }
      return;
    }
    const problems: SensorStatusReport['problems'] = [];
    if (p.revision !== this.#revision || this.#bind !== p.bind) {
      if (this.#bind !== p.bind) await this.#stopAll();
      this.#bind = p.bind;
      this.#listeners ??= new SensorListeners(p.bind, p.limits, recorder.record, ctx.logger);
      this.#listeners.limits = p.limits;
      const identity = createIdentity(p.seed, ctx.stateDir);
      const accepts = acceptedLogins(p, identity);
      const wanted = new Map(p.personas.filter((x) => x.enabled).map((x) => [x.port, x.kind]));
      const loginsKey = JSON.stringify(p.acceptedLogins);
      for (const [port, r] of this.#running) {
        if (wanted.get(port) !== r.kind || r.seed !== p.seed || r.key !== loginsKey) {
          await this.#listeners.remove(port);
          this.#running.delete(port);
        }
      }
      for (const [port, kind] of wanted) {
        if (this.#running.has(port)) continue;
        const factory = this.#registry[kind];
        if (!factory) {
          problems.push({ port, message: `persona ${kind} is not available in this sensor version` });
          continue;
        }
        try {
          const handler = await factory({
            kind,
            port,
            identity,
            limits: p.limits,
            accepts,
            rng: identity.rng(`persona:${kind}`),
            log: ctx.logger,
          });
          await this.#listeners.add({ kind, port, handler });
          this.#running.set(port, { kind, seed: p.seed, key: loginsKey });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          const message =
            e.code === 'EADDRINUSE'
              ? `port ${port} is already in use on ${p.bind}`
              : e.code === 'EACCES'
                ? `no permission to listen on port ${port} (ports below 1024 need CAP_NET_BIND_SERVICE)`
                : e.code === 'EADDRNOTAVAIL'
                  ? `${p.bind} is not an address of this host`
                  : e.message;
          problems.push({ port, message });
          ctx.logger.warn({ port, kind, err: message }, 'could not start a persona');
        }
      }
      this.#revision = p.revision;
      this.#problems = problems;
      ctx.logger.info({ revision: p.revision, listening: this.listening() }, 'sensor configuration applied');
    }
    await this.#report();
  }

  #problems: SensorStatusReport['problems'] = [];

  /** Tells the server what listens (again after a failure, and whenever it changed). */
  async #report(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx) return;
    const report: SensorStatusReport = {
      revision: this.#revision,
      listening: this.listening(),
      problems: this.#problems,
    };
    const key = JSON.stringify(report);
    if (key === this.#reported) return;
    try {
      await ctx.client.call('api/agent/sensor/status', report, SensorStatusAckSchema, ctx.signal);
      this.#reported = key;
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, 'could not report the sensor status; will retry');
    }
  }

  async #stopAll(): Promise<void> {
    await this.#listeners?.close();
    this.#listeners = undefined;
    this.#running.clear();
    this.#revision = -1;
    await this.#recorder?.flush();
  }

  async stop(): Promise<void> {
    await this.#stopAll();
  }
}
