import {
  CreateFacilityRequestSchema,
  FacilityListQuerySchema,
  FacilityListResponseSchema,
  FacilitySchema,
  IdParamsSchema,
  UpdateFacilityRequestSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { createFacility, getFacility, listFacilities, updateFacility } from './facilities.service.ts';

/** Facilities: list with filters, read, create (region admins), edit. */
export async function facilityRoutes(app: FastifyInstance, { db }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/facilities', {
    config: { permission: 'facility:read' },
    schema: {
      tags: ['facilities'],
      summary: 'List facilities',
      querystring: FacilityListQuerySchema,
      response: { 200: FacilityListResponseSchema },
    },
    handler: (req) => listFacilities(db, actorOf(req), req.query),
  });
  r.get('/api/facilities/:id', {
    config: { permission: 'facility:read' },
    schema: {
      tags: ['facilities'],
      summary: 'Get a facility',
      params: IdParamsSchema,
      response: { 200: FacilitySchema },
    },
    handler: (req) => getFacility(db, actorOf(req), req.params.id),
  });
  r.post('/api/facilities', {
    config: { permission: 'facility:create' },
    schema: {
      tags: ['facilities'],
      summary: 'Create a facility',
      body: CreateFacilityRequestSchema,
      response: { 201: FacilitySchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createFacility(db, actorOf(req), req.body)),
  });
  r.patch('/api/facilities/:id', {
    config: { permission: 'facility:update' },
    schema: {
      tags: ['facilities'],
      summary: 'Edit a facility',
      params: IdParamsSchema,
      body: UpdateFacilityRequestSchema,
      response: { 200: FacilitySchema },
    },
    handler: (req) => updateFacility(db, actorOf(req), req.params.id, req.body),
  });
}
