import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDateTime, jstDayEndIso, jstDayStartIso, lastJstDays, startOfJstDay } from './format.ts';

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
