import type { Contact } from '@mamori/contracts';
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The regional network (one per installation today). */
export const organisations = pgTable('organisations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Member facilities; every facility-owned row elsewhere points here and is row-level secured. */
export const facilities = pgTable(
  'facilities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    name: text('name').notNull(),
    type: text('type').notNull(),
    prefecture: text('prefecture').notNull(),
    contact: jsonb('contact').$type<Contact>().notNull(),
    onCallContact: jsonb('on_call_contact').$type<Contact>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('facilities_type_idx').on(t.type), index('facilities_prefecture_idx').on(t.prefecture)],
);
