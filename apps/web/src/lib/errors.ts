import type { TFunction } from 'i18next';
import { ApiError, type ClientErrorCode } from '../api/client.ts';

/** Per-screen wording for an error code, as i18n keys (e.g. a 401 on the sign-in page). */
export type ErrorOverrides = Partial<Record<ClientErrorCode, string>>;

// Server messages that deserve a more specific explanation than their code (matched by prefix).
const SERVER_MESSAGES: [prefix: string, key: string][] = [
  ['You cannot change your own role or disable yourself', 'errors.server.selfChange'],
  ['You cannot give this role', 'errors.server.cannotGrant'],
  ['Only region administrators assign facilities', 'errors.server.assignOnlyRegion'],
  ['A user with this e-mail already exists', 'errors.server.emailTaken'],
  ['The platform is already set up', 'errors.server.alreadySetUp'],
  ['This link is invalid or has expired', 'errors.server.linkExpired'],
  ['Two-step sign-in is already set up', 'errors.server.mfaAlreadySetUp'],
  ['Start the set-up first', 'errors.server.mfaStartFirst'],
  ['No second step is pending', 'errors.server.mfaNotPending'],
  ['E-mail or password is incorrect', 'errors.server.badCredentials'],
  ['Password does not meet the policy', 'errors.server.passwordPolicy'],
  ['The code is not correct', 'errors.server.codeIncorrect'],
  ['Unknown facility', 'errors.server.unknownFacility'],
  ['This role needs a facility', 'errors.server.roleNeedsFacility'],
  ['Only facility roles have a home facility', 'errors.server.roleHasNoFacility'],
  ['Facility roles belong to one facility', 'errors.server.roleHasNoFacility'],
];

// Field-level server messages → validation keys.
const FIELD_MESSAGES: Record<string, string> = {
  'at least 12 characters': 'validation.passwordLength',
  'must not contain your e-mail name': 'validation.passwordEmail',
  'too easy to guess': 'validation.passwordCommon',
  'incorrect code': 'validation.totpIncorrect',
  'invalid or expired': 'validation.linkExpired',
  required: 'validation.required',
  'required for this role': 'validation.facilityRequired',
  'not found': 'validation.facilityNotFound',
  'must be null': 'validation.noFacilityForRole',
  'not allowed for this role': 'validation.noAssignmentForRole',
};

/** The i18n key that explains an error to the user (override → known server message → code). */
export function errorKey(err: unknown, overrides: ErrorOverrides = {}): string {
  if (!(err instanceof ApiError)) return 'errors.codes.internal';
  const override = overrides[err.code];
  if (override) return override;
  const known = SERVER_MESSAGES.find(([prefix]) => err.message.startsWith(prefix));
  if (known) return known[1];
  return `errors.codes.${err.code}`;
}

/** A plain-language explanation of an error, in the current language. */
export function errorMessage(t: TFunction, err: unknown, overrides?: ErrorOverrides): string {
  return t(errorKey(err, overrides));
}

/** Server field problems as form errors keyed by form path (`contact.phone`), translated. */
export function serverFieldErrors(t: TFunction, err: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!(err instanceof ApiError)) return errors;
  for (const f of err.fields) {
    const path = f.path.replace(/^(body|querystring|params)\.?/, '');
    if (!path || errors[path]) continue;
    errors[path] = t(FIELD_MESSAGES[f.message] ?? 'validation.invalid');
  }
  return errors;
}
