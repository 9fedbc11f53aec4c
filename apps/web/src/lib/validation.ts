import type { TFunction } from 'i18next';
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

// Fields filled from a list: a missing value is "please choose", not "please enter".
const CHOICE_FIELDS = new Set(['type', 'prefecture', 'role', 'facilityId', 'locale']);

/** The i18n key and values that explain one zod issue to a clinic clerk. */
export function issueMessage(issue: Issue): { key: string; values?: Record<string, unknown> } {
  const field = String(issue.path.at(-1) ?? '');
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') {
        if (Number(issue.minimum) <= 1) return { key: 'validation.required' };
        if (field === 'password') return { key: 'validation.passwordLength' };
        return { key: 'validation.minLength', values: { count: Number(issue.minimum) } };
      }
      if (issue.origin === 'number' || issue.origin === 'int') {
        return { key: 'validation.minNumber', values: { min: Number(issue.minimum) } };
      }
      return { key: 'validation.required' };
    case 'too_big':
      if (issue.origin === 'string') return { key: 'validation.maxLength', values: { count: Number(issue.maximum) } };
      if (issue.origin === 'number' || issue.origin === 'int') {
        return { key: 'validation.maxNumber', values: { max: Number(issue.maximum) } };
      }
      return { key: 'validation.invalid' };
    case 'invalid_format':
      if (issue.format === 'email') return { key: 'validation.email' };
      if (field === 'phone') return { key: 'validation.phone' };
      if (field === 'code') return { key: 'validation.totp' };
      if (CHOICE_FIELDS.has(field)) return { key: 'validation.choose' };
      if (issue.format === 'uuid') return { key: 'validation.choose' };
      return { key: 'validation.invalid' };
    case 'invalid_type':
      if (CHOICE_FIELDS.has(field)) return { key: 'validation.choose' };
      if (issue.expected === 'number' || issue.expected === 'int') return { key: 'validation.number' };
      return { key: 'validation.required' };
    case 'invalid_value':
      return { key: 'validation.choose' };
    case 'custom':
      if (issue.message === 'required for this role') return { key: 'validation.facilityRequired' };
      if (issue.message === 'only facility roles have a home facility') return { key: 'validation.noFacilityForRole' };
      return { key: 'validation.invalid' };
    default:
      return { key: 'validation.invalid' };
  }
}

/**
 * A Mantine form `validate` function backed by a contract schema: the form values are turned into
 * the request with `toRequest`, checked with the same zod schema the server uses, and each problem
 * is put on its field (form field paths mirror the request's paths) in plain words.
 */
export function validateWith<V, R>(
  schema: z.ZodType<unknown, R>,
  toRequest: (values: V) => R,
  t: TFunction,
  extra?: (values: V) => Record<string, string>,
): (values: V) => Record<string, string> {
  return (values: V) => {
    const errors: Record<string, string> = { ...extra?.(values) };
    const result = schema.safeParse(toRequest(values));
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = issue.path.map(String).join('.');
        if (errors[path]) continue;
        const { key, values: v } = issueMessage(issue);
        errors[path] = t(key, v);
      }
    }
    return errors;
  };
}

/** Trims a text field and turns an empty one into `undefined` (for optional request fields). */
export function optionalText(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
