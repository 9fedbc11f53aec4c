import { z } from 'zod';

/** Organisation-wide settings an administrator can change in the console. */
export const SettingsSchema = z.object({
  organisationName: z.string().trim().min(1).max(200),
  sessionIdleMinutes: z.number().int().min(5).max(240),
  sessionAbsoluteHours: z.number().int().min(1).max(24),
  requireClientCertificate: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const UpdateSettingsRequestSchema = SettingsSchema.partial().refine(
  (v) => Object.keys(v).length > 0,
  'at least one field is required',
);
export type UpdateSettingsRequest = z.infer<typeof UpdateSettingsRequestSchema>;

/** Health and readiness. */
export const HealthResponseSchema = z.object({ status: z.literal('ok'), version: z.string() });
export const ReadyResponseSchema = z.object({ status: z.enum(['ready', 'not_ready']), database: z.boolean() });

/** Issuing a browser client certificate (PKCS#12) for the console. */
export const IssueClientCertRequestSchema = z.object({
  userId: z.uuid(),
  days: z.number().int().min(1).max(825).default(365),
});
export const IssueClientCertResponseSchema = z.object({
  serial: z.string(),
  notAfter: z.string(),
  fingerprintSha256: z.string(),
  password: z.string(),
  p12Base64: z.string(),
});
