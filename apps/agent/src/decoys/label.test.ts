/** The name a SOC operator reads in "killed …" alerts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processLabel } from './runtime.ts';

test('names the program, and the script for interpreters, not a thread name', () => {
  assert.equal(processLabel('MainThread', '/usr/bin/node /tmp/x/ransim.ts encrypt --root /srv'), 'node ransim.ts');
  assert.equal(processLabel('python3', '/usr/bin/python3 -u evil.py'), 'python3');
  assert.equal(processLabel('lockbit', '/tmp/.x/lockbit --path /srv'), 'lockbit');
  assert.equal(processLabel('svc', 'C:\\Users\\a\\AppData\\x.exe /all'), 'x.exe');
  assert.equal(processLabel('kworker', ''), 'kworker');
});
