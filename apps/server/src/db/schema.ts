/** Every table of the platform, gathered for Drizzle and drizzle-kit. */

export * from '../modules/agents/agents.tables.ts';
export * from '../modules/alerts/alerts.tables.ts';
export * from '../modules/audit/audit.tables.ts';
export * from '../modules/auth/auth.tables.ts';
export * from '../modules/decoys/decoys.tables.ts';
export * from '../modules/facilities/facilities.tables.ts';
export * from '../modules/notifications/notifications.tables.ts';
export * from '../modules/sensors/sensors.tables.ts';
export * from '../modules/settings/settings.tables.ts';
export * from '../modules/users/users.tables.ts';
