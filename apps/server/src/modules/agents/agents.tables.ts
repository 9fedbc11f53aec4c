import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { facilities } from '../facilities/facilities.tables.ts';

/** One-time enrolment tokens (stored hashed), each bound to a facility. */
export const enrolmentTokens = pgTable('enrolment_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  facilityId: uuid('facility_id')
    .notNull()
    .references(() => facilities.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdBy: text('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Enrolled agents; the certificate serial identifies an agent on every mutual-TLS call. */
export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id')
      .notNull()
      .references(() => facilities.id, { onDelete: 'cascade' }),
    hostname: text('hostname').notNull(),
    os: text('os').notNull(),
    osVersion: text('os_version').notNull(),
    ips: jsonb('ips').$type<string[]>().notNull(),
    agentVersion: text('agent_version').notNull(),
    /** `agent` (facility agent) or `sensor` (decoy-server sensor), as it reports itself. */
    product: text('product').notNull().default('agent'),
    uptimeSeconds: integer('uptime_seconds').notNull().default(0),
    certSerial: text('cert_serial').notNull(),
    certNotAfter: timestamp('cert_not_after', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    offlineSince: timestamp('offline_since', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('agents_cert_serial_idx').on(t.certSerial), index('agents_facility_idx').on(t.facilityId)],
);

/** Every event id ever accepted: the ledger that makes delivery exactly-once. */
export const agentEvents = pgTable('agent_events', {
  id: uuid('id').primaryKey(),
  agentId: uuid('agent_id').notNull(),
  facilityId: uuid('facility_id').notNull(),
  /** Set in the same transaction, once the event's alert is known. */
  alertId: uuid('alert_id'),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});
