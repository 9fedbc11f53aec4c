import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, SeveritySchema, TimestampSchema } from './common.ts';

export const AlertStatusSchema = z.enum(['new', 'acknowledged', 'investigating', 'resolved', 'false_positive']);
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

/** One alert, the model every module reports through. */
export const AlertSchema = z.object({
  id: IdSchema,
  facilityId: IdSchema,
  agentId: IdSchema.nullable(),
  hostname: z.string().nullable(),
  source: z.string(),
  kind: z.string(),
  severity: SeveritySchema,
  title: z.string(),
  details: z.record(z.string(), z.unknown()),
  status: AlertStatusSchema,
  assigneeId: IdSchema.nullable(),
  count: z.number().int(),
  firstSeenAt: TimestampSchema,
  lastSeenAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListQuerySchema = PageQuerySchema.extend({
  facilityId: IdSchema.optional(),
  status: AlertStatusSchema.optional(),
  severity: SeveritySchema.optional(),
  source: z.string().max(40).optional(),
  open: z.enum(['true', 'false']).optional(),
});
export type AlertListQuery = z.infer<typeof AlertListQuerySchema>;
export const AlertListResponseSchema = pageOf(AlertSchema);

/** Triage: change status and/or assignee. */
export const UpdateAlertRequestSchema = z
  .object({ status: AlertStatusSchema, assigneeId: IdSchema.nullable() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateAlertRequest = z.infer<typeof UpdateAlertRequestSchema>;

export const AlertCommentRequestSchema = z.object({ body: z.string().trim().min(1).max(5000) });

/** One entry of an alert's timeline: occurrences, status changes, comments. */
export const AlertTimelineEntrySchema = z.object({
  at: TimestampSchema,
  type: z.enum(['occurred', 'status', 'assigned', 'comment']),
  actorEmail: z.string().nullable(),
  body: z.string(),
});
export const AlertDetailSchema = AlertSchema.extend({ timeline: z.array(AlertTimelineEntrySchema) });
export type AlertDetail = z.infer<typeof AlertDetailSchema>;
