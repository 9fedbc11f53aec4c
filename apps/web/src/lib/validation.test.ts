import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BootstrapRequestSchema, CreateFacilityRequestSchema, CreateUserRequestSchema } from '@mamori/contracts';
import type { TFunction } from 'i18next';
import { validateWith } from './validation.ts';

// A stand-in for i18next's t(): returns the key with its values, so the test sees which message was chosen.
const t = ((key: string, values?: Record<string, unknown>) =>
  values ? `${key}:${JSON.stringify(values)}` : key) as unknown as TFunction;

test('facility form problems land on their fields in plain words', () => {
  const validate = validateWith(CreateFacilityRequestSchema, (v: Record<string, unknown>) => v, t);
  const errors = validate({ name: '', prefecture: '99', contact: { name: 'x', phone: 'abc', email: 'nope' } });
  assert.equal(errors.name, 'validation.required');
  assert.equal(errors.type, 'validation.choose');
  assert.equal(errors.prefecture, 'validation.choose');
  assert.equal(errors['contact.phone'], 'validation.phone');
  assert.equal(errors['contact.email'], 'validation.email');
});

test('a short password is explained with the policy, not a character count', () => {
  const validate = validateWith(BootstrapRequestSchema, (v: Record<string, unknown>) => v, t);
  const errors = validate({
    token: 'x'.repeat(30),
    email: 'a@b.jp',
    displayName: 'A',
    organisationName: 'B',
    password: 'short',
  });
  assert.deepEqual(errors, { password: 'validation.passwordLength' });
});

test('a facility role without a facility asks for one', () => {
  const validate = validateWith(CreateUserRequestSchema, (v: Record<string, unknown>) => v, t);
  const errors = validate({ email: 'a@b.jp', displayName: 'A', role: 'facility_staff' });
  assert.deepEqual(errors, { facilityId: 'validation.facilityRequired' });
});

test('extra checks come first and valid values give no errors', () => {
  const validate = validateWith(
    CreateUserRequestSchema,
    (v: Record<string, unknown>) => v,
    t,
    () => ({ email: 'custom' }),
  );
  assert.deepEqual(validate({ email: 'a@b.jp', displayName: 'A', role: 'region_admin' }), { email: 'custom' });
});
