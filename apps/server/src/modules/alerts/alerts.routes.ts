import {
  AlertCommentRequestSchema,
  AlertDetailSchema,
  AlertListQuerySchema,
  AlertListResponseSchema,
  IdParamsSchema,
  UpdateAlertRequestSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { commentAlert, getAlert, listAlerts, updateAlert } from './alerts.service.ts';

/** Alerts inbox, detail with timeline, triage and comments. */
export async function alertRoutes(app: FastifyInstance, { db }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alerts'];
  r.get('/api/alerts', {
    config: { permission: 'alert:read' },
    schema: {
      tags,
      summary: 'List alerts',
      querystring: AlertListQuerySchema,
      response: { 200: AlertListResponseSchema },
    },
    handler: (req) => listAlerts(db, actorOf(req), req.query),
  });
  r.get('/api/alerts/:id', {
    config: { permission: 'alert:read' },
    schema: {
      tags,
      summary: 'An alert with its timeline',
      params: IdParamsSchema,
      response: { 200: AlertDetailSchema },
    },
    handler: (req) => getAlert(db, actorOf(req), req.params.id),
  });
  r.patch('/api/alerts/:id', {
    config: { permission: 'alert:triage' },
    schema: {
      tags,
      summary: 'Triage: status and assignee',
      params: IdParamsSchema,
      body: UpdateAlertRequestSchema,
      response: { 200: AlertDetailSchema },
    },
    handler: (req) => updateAlert(db, actorOf(req), req.params.id, req.body),
  });
  r.post('/api/alerts/:id/comments', {
    config: { permission: 'alert:triage' },
    schema: {
      tags,
      summary: 'Comment on an alert',
      params: IdParamsSchema,
      body: AlertCommentRequestSchema,
      response: { 200: AlertDetailSchema },
    },
    handler: (req) => commentAlert(db, actorOf(req), req.params.id, req.body.body),
  });
}
