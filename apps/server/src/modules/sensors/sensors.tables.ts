import type { SensorConfigInput, SensorStatusReport } from '@mamori/contracts';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agents } from '../agents/agents.tables.ts';

/** Per sensor (an agent that reports product `sensor`): the configuration set centrally and what it last reported. */
export const sensorConfigs = pgTable('sensor_configs', {
  agentId: uuid('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  facilityId: uuid('facility_id').notNull(),
  config: jsonb('config').$type<SensorConfigInput>().notNull(),
  /** Random per sensor: its banners, host names, keys and fake files follow from it. */
  seed: text('seed').notNull(),
  revision: integer('revision').notNull().default(1),
  reported: jsonb('reported').$type<SensorStatusReport>(),
  reportedAt: timestamp('reported_at', { withTimezone: true }),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One attacker connection to a sensor, summarised as its interactions arrive. */
export const sensorSessions = pgTable(
  'sensor_sessions',
  {
    id: uuid('id').primaryKey(),
    facilityId: uuid('facility_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    persona: text('persona').notNull(),
    srcIp: text('src_ip').notNull(),
    srcPort: integer('src_port').notNull(),
    dstPort: integer('dst_port').notNull(),
    /** Rank of the highest stage reached (0 scan … 4 command). */
    stageRank: integer('stage_rank').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    logins: integer('logins').notNull().default(0),
    commands: integer('commands').notNull().default(0),
    usernames: jsonb('usernames').$type<string[]>().notNull(),
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull().default(0),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull().default(0),
    alertId: uuid('alert_id'),
  },
  (t) => [
    index('sensor_sessions_facility_idx').on(t.facilityId, t.lastAt),
    index('sensor_sessions_src_idx').on(t.srcIp, t.lastAt),
    index('sensor_sessions_agent_idx').on(t.agentId, t.lastAt),
  ],
);

/** Every interaction a sensor recorded (the session replay and the credential statistics read these). */
export const sensorInteractions = pgTable(
  'sensor_interactions',
  {
    eventId: uuid('event_id').primaryKey(),
    sessionId: uuid('session_id').notNull(),
    facilityId: uuid('facility_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    interaction: text('interaction').notNull(),
    persona: text('persona').notNull(),
    srcIp: text('src_ip').notNull(),
    username: text('username'),
    password: text('password'),
    success: boolean('success'),
    command: text('command'),
    url: text('url'),
    summary: text('summary'),
    info: jsonb('info').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('sensor_interactions_session_idx').on(t.sessionId, t.at),
    index('sensor_interactions_facility_idx').on(t.facilityId, t.at),
  ],
);
