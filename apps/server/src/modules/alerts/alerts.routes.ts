import { Readable } from 'node:stream';
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
import { z } from 'zod';
import type { AppContext } from '../../app.ts';
import { actorOf, SESSION_COOKIE } from '../../plugins/auth.ts';
import { loadSession } from '../auth/auth.service.ts';
import { createAlertHub } from './alerts.live.ts';
import { commentAlert, getAlert, iterateAlertsForExport, listAlerts, updateAlert } from './alerts.service.ts';

/** Alerts inbox, detail with timeline, triage and comments. */
export async function alertRoutes(app: FastifyInstance, { db }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alerts'];
  const hub = createAlertHub(db, app.log);
  const streams = new Set<{ end: () => void }>();
  app.addHook('onReady', hub.start);
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
    await hub.close();
  });

  r.get('/api/alerts/stream', {
    config: { permission: 'alert:read', rateLimit: false },
    schema: {
      tags,
      summary: 'Live alert changes (Server-Sent Events; event `alert` with { alertId, facilityId, change })',
    },
    handler: (req, reply) => {
      const scope = actorOf(req).scope;
      const token = req.cookies[SESSION_COOKIE] ?? '';
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
        'x-request-id': req.id,
      });
      res.write(': connected\n\n');
      const unsubscribe = hub.subscribe(scope, (c) => res.write(`event: alert\ndata: ${JSON.stringify(c)}\n\n`));
      // Every 25 s: a comment keeps proxies from closing an idle stream, and the session is checked
      // again so a signed-out, expired or disabled user stops receiving at once.
      const ping = setInterval(() => {
        loadSession(db, token, req.ip).then(
          (s) => (s?.state === 'active' ? res.write(': ping\n\n') : stream.end()),
          () => stream.end(),
        );
      }, 25_000);
      const stream = {
        end: () => {
          clearInterval(ping);
          unsubscribe();
          streams.delete(stream);
          res.end();
        },
      };
      streams.add(stream);
      req.raw.on('close', stream.end);
    },
  });
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
  r.get('/api/alerts/export.jsonl', {
    config: { permission: 'alert:read' },
    schema: {
      tags,
      summary: 'Alerts changed since a time, as JSON lines for a SIEM (one alert per line)',
      querystring: z.object({ since: z.iso.datetime({ offset: true }).default('1970-01-01T00:00:00Z') }),
    },
    handler: async (req, reply) => {
      const lines = Readable.from(
        (async function* () {
          for await (const a of iterateAlertsForExport(db, actorOf(req), new Date(req.query.since)))
            yield `${JSON.stringify(a)}\n`;
        })(),
      );
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      return reply.send(lines);
    },
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
