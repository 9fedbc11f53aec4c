import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.ts';
import { EmailSchema, PasswordSchema, RoleSchema } from './users.ts';

export const LoginRequestSchema = z.object({
  email: EmailSchema,
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** Where a session stands: fully signed in, or waiting for the second factor. */
export const SessionStateSchema = z.enum(['active', 'mfa_required', 'mfa_setup_required']);
export type SessionState = z.infer<typeof SessionStateSchema>;

/** The signed-in user's session as the console sees it. */
export const SessionResponseSchema = z.object({
  state: SessionStateSchema,
  csrfToken: z.string(),
  /** The regional network's name, for the console header (every role may see it). */
  organisationName: z.string(),
  user: z.object({
    id: IdSchema,
    email: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    facilityId: IdSchema.nullable(),
    locale: z.enum(['ja', 'en']),
    mfaEnabled: z.boolean(),
  }),
  permissions: z.array(z.string()),
  idleExpiresAt: TimestampSchema,
  absoluteExpiresAt: TimestampSchema,
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

export const TotpCodeSchema = z.string().regex(/^[0-9]{6}$/, 'must be 6 digits');

export const MfaVerifyRequestSchema = z.object({ code: TotpCodeSchema });
export type MfaVerifyRequest = z.infer<typeof MfaVerifyRequestSchema>;

/** A new TOTP secret to enrol in an authenticator app. */
export const MfaSetupResponseSchema = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
});
export type MfaSetupResponse = z.infer<typeof MfaSetupResponseSchema>;

/** Setting a password with a one-time token (first admin, invitation or reset). */
export const SetPasswordRequestSchema = z.object({
  token: z.string().min(20).max(200),
  password: PasswordSchema,
});
export type SetPasswordRequest = z.infer<typeof SetPasswordRequestSchema>;

/** First-run: create the first region administrator with the setup token printed at start. */
export const BootstrapRequestSchema = z.object({
  token: z.string().min(20).max(200),
  email: EmailSchema,
  displayName: z.string().trim().min(1).max(100),
  organisationName: z.string().trim().min(1).max(200),
  password: PasswordSchema,
});
export type BootstrapRequest = z.infer<typeof BootstrapRequestSchema>;

/** What the sign-in page needs to know before anyone signs in. */
export const SetupStatusResponseSchema = z.object({ needsBootstrap: z.boolean() });

export const OneTimeTokenQuerySchema = z.object({ token: z.string().min(20).max(200) });
/** What a one-time link is for, shown before the password form. */
export const OneTimeTokenInfoSchema = z.object({
  purpose: z.enum(['invite', 'reset']),
  email: z.string(),
  displayName: z.string(),
  expiresAt: TimestampSchema,
});
