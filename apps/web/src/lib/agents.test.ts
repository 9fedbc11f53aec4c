import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrolCommands } from './agents.ts';

test('the enrol commands carry this console, the token and the CA file, then install the service', () => {
  const { linux, windows } = enrolCommands('https://mamori.example.jp', 'mt_abc-DEF_123');
  assert.deepEqual(linux.split('\n'), [
    'sudo mamori-agent enroll --server https://mamori.example.jp --token mt_abc-DEF_123 --ca mamori-ca.crt',
    'sudo mamori-agent install-service',
    'sudo systemctl daemon-reload && sudo systemctl enable --now mamori-agent',
  ]);
  assert.deepEqual(windows.split('\n'), [
    'mamori-agent enroll --server https://mamori.example.jp --token mt_abc-DEF_123 --ca mamori-ca.crt',
    'mamori-agent install-service',
  ]);
});
