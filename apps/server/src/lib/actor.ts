import type { Role } from '@mamori/contracts';
import type { Scope } from '../db/scope.ts';

/** Who is acting: the signed-in user with their facility scope, or the system itself. */
export type Actor = {
  userId: string | null;
  email: string | null;
  role: Role | 'system';
  facilityId: string | null;
  scope: Scope;
  ip: string | null;
};

/** The actor for CLI and background work: all facilities, no user. */
export const systemActor = (label = 'system'): Actor => ({
  userId: null,
  email: label,
  role: 'system',
  facilityId: null,
  scope: { kind: 'all' },
  ip: null,
});

/** Scope a user's role grants: region admins see all, facility roles their facility, others their assignments. */
export function scopeForUser(u: {
  role: Role;
  facilityId: string | null;
  assignedFacilityIds: readonly string[];
}): Scope {
  if (u.role === 'region_admin') return { kind: 'all' };
  if (u.facilityId) return { kind: 'facilities', ids: [u.facilityId] };
  return { kind: 'facilities', ids: u.assignedFacilityIds };
}
