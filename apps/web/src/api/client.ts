import type { ErrorCode, ErrorResponse } from '@mamori/contracts';

/** A field-level problem reported by the server (`path` like `body.contact.phone`). */
export type FieldProblem = { path: string; message: string };

/** Codes the console adds for failures that never reached the API. */
export type ClientErrorCode = ErrorCode | 'network';

/** Any failed API call: the stable error code, the HTTP status and the field problems. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly fields: FieldProblem[];
  constructor(status: number, code: ClientErrorCode, message: string, fields: FieldProblem[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** Session problems the app reacts to by moving to another page. */
export type AuthProblem = 'unauthenticated' | 'mfa_required' | 'mfa_setup_required';

// The CSRF token of the latest SessionResponse; every state-changing request echoes it.
let csrfToken: string | null = null;
// Time of the last request that reached the server (the server extends the idle timeout on each).
let lastActivityAt = Date.now();
const authListeners = new Set<(problem: AuthProblem) => void>();
// Until this time, reads of alerts, agents and decoys are refreshes the live stream asked for, not the user's doing.
let backgroundUntil = 0;
const LIVE_PATHS = /^\/api\/(alerts|agents|decoys|beacon-hits)(\/|$)/;

/** Remembers the CSRF token from the latest session response (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const ACTIVITY_KEY = 'mamori.lastActivity';

/** When the server last saw a request from this browser, in any tab (ms since epoch). */
export function lastServerActivity(): number {
  let shared = 0;
  try {
    shared = Number(localStorage.getItem(ACTIVITY_KEY) ?? 0) || 0;
  } catch {
    // Storage may be unavailable (private mode); this tab's own time is enough.
  }
  return Math.max(lastActivityAt, shared);
}

function markActivity(): void {
  lastActivityAt = Date.now();
  try {
    localStorage.setItem(ACTIVITY_KEY, String(lastActivityAt));
  } catch {
    // See lastServerActivity.
  }
}

/** Subscribes to "the session is gone or needs its second step"; returns the unsubscribe function. */
export function onAuthProblem(listener: (problem: AuthProblem) => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

/**
 * Marks reads of alerts and agents in the next few seconds as background refreshes: they keep the
 * screen current but do not count as the user's activity, so an unattended console still signs out.
 */
export function markBackgroundRefresh(ms = 3000): void {
  backgroundUntil = Date.now() + ms;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Query-string values; undefined, null and '' are left out. */
export type Query = Record<string, string | number | boolean | undefined | null>;

/** Builds `?a=1&b=2` from the defined values (empty string when none). */
export function toQueryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

type RequestOptions = {
  body?: unknown;
  query?: Query;
  /** Report 401s to the auth listeners (default true; sign-in pages handle their own). */
  reportAuthProblems?: boolean;
  /** A read the console makes by itself (an automatic refresh): not the user's activity for the idle sign-out. */
  background?: boolean;
};

/** Calls the Mamori API and returns the parsed JSON body, or throws an ApiError. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (MUTATING.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${path}${toQueryString(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(0, 'network', err instanceof Error ? err.message : 'network error');
  }
  const isBackground =
    method === 'GET' && (options.background || (Date.now() < backgroundUntil && LIVE_PATHS.test(path)));
  if (!isBackground) markActivity();
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const body = (json as Partial<ErrorResponse> | null)?.error;
    const code: ClientErrorCode = body?.code ?? (res.status >= 500 ? 'internal' : 'invalid');
    const error = new ApiError(res.status, code, body?.message ?? res.statusText, body?.fields ?? []);
    if (res.status === 401 && options.reportAuthProblems !== false) {
      const problem: AuthProblem = code === 'mfa_required' || code === 'mfa_setup_required' ? code : 'unauthenticated';
      for (const listener of authListeners) listener(problem);
    }
    throw error;
  }
  return json as T;
}
