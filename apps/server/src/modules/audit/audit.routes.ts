import { Readable } from 'node:stream';
import { AuditListQuerySchema, AuditListResponseSchema, AuditVerifyResponseSchema } from '@mamori/contracts';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { iterateAudit, listAudit, recordAudit, verifyAuditChain } from './audit.service.ts';

const ExportQuerySchema = AuditListQuerySchema.omit({ limit: true, offset: true });

/** Audit log: list, CSV export (itself audited), chain verification. */
export async function auditRoutes(app: FastifyInstance, { db }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/audit', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'List audit entries',
      querystring: AuditListQuerySchema,
      response: { 200: AuditListResponseSchema },
    },
    handler: (req) => listAudit(db, actorOf(req), req.query),
  });
  r.get('/api/audit/export.csv', {
    config: { permission: 'audit:export' },
    schema: {
      tags: ['audit'],
      summary: 'Export audit entries as CSV (UTF-8 with BOM for Excel)',
      querystring: ExportQuerySchema,
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      await recordAudit(db, actor, {
        action: 'audit.export',
        facilityId: actor.facilityId,
        details: { filter: req.query },
      });
      const rows = Readable.from(
        (async function* () {
          for await (const e of iterateAudit(db, actor, req.query)) {
            yield [
              e.seq,
              e.at,
              e.actorEmail ?? '',
              e.facilityId ?? '',
              e.action,
              e.targetType ?? '',
              e.targetId ?? '',
              e.outcome,
              e.ip ?? '',
              JSON.stringify(e.details),
              e.hash,
            ];
          }
        })(),
      );
      const csv = stringify({
        header: true,
        bom: true,
        columns: [
          'seq',
          'at',
          'actor',
          'facility_id',
          'action',
          'target_type',
          'target_id',
          'outcome',
          'ip',
          'details',
          'hash',
        ],
      });
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="mamori-audit.csv"');
      return reply.send(rows.pipe(csv));
    },
  });
  r.post('/api/audit/verify', {
    config: { permission: 'settings:update' },
    schema: { tags: ['audit'], summary: 'Recompute the hash chain', response: { 200: AuditVerifyResponseSchema } },
    handler: async (req) => {
      const result = await verifyAuditChain(db);
      await recordAudit(db, actorOf(req), {
        action: 'audit.verify',
        outcome: result.ok ? 'success' : 'failure',
        details: { ...result },
      });
      return result;
    },
  });
}
