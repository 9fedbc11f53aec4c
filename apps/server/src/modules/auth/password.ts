import { hash, verify } from '@node-rs/argon2';
import { invalid } from '../../lib/errors.ts';

// argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane).
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a password with argon2id. */
export const hashPassword = (password: string): Promise<string> => hash(password, ARGON);

/** Verifies a password against an argon2 hash; false on any malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A dummy hash verified when the user does not exist, so timing does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;
/** Spends the same time as a real verification. */
export async function verifyDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword('mamori-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}

const COMMON = new Set([
  'password1234',
  'passw0rd1234',
  '123456789012',
  'qwertyuiop12',
  'administrator',
  'iloveyou1234',
  'welcome12345',
  'letmein12345',
]);

/** Enforces the password policy beyond length: not the e-mail, not common, not one repeated character. */
export function checkPasswordPolicy(password: string, email: string): void {
  const lower = password.toLowerCase();
  const problems: string[] = [];
  if ([...password].length < 12) problems.push('at least 12 characters');
  if (lower.includes(email.toLowerCase().split('@')[0] ?? '\u0000') || lower === email.toLowerCase())
    problems.push('must not contain your e-mail name');
  if (COMMON.has(lower) || /^(.)\1+$/.test(password) || /^(0123456789|1234567890)/.test(password))
    problems.push('too easy to guess');
  if (problems.length)
    throw invalid(
      'Password does not meet the policy',
      problems.map((message) => ({ path: 'password', message })),
    );
}
