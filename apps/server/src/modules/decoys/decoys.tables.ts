import type { DecoyKind, DecoyResponse } from '@mamori/contracts';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agents.tables.ts';
import { facilities } from '../facilities/facilities.tables.ts';

/** Decoy policies, set centrally per facility (and optionally per host). */
export const decoyPolicies = pgTable(
  'decoy_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id')
      .notNull()
      .references(() => facilities.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    agentIds: jsonb('agent_ids').$type<string[]>().notNull(),
    directories: jsonb('directories').$type<string[]>().notNull(),
    perDirectory: integer('per_directory').notNull(),
    kinds: jsonb('kinds').$type<DecoyKind[]>().notNull(),
    beacons: boolean('beacons').notNull(),
    response: jsonb('response').$type<DecoyResponse>().notNull(),
    /** Random per policy: makes names, IDs and sizes differ between facilities. */
    seed: text('seed').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('decoy_policies_facility_idx').on(t.facilityId)],
);

/** Per agent: the last inventory report and the isolation the SOC asked for. */
export const decoyHostState = pgTable('decoy_host_state', {
  agentId: uuid('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  facilityId: uuid('facility_id').notNull(),
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
  problems: jsonb('problems').$type<{ policyId: string; directory: string; message: string }[]>().notNull(),
  /** What the agent last said: is the host cut off now? */
  isolated: boolean('isolated').notNull().default(false),
  /** What the SOC asked for ('isolated' | 'released'), and the request the agent acts on once. */
  isolationDesired: text('isolation_desired'),
  isolationRequestId: uuid('isolation_request_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every decoy an agent reports as planted (replaced on each inventory report). */
export const decoys = pgTable(
  'decoys',
  {
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    facilityId: uuid('facility_id').notNull(),
    policyId: uuid('policy_id').notNull(),
    directory: text('directory').notNull(),
    kind: text('kind').$type<DecoyKind>().notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    beaconToken: text('beacon_token'),
    reportedAt: timestamp('reported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.path] }),
    uniqueIndex('decoys_beacon_token_idx').on(t.beaconToken),
    index('decoys_facility_idx').on(t.facilityId),
  ],
);

/** Beacon openings: a decoy document fetched its token URL (HTTP) or looked up its name (DNS). */
export const beaconHits = pgTable(
  'beacon_hits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    token: text('token').notNull(),
    path: text('path').notNull(),
    kind: text('kind').$type<DecoyKind>().notNull(),
    channel: text('channel').$type<'http' | 'dns'>().notNull(),
    ip: text('ip').notNull(),
    userAgent: text('user_agent').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('beacon_hits_facility_idx').on(t.facilityId, t.at)],
);

/** Evidence kept per host for its attack timeline: every decoy/containment event as sent. */
export const hostEvents = pgTable(
  'host_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull(),
    facilityId: uuid('facility_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    severity: text('severity').notNull(),
    title: text('title').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    alertId: uuid('alert_id'),
    /** When the platform stored it (`at` is when the agent saw it). */
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('host_events_agent_idx').on(t.agentId, t.at)],
);
