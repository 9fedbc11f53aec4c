import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, TimestampSchema } from './common.ts';

/** Roles: region_admin (central SOC), facility_admin, facility_staff, analyst (ISAC), auditor. */
export const RoleSchema = z.enum(['region_admin', 'facility_admin', 'facility_staff', 'analyst', 'auditor']);
export type Role = z.infer<typeof RoleSchema>;

/** Roles that must use TOTP multi-factor sign-in. */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['region_admin', 'facility_admin', 'auditor'];

/** Roles bound to exactly one home facility. */
export const FACILITY_ROLES: readonly Role[] = ['facility_admin', 'facility_staff'];

/** Password policy: 12–256 characters; checked again on the server against common passwords. */
export const PasswordSchema = z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters');

export const EmailSchema = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());

/** Creating a user: facility roles need `facilityId`; auditors/analysts may be assigned facilities. */
export const CreateUserRequestSchema = z
  .object({
    email: EmailSchema,
    displayName: z.string().trim().min(1).max(100),
    role: RoleSchema,
    facilityId: IdSchema.optional(),
    assignedFacilityIds: z.array(IdSchema).max(1000).optional(),
    locale: z.enum(['ja', 'en']).default('ja'),
  })
  .superRefine((v, ctx) => {
    if (FACILITY_ROLES.includes(v.role) && !v.facilityId) {
      ctx.addIssue({ code: 'custom', path: ['facilityId'], message: 'required for this role' });
    }
    if (!FACILITY_ROLES.includes(v.role) && v.facilityId) {
      ctx.addIssue({ code: 'custom', path: ['facilityId'], message: 'only facility roles have a home facility' });
    }
  });
export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

/** Changing a user's role, name, assignment or disabling them. */
export const UpdateUserRequestSchema = z
  .object({
    displayName: z.string().trim().min(1).max(100),
    role: RoleSchema,
    facilityId: IdSchema.nullable(),
    assignedFacilityIds: z.array(IdSchema).max(1000),
    disabled: z.boolean(),
    locale: z.enum(['ja', 'en']),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateUserRequest = z.infer<typeof UpdateUserRequestSchema>;

/** A user as returned by the API (never includes secrets). */
export const UserSchema = z.object({
  id: IdSchema,
  email: z.string(),
  displayName: z.string(),
  role: RoleSchema,
  facilityId: IdSchema.nullable(),
  assignedFacilityIds: z.array(IdSchema),
  mfaEnabled: z.boolean(),
  disabled: z.boolean(),
  locked: z.boolean(),
  hasPassword: z.boolean(),
  locale: z.enum(['ja', 'en']),
  lastLoginAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
});
export type User = z.infer<typeof UserSchema>;

export const UserListQuerySchema = PageQuerySchema.extend({
  facilityId: IdSchema.optional(),
  role: RoleSchema.optional(),
  q: z.string().trim().max(100).optional(),
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;

export const UserListResponseSchema = pageOf(UserSchema);
export type UserListResponse = z.infer<typeof UserListResponseSchema>;

/** A one-time link for setting a password (invitation or reset), shown once to the admin. */
export const OneTimeLinkSchema = z.object({
  url: z.string(),
  expiresAt: TimestampSchema,
});
export type OneTimeLink = z.infer<typeof OneTimeLinkSchema>;

export const CreateUserResponseSchema = z.object({ user: UserSchema, invitation: OneTimeLinkSchema });
export type CreateUserResponse = z.infer<typeof CreateUserResponseSchema>;
