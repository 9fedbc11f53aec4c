export * from './audit.ts';
export * from './auth.ts';
export * from './common.ts';
export * from './facilities.ts';
export * from './permissions.ts';
export * from './prefectures.ts';
export * from './settings.ts';
export * from './users.ts';
