import type { ErrorCode } from '@mamori/contracts';

/** A field-level validation problem. */
export type FieldProblem = { path: string; message: string };

/**
 * The one error family services throw. Each carries a stable code; plugins/errors.ts maps it to
 * HTTP exactly once. Messages are safe to show to the user (English; the console translates codes).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldProblem[] | undefined;
  constructor(code: ErrorCode, status: number, message: string, fields?: FieldProblem[]) {
    super(message);
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

/** 400: the request is malformed or breaks a rule. */
export const invalid = (message: string, fields?: FieldProblem[]) => new AppError('invalid', 400, message, fields);
/** 401: no valid session. */
export const unauthenticated = (message = 'Sign-in required') => new AppError('unauthenticated', 401, message);
/** 403: signed in but not allowed. */
export const forbidden = (message = 'You do not have permission for this action') =>
  new AppError('forbidden', 403, message);
/** 404: nothing (visible to you) with that id. */
export const notFound = (what: string) => new AppError('not_found', 404, `${what} not found`);
/** 409: conflicts with existing state. */
export const conflict = (message: string) => new AppError('conflict', 409, message);
/** 423: account temporarily locked. */
export const locked = (message: string) => new AppError('locked', 423, message);
