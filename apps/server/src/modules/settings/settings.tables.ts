import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Key/value settings of the installation (validated by the contracts on read and write). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Browser client certificates issued from the platform CA (for console access). */
export const clientCertificates = pgTable('client_certificates', {
  serial: text('serial').primaryKey(),
  userId: uuid('user_id').notNull(),
  fingerprintSha256: text('fingerprint_sha256').notNull(),
  notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
