import type { Socket } from 'node:net';
import type { InteractionKind, PersonaKind, SensorLimits } from '@mamori/contracts';
import type { Rng } from '@mamori/decoys';
import type { Logger } from 'pino';
import type { SensorIdentity } from './identity.ts';

/** Fields of one recorded interaction (all optional; the session adds who, where and when). */
export interface InteractionFields {
  username?: string;
  password?: string;
  /** For `login`: whether the fake service accepted the credential. */
  success?: boolean;
  command?: string;
  /** For `download` (never fetched) and HTTP requests. */
  url?: string;
  /** One line a SOC operator reads: `POST /remote/logincheck`, `CALLING→CALLED`, `ADT^A01`, `DOMAIN\\user@WS`. */
  summary?: string;
  /** Small protocol specifics (client banner, dialects, headers). Keep it under a few KB. */
  info?: Record<string, unknown>;
}

/**
 * One attacker connection as a persona sees it. The core opens it (and records `connect`), counts
 * bytes, enforces limits and records `disconnect`; the persona records what happens in between.
 */
export interface SensorSession {
  readonly id: string;
  readonly persona: PersonaKind;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly startedAt: Date;
  /** Records an interaction; cheap and synchronous (the recorder batches to the outbox). */
  record(kind: Exclude<InteractionKind, 'connect' | 'disconnect' | 'scan'>, fields?: InteractionFields): void;
  /**
   * Records `malformed` with the reason and destroys the connection. Personas call it for garbage,
   * truncated or oversized protocol input instead of throwing.
   */
  reject(reason: string, info?: Record<string, unknown>): void;
  /** True once the fake service accepted a login on this session (it then records commands). */
  loggedIn: boolean;
}

/** What a persona gets when it starts. */
export interface PersonaContext {
  kind: PersonaKind;
  port: number;
  identity: SensorIdentity;
  limits: SensorLimits;
  /** Whether a login is one the fake services accept (from the policy, or seeded weak pairs). */
  accepts(username: string, password: string): boolean;
  /** A seeded random stream for this persona (banners, versions); the same on every start. */
  rng: Rng;
  log: Logger;
}

/**
 * A persona: handles connections the core accepted on its port. It must never throw out of
 * `handle` (use `session.reject`), never connect anywhere and never execute what it receives.
 */
export interface PersonaHandler {
  handle(socket: Socket, session: SensorSession): void;
  /** Frees resources (closing connections is the core's job). */
  close?(): Promise<void>;
}

export type PersonaFactory = (ctx: PersonaContext) => PersonaHandler | Promise<PersonaHandler>;
