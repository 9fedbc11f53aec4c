import {
  type AgentEvent,
  type AgentEventAck,
  AgentEventAckSchema,
  DecoyInventoryAckSchema,
  type DecoyInventoryReport,
  type HeartbeatResponse,
  HeartbeatResponseSchema,
  type HostFacts,
} from '@mamori/contracts';
import type { z } from 'zod';
import type { Enrolment } from './state.ts';
import { postJsonOk, serverEndpoint } from './transport.ts';

/** The agent's calls to the server after enrolment (mutual TLS). */
export interface ServerClient {
  heartbeat(facts: HostFacts, signal?: AbortSignal): Promise<HeartbeatResponse>;
  sendEvents(events: AgentEvent[], signal?: AbortSignal): Promise<AgentEventAck>;
  /** Sends the full decoy inventory (replaces what the server knew). */
  reportDecoys(report: DecoyInventoryReport, signal?: AbortSignal): Promise<{ stored: number }>;
  /** Any other agent endpoint of a module (`api/agent/...`), its 2xx response checked against `schema`. */
  call<T>(path: string, body: unknown, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T>;
}

/** Thrown when a 2xx response does not match the contract (a server/agent version mismatch); retried like an outage. */
export class InvalidResponseError extends Error {
  override name = 'InvalidResponseError';
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidResponseError(`the server's ${what} response does not match the contract`);
  return parsed.data;
}

/** A client that presents the enrolled key and certificate and verifies the server against the platform CA. */
export function createServerClient(e: Enrolment, opts: { timeoutMs?: number } = {}): ServerClient {
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    postJsonOk(serverEndpoint(e.config.serverUrl, path), body, {
      ca: e.caPem,
      cert: e.certPem,
      key: e.keyPem,
      timeoutMs: opts.timeoutMs,
      signal,
    });
  return {
    heartbeat: async (facts, signal) =>
      check(HeartbeatResponseSchema, await post('api/agent/heartbeat', facts, signal), 'heartbeat'),
    sendEvents: async (events, signal) =>
      check(AgentEventAckSchema, await post('api/agent/events', { events }, signal), 'events'),
    reportDecoys: async (report, signal) =>
      check(DecoyInventoryAckSchema, await post('api/agent/decoys/inventory', report, signal), 'inventory'),
    call: async (path, body, schema, signal) => check(schema, await post(path, body, signal), path),
  };
}
