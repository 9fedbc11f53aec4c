import type { CreateFacilityRequest, Facility, FacilityListQuery, UpdateFacilityRequest } from '@mamori/contracts';
import { and, asc, count, eq, ilike, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { withScope } from '../../db/scope.ts';
import type { Actor } from '../../lib/actor.ts';
import { notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { facilities, organisations } from './facilities.tables.ts';

type Row = typeof facilities.$inferSelect;

/** Shapes a row for the API. */
export const toFacility = (r: Row): Facility => ({
  id: r.id,
  name: r.name,
  type: r.type as Facility['type'],
  prefecture: r.prefecture,
  contact: r.contact,
  onCallContact: r.onCallContact ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Lists facilities in the actor's scope with optional filters. */
export async function listFacilities(db: Db, actor: Actor, q: FacilityListQuery) {
  return withScope(db, actor.scope, async (tx) => {
    const parts: SQL[] = [];
    if (q.type) parts.push(eq(facilities.type, q.type));
    if (q.prefecture) parts.push(eq(facilities.prefecture, q.prefecture));
    if (q.q) parts.push(ilike(facilities.name, `%${escapeLike(q.q)}%`));
    const where = parts.length ? and(...parts) : undefined;
    const rows = await tx
      .select()
      .from(facilities)
      .where(where)
      .orderBy(asc(facilities.name), asc(facilities.id))
      .limit(q.limit)
      .offset(q.offset);
    const [total] = await tx.select({ n: count() }).from(facilities).where(where);
    return { items: rows.map(toFacility), total: total?.n ?? 0 };
  });
}

/** One facility in the actor's scope, or NotFound. */
export async function getFacility(db: Db, actor: Actor, id: string): Promise<Facility> {
  return withScope(db, actor.scope, async (tx) => {
    const [row] = await tx.select().from(facilities).where(eq(facilities.id, id));
    if (!row) throw notFound('Facility');
    return toFacility(row);
  });
}

/** Creates a facility in the organisation and records it. */
export async function createFacility(db: Db, actor: Actor, req: CreateFacilityRequest): Promise<Facility> {
  return withScope(db, actor.scope, async (tx) => {
    let [org] = await tx.select().from(organisations).limit(1);
    if (!org) [org] = await tx.insert(organisations).values({ name: 'Mamori' }).returning();
    if (!org) throw new Error('organisation missing');
    const [row] = await tx
      .insert(facilities)
      .values({ ...req, onCallContact: req.onCallContact ?? null, organisationId: org.id })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await appendAudit(tx, actor, {
      action: 'facility.create',
      facilityId: row.id,
      targetType: 'facility',
      targetId: row.id,
      details: { name: row.name, type: row.type, prefecture: row.prefecture },
    });
    return toFacility(row);
  });
}

/** Updates a facility in the actor's scope. */
export async function updateFacility(db: Db, actor: Actor, id: string, req: UpdateFacilityRequest): Promise<Facility> {
  return withScope(db, actor.scope, async (tx) => {
    const [row] = await tx
      .update(facilities)
      .set({ ...req, updatedAt: new Date() })
      .where(eq(facilities.id, id))
      .returning();
    if (!row) throw notFound('Facility');
    await appendAudit(tx, actor, {
      action: 'facility.update',
      facilityId: row.id,
      targetType: 'facility',
      targetId: row.id,
      details: { fields: Object.keys(req) },
    });
    return toFacility(row);
  });
}
