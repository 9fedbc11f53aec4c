import type { Role } from './users.ts';

/** Every permission a route can require. Policies map roles to these in one place. */
export const PERMISSIONS = [
  'facility:read',
  'facility:create',
  'facility:update',
  'user:read',
  'user:manage',
  'audit:read',
  'audit:export',
  'settings:read',
  'settings:update',
  'pki:issue',
  'agent:read',
  'agent:manage',
  'alert:read',
  'alert:triage',
  'notification:manage',
  'decoy:read',
  'decoy:manage',
  'host:isolate',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Which permissions each role holds; facility scope is applied separately. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  region_admin: PERMISSIONS,
  facility_admin: [
    'facility:read',
    'facility:update',
    'user:read',
    'user:manage',
    'audit:read',
    'audit:export',
    'settings:read',
    'agent:read',
    'agent:manage',
    'alert:read',
    'alert:triage',
    'notification:manage',
    'decoy:read',
    'decoy:manage',
    'host:isolate',
  ],
  facility_staff: ['facility:read', 'alert:read'],
  analyst: ['facility:read'],
  auditor: [
    'facility:read',
    'user:read',
    'audit:read',
    'audit:export',
    'settings:read',
    'agent:read',
    'alert:read',
    'decoy:read',
  ],
};

/** True when the role holds the permission. */
export const roleCan = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].includes(permission);
