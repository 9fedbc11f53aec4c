import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, SeveritySchema, TimestampSchema } from './common.ts';
import { AgentDecoyPolicySchema, AgentIsolationSchema } from './decoys.ts';
import { AgentSensorPolicySchema } from './sensors.ts';

/** Creating a one-time enrolment token for a facility's agents. */
export const CreateEnrolmentTokenRequestSchema = z.object({
  facilityId: IdSchema,
  /** Minutes until the token expires (default 60, at most 7 days). */
  ttlMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60),
});
export type CreateEnrolmentTokenRequest = z.infer<typeof CreateEnrolmentTokenRequestSchema>;

/** A new enrolment token, shown once. */
export const EnrolmentTokenResponseSchema = z.object({
  token: z.string(),
  facilityId: IdSchema,
  expiresAt: TimestampSchema,
});
export type EnrolmentTokenResponse = z.infer<typeof EnrolmentTokenResponseSchema>;

/** Facts an agent reports about its host. */
export const HostFactsSchema = z.object({
  hostname: z.string().trim().min(1).max(253),
  os: z.enum(['linux', 'windows', 'darwin', 'other']),
  osVersion: z.string().max(200),
  ips: z.array(z.string().max(45)).max(64),
  agentVersion: z.string().max(50),
  /** Which program reports: the facility agent or the decoy-server sensor. */
  product: z.enum(['agent', 'sensor']).default('agent'),
  uptimeSeconds: z
    .number()
    .int()
    .min(0)
    .max(10 * 365 * 86_400),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

/** `mamori-agent enroll`: the one-time token, a PKCS#10 CSR (PEM) and the host's facts. */
export const AgentEnrolRequestSchema = z.object({
  token: z.string().min(20).max(200),
  csrPem: z.string().min(100).max(16_384),
  host: HostFactsSchema,
});
export type AgentEnrolRequest = z.infer<typeof AgentEnrolRequestSchema>;

/** The agent's certificate (mutual TLS from now on) and the CA chain to trust. */
export const AgentEnrolResponseSchema = z.object({
  agentId: IdSchema,
  facilityId: IdSchema,
  certPem: z.string(),
  caPem: z.string(),
  notAfter: TimestampSchema,
  heartbeatSeconds: z.number().int(),
});
export type AgentEnrolResponse = z.infer<typeof AgentEnrolResponseSchema>;

/** Policy the server hands agents on every heartbeat (modules add their sections). */
export const AgentPolicySchema = z.object({
  heartbeatSeconds: z.number().int().min(5).max(3600),
  /** Largest batch of events the server accepts in one request. */
  maxBatch: z.number().int(),
  /** Decoy policies that apply to this host (module `decoys`). */
  decoys: z.array(AgentDecoyPolicySchema).default([]),
  /** Network isolation the SOC asked for, or null when it never did. */
  isolation: AgentIsolationSchema.nullable().default(null),
  /** Decoy-server configuration when this host runs mamori-sensor (module `sensors`). */
  sensor: AgentSensorPolicySchema.nullable().default(null),
});
export type AgentPolicy = z.infer<typeof AgentPolicySchema>;

export const HeartbeatRequestSchema = HostFactsSchema;
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;
export const HeartbeatResponseSchema = z.object({ serverTime: TimestampSchema, policy: AgentPolicySchema });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

/** One event from an agent; `id` is generated on the agent and makes delivery idempotent. */
export const AgentEventSchema = z.object({
  id: IdSchema,
  occurredAt: TimestampSchema,
  /** Module that produced it, e.g. `agent`, `decoys`. */
  source: z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/),
  /** What happened, e.g. `test`, `decoy_modified`. */
  kind: z.string().regex(/^[a-z][a-z0-9_.-]{1,79}$/),
  severity: SeveritySchema,
  title: z.string().trim().min(1).max(300),
  details: z.record(z.string(), z.unknown()).default({}),
  /** Events with the same key fold into one open alert with a counter; default source+kind+host. */
  dedupKey: z.string().max(300).optional(),
});
export type AgentEvent = z.infer<typeof AgentEventSchema>;

export const MAX_EVENT_BATCH = 500;
export const AgentEventBatchSchema = z.object({ events: z.array(AgentEventSchema).min(1).max(MAX_EVENT_BATCH) });
export type AgentEventBatch = z.infer<typeof AgentEventBatchSchema>;
/** Which ids were stored now and which the server already had (both are safe to delete locally). */
export const AgentEventAckSchema = z.object({ accepted: z.array(IdSchema), duplicates: z.array(IdSchema) });
export type AgentEventAck = z.infer<typeof AgentEventAckSchema>;

export const AgentStatusSchema = z.enum(['online', 'offline', 'revoked']);
/** An enrolled agent as the console lists it. */
export const AgentSchema = z.object({
  id: IdSchema,
  facilityId: IdSchema,
  hostname: z.string(),
  os: z.string(),
  osVersion: z.string(),
  ips: z.array(z.string()),
  agentVersion: z.string(),
  uptimeSeconds: z.number().int(),
  status: AgentStatusSchema,
  lastSeenAt: TimestampSchema.nullable(),
  enrolledAt: TimestampSchema,
  certNotAfter: TimestampSchema,
});
export type Agent = z.infer<typeof AgentSchema>;
export const AgentListQuerySchema = PageQuerySchema.extend({
  facilityId: IdSchema.optional(),
  status: AgentStatusSchema.optional(),
});
export const AgentListResponseSchema = pageOf(AgentSchema);
