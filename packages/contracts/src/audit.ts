import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, TimestampSchema } from './common.ts';

/** One entry of the tamper-evident audit log. */
export const AuditEntrySchema = z.object({
  seq: z.number().int(),
  at: TimestampSchema,
  actorId: IdSchema.nullable(),
  actorEmail: z.string().nullable(),
  facilityId: IdSchema.nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditListQuerySchema = PageQuerySchema.extend({
  facilityId: IdSchema.optional(),
  action: z.string().max(100).optional(),
  actorId: IdSchema.optional(),
  from: TimestampSchema.optional(),
  to: TimestampSchema.optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>;

export const AuditListResponseSchema = pageOf(AuditEntrySchema);
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

/** Result of recomputing the hash chain. */
export const AuditVerifyResponseSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBadSeq: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerifyResponse = z.infer<typeof AuditVerifyResponseSchema>;
