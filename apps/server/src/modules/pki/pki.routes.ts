import { randomBytes } from 'node:crypto';
import { IssueClientCertRequestSchema, IssueClientCertResponseSchema } from '@mamori/contracts';
import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app.ts';
import { withScope } from '../../db/scope.ts';
import { notFound } from '../../lib/errors.ts';
import { actorOf } from '../../plugins/auth.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { clientCertificates } from '../settings/settings.tables.ts';
import { users } from '../users/users.tables.ts';
import { issueClientPkcs12 } from './pki.service.ts';

const ClientCertSchema = z.object({
  serial: z.string(),
  userId: z.uuid(),
  fingerprintSha256: z.string(),
  notAfter: z.string(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});
const SerialParamsSchema = z.object({ serial: z.string().regex(/^[0-9a-f]{2,64}$/, 'hex serial') });

/** The platform CA certificate and browser client certificates (PKCS#12) for console access. */
export async function pkiRoutes(app: FastifyInstance, { db, ca }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['pki'];
  r.get('/api/pki/ca.crt', {
    config: { public: true },
    schema: { tags, summary: 'Download the platform CA certificate (PEM)' },
    handler: async (_req, reply) =>
      reply
        .type('application/x-pem-file')
        .header('content-disposition', 'attachment; filename="mamori-ca.crt"')
        .send(ca.certPem),
  });
  r.post('/api/pki/client-certificates', {
    config: { permission: 'pki:issue' },
    schema: {
      tags,
      summary: 'Issue a browser client certificate (PKCS#12, password shown once)',
      body: IssueClientCertRequestSchema,
      response: { 201: IssueClientCertResponseSchema },
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const user = await withScope(
        db,
        actor.scope,
        async (tx) => (await tx.select().from(users).where(eq(users.id, req.body.userId)))[0],
      );
      if (!user) throw notFound('User');
      const password = randomBytes(12).toString('base64url');
      const issued = await issueClientPkcs12(ca, {
        commonName: user.email,
        email: user.email,
        days: req.body.days,
        password,
      });
      await withScope(db, actor.scope, async (tx) => {
        await tx.insert(clientCertificates).values({
          serial: issued.serial,
          userId: user.id,
          fingerprintSha256: issued.fingerprintSha256,
          notAfter: issued.notAfter,
        });
        await appendAudit(tx, actor, {
          action: 'pki.client_certificate_issue',
          facilityId: user.facilityId,
          targetType: 'user',
          targetId: user.id,
          details: { serial: issued.serial, notAfter: issued.notAfter.toISOString() },
        });
      });
      return reply.status(201).send({
        serial: issued.serial,
        notAfter: issued.notAfter.toISOString(),
        fingerprintSha256: issued.fingerprintSha256,
        password,
        p12Base64: issued.p12.toString('base64'),
      });
    },
  });
  r.get('/api/pki/client-certificates', {
    config: { permission: 'pki:issue' },
    schema: {
      tags,
      summary: 'List issued client certificates',
      response: { 200: z.object({ items: z.array(ClientCertSchema) }) },
    },
    handler: async (req) => {
      const rows = await withScope(db, actorOf(req).scope, (tx) =>
        tx.select().from(clientCertificates).orderBy(desc(clientCertificates.createdAt)).limit(1000),
      );
      return {
        items: rows.map((c) => ({
          serial: c.serial,
          userId: c.userId,
          fingerprintSha256: c.fingerprintSha256,
          notAfter: c.notAfter.toISOString(),
          revokedAt: c.revokedAt?.toISOString() ?? null,
          createdAt: c.createdAt.toISOString(),
        })),
      };
    },
  });
  r.post('/api/pki/client-certificates/:serial/revoke', {
    config: { permission: 'pki:issue' },
    schema: {
      tags,
      summary: 'Revoke a client certificate',
      params: SerialParamsSchema,
      response: { 200: z.object({ ok: z.literal(true) }) },
    },
    handler: async (req) => {
      const actor = actorOf(req);
      await withScope(db, actor.scope, async (tx) => {
        const [row] = await tx
          .update(clientCertificates)
          .set({ revokedAt: new Date() })
          .where(eq(clientCertificates.serial, req.params.serial))
          .returning();
        if (!row) throw notFound('Certificate');
        await appendAudit(tx, actor, {
          action: 'pki.client_certificate_revoke',
          targetType: 'certificate',
          targetId: row.serial,
        });
      });
      return { ok: true as const };
    },
  });
}
