import {
  HealthResponseSchema,
  ReadyResponseSchema,
  SettingsSchema,
  UpdateSettingsRequestSchema,
} from '@mamori/contracts';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { invalid } from '../../lib/errors.ts';
import { actorOf, presentedClientCertificate } from '../../plugins/auth.ts';
import { readSettings, updateSettings } from './settings.service.ts';

/** Settings plus health and readiness probes. */
export async function settingsRoutes(app: FastifyInstance, { db, version }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/health', {
    config: { public: true, rateLimit: false },
    schema: { tags: ['system'], summary: 'Liveness', response: { 200: HealthResponseSchema } },
    handler: async () => ({ status: 'ok' as const, version }),
  });
  r.get('/api/ready', {
    config: { public: true, rateLimit: false },
    schema: {
      tags: ['system'],
      summary: 'Readiness (database reachable)',
      response: { 200: ReadyResponseSchema, 503: ReadyResponseSchema },
    },
    handler: async (_req, reply) => {
      const ok = await db.execute(sql`select 1`).then(
        () => true,
        () => false,
      );
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', database: ok });
    },
  });
  r.get('/api/settings', {
    config: { permission: 'settings:read' },
    schema: { tags: ['settings'], summary: 'Read settings', response: { 200: SettingsSchema } },
    handler: () => readSettings(db),
  });
  r.patch('/api/settings', {
    config: { permission: 'settings:update' },
    schema: {
      tags: ['settings'],
      summary: 'Change settings',
      body: UpdateSettingsRequestSchema,
      response: { 200: SettingsSchema },
    },
    handler: async (req) => {
      if (req.body.requireClientCertificate && !(await presentedClientCertificate(db, req))) {
        // Otherwise the administrator would lock themselves (and everyone) out.
        throw invalid('Install your own client certificate in this browser before requiring certificates', [
          { path: 'body.requireClientCertificate', message: 'no client certificate on this connection' },
        ]);
      }
      return updateSettings(db, actorOf(req), req.body);
    },
  });
}
