import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { facilities } from '../facilities/facilities.tables.ts';

/** The one alert model every module reports through; open alerts fold repeats by dedup key. */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    facilityId: uuid('facility_id')
      .notNull()
      .references(() => facilities.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id'),
    hostname: text('hostname'),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    severity: text('severity').notNull(),
    title: text('title').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    dedupKey: text('dedup_key').notNull(),
    status: text('status').notNull().default('new'),
    assigneeId: uuid('assignee_id'),
    count: integer('count').notNull().default(1),
    /** Set when the alert is created; the notification worker matches rules and clears it. */
    notifyPending: boolean('notify_pending').notNull().default(true),
    /** When an unacknowledged critical alert was escalated to the regional SOC. */
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('alerts_open_dedup_idx')
      .on(t.facilityId, t.dedupKey)
      .where(sql`status in ('new', 'acknowledged', 'investigating')`),
    index('alerts_facility_status_idx').on(t.facilityId, t.status, t.lastSeenAt),
    index('alerts_last_seen_idx').on(t.lastSeenAt),
  ],
);

/** An alert's timeline: first occurrence, status and assignee changes, comments. */
export const alertTimeline = pgTable(
  'alert_timeline',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    facilityId: uuid('facility_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    type: text('type').notNull(),
    actorEmail: text('actor_email'),
    body: text('body').notNull(),
  },
  (t) => [index('alert_timeline_alert_idx').on(t.alertId, t.id)],
);
