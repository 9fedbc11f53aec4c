import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Where notifications go. `facility_id` null: a region-level channel (the regional SOC). */
export const notificationChannels = pgTable('notification_channels', {
  id: uuid('id').primaryKey().defaultRandom(),
  facilityId: uuid('facility_id'),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  config: jsonb('config').$type<{ to?: string[]; url?: string; secret?: string; caPem?: string }>().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Which alerts go to which channel. `facility_id` null: every facility the channel covers. */
export const notificationRules = pgTable('notification_rules', {
  id: uuid('id').primaryKey().defaultRandom(),
  channelId: uuid('channel_id')
    .notNull()
    .references(() => notificationChannels.id, { onDelete: 'cascade' }),
  /** The channel's facility (copied for row-level security). */
  ownerFacilityId: uuid('owner_facility_id'),
  facilityId: uuid('facility_id'),
  minSeverity: text('min_severity').notNull(),
  sources: jsonb('sources').$type<string[] | null>(),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The outbox of notifications: written with the alert, sent and retried by a worker. A test sent
 * from the console has no alert; its facility is the channel's (null for a region-level channel).
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id'),
    facilityId: uuid('facility_id'),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('deliveries_alert_idx').on(t.alertId),
    // The history lists newest first.
    index('deliveries_created_idx').on(t.createdAt),
  ],
);

/** Every delivery attempt, successful or not. */
export const notificationAttempts = pgTable('notification_attempts', {
  id: uuid('id').primaryKey().defaultRandom(),
  deliveryId: uuid('delivery_id')
    .notNull()
    .references(() => notificationDeliveries.id, { onDelete: 'cascade' }),
  facilityId: uuid('facility_id'),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  ok: boolean('ok').notNull(),
  detail: text('detail').notNull(),
});
