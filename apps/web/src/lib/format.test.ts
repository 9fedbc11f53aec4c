import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDateTime, formatRelative, jstDayEndIso, jstDayStartIso, lastJstDays, startOfJstDay } from './format.ts';

test('times are shown in JST whatever the machine zone', () => {
  assert.equal(formatDateTime('2025-03-31T15:30:00Z', 'ja'), '2025/04/01 00:30');
  assert.equal(formatDateTime('2025-03-31T15:30:00Z', 'en'), '01/04/2025, 00:30');
});

test('a JST day starts at 15:00 UTC the day before', () => {
  assert.equal(startOfJstDay(new Date('2025-04-01T14:59:59Z')).toISOString(), '2025-03-31T15:00:00.000Z');
  assert.equal(startOfJstDay(new Date('2025-04-01T15:00:00Z')).toISOString(), '2025-04-01T15:00:00.000Z');
});

test('the last 14 JST days end with today and do not overlap', () => {
  const days = lastJstDays(14, new Date('2025-04-10T03:00:00Z'));
  assert.equal(days.length, 14);
  assert.equal(days.at(-1)?.start.toISOString(), '2025-04-09T15:00:00.000Z');
  assert.equal(days[0]?.start.toISOString(), '2025-03-27T15:00:00.000Z');
  for (let i = 1; i < days.length; i++) assert.equal(days[i]?.start.getTime(), days[i - 1]?.end.getTime());
});

test('a calendar date becomes a whole JST day for the audit filter', () => {
  assert.equal(new Date(jstDayStartIso('2025-04-01')).toISOString(), '2025-03-31T15:00:00.000Z');
  assert.equal(new Date(jstDayEndIso('2025-04-01')).toISOString(), '2025-04-01T14:59:59.999Z');
});

test('relative times read naturally in both languages', () => {
  const now = new Date('2025-04-01T00:00:00Z');
  assert.equal(formatRelative('2025-03-31T23:59:30Z', 'ja', now), '今');
  assert.equal(formatRelative('2025-03-31T23:57:00Z', 'ja', now), '3 分前');
  assert.equal(formatRelative('2025-03-31T21:00:00Z', 'en', now), '3 hours ago');
  assert.equal(formatRelative('2025-03-29T00:00:00Z', 'en', now), '3 days ago');
  assert.equal(formatRelative('2025-04-08T00:00:00Z', 'ja', now), '7 日後');
});
