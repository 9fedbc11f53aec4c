import { z } from 'zod';

/** A UUID identifier as used for every entity. */
export const IdSchema = z.uuid();

/** Path parameter `{ id }`. */
export const IdParamsSchema = z.object({ id: IdSchema });
export type IdParams = z.infer<typeof IdParamsSchema>;

/** Stable error codes; every 4xx/5xx body carries one (see docs/errors.md). */
export const ErrorCodeSchema = z.enum([
  'invalid',
  'unauthenticated',
  'mfa_required',
  'mfa_setup_required',
  'forbidden',
  'not_found',
  'conflict',
  'locked',
  'rate_limited',
  'payload_too_large',
  'csrf',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The body of every error response. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** Keyset pagination query shared by list endpoints. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Wraps a list of items with the total count for paging. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

/** Empty success body. */
export const OkSchema = z.object({ ok: z.literal(true) });

/** ISO-8601 timestamp string (UTC). */
export const TimestampSchema = z.iso.datetime({ offset: true });

export const SeveritySchema = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;
