import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FacilityTypeSchema, RoleSchema } from '@mamori/contracts';
import { AUDIT_ACTIONS } from '../lib/audit.ts';
import en from './en.json' with { type: 'json' };
import ja from './ja.json' with { type: 'json' };

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else for (const [k, v] of leaves(value, full)) out.set(k, v);
  }
  return out;
}

const jaKeys = leaves(ja as Tree);
const enKeys = leaves(en as Tree);
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

test('Japanese and English have exactly the same keys', () => {
  assert.deepEqual(
    [...jaKeys.keys()].filter((k) => !enKeys.has(k)),
    [],
    'missing in en.json',
  );
  assert.deepEqual(
    [...enKeys.keys()].filter((k) => !jaKeys.has(k)),
    [],
    'missing in ja.json',
  );
});

test('every translation uses the same placeholders in both languages', () => {
  for (const [key, text] of jaKeys) {
    assert.deepEqual(placeholders(enKeys.get(key) ?? ''), placeholders(text), key);
  }
});

test('no translation is empty', () => {
  for (const [key, text] of [...jaKeys, ...enKeys]) assert.ok(text.trim(), key);
});

test('every role, facility type and audit action has a label and a sentence', () => {
  for (const role of RoleSchema.options) assert.ok(jaKeys.has(`roles.${role}`) && jaKeys.has(`roleHelp.${role}`), role);
  for (const type of FacilityTypeSchema.options) assert.ok(jaKeys.has(`facilityTypes.${type}`), type);
  for (const action of AUDIT_ACTIONS) {
    assert.ok(jaKeys.has(`audit.action.${action}`), `label for ${action}`);
    assert.ok(jaKeys.has(`audit.sentence.${action}`), `sentence for ${action}`);
  }
});

test('every audit action the server records is known to the console', () => {
  const serverSrc = path.resolve(import.meta.dirname, '../../../server/src');
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
          if (!/\baction: /.test(line)) continue;
          for (const m of line.matchAll(/'([a-z]+\.[a-z_]+)'/g)) if (m[1]) found.add(m[1]);
        }
      }
    }
  };
  walk(serverSrc);
  assert.ok(found.size > 10, 'expected to find the server audit actions');
  const known = new Set<string>(AUDIT_ACTIONS);
  assert.deepEqual(
    [...found].filter((a) => !known.has(a)).sort(),
    [],
    'add these to AUDIT_ACTIONS, ja.json and en.json',
  );
});
