import { FACILITY_ROLES, type Role, RoleSchema, type SessionResponse, type User } from '@mamori/contracts';

/** Roles the signed-in user may hand out: region admins any, facility admins only facility roles (server rule). */
export function grantableRoles(actorRole: Role): Role[] {
  if (actorRole === 'region_admin') return [...RoleSchema.options];
  if (actorRole === 'facility_admin') return [...FACILITY_ROLES];
  return [];
}

/** True when the role belongs to exactly one home facility. */
export const isFacilityRole = (role: Role | null | undefined): boolean => !!role && FACILITY_ROLES.includes(role);

/** True when the role sees only the facilities assigned to it (analysts, auditors). */
export const isAssignedRole = (role: Role | null | undefined): boolean => role === 'analyst' || role === 'auditor';

/** True when the signed-in user may change this user (their role must be one the actor may grant). */
export function canManageUser(session: SessionResponse, user: User): boolean {
  return session.permissions.includes('user:manage') && grantableRoles(session.user.role).includes(user.role);
}
