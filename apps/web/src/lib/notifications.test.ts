import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TFunction } from 'i18next';
import {
  type ChannelForm,
  channelField,
  deliveriesByDay,
  emptyChannelForm,
  emptyRuleForm,
  generateSecret,
  mapLimit,
  splitRecipients,
  toChannelRequest,
  toRuleRequest,
  validateChannelForm,
  validateRuleForm,
} from './notifications.ts';

// Returns the key and its values, so the tests see which message was chosen.
const t = ((key: string, values?: Record<string, unknown>) =>
  values ? `${key} ${JSON.stringify(values)}` : key) as unknown as TFunction;
const FACILITY = '7f1c2f0e-1d1a-4a7e-9a57-3b1e7d0c2a11';
const OTHER = '0b6f3a55-2a7e-4a34-8f6b-0c9e1f2d3a44';
const form = (patch: Partial<ChannelForm>): ChannelForm => ({ ...emptyChannelForm(null), name: '地域SOC', ...patch });

test('recipients split on new lines, commas, spaces and the Japanese comma, without repeats', () => {
  assert.deepEqual(splitRecipients(' a@x.jp,b@x.jp\nc@x.jp、a@x.jp  d@x.jp; '), [
    'a@x.jp',
    'b@x.jp',
    'c@x.jp',
    'd@x.jp',
  ]);
  assert.deepEqual(splitRecipients('  \n'), []);
});

test('each kind sends only its own fields', () => {
  const all = { recipients: 'it@clinic.jp', url: ' https://hooks.example.jp/x ', secret: 's'.repeat(20), caPem: 'PEM' };
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'email', facilityId: FACILITY })), {
    kind: 'email',
    name: '地域SOC',
    facilityId: FACILITY,
    config: { to: ['it@clinic.jp'] },
  });
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'webhook' })).config, {
    url: 'https://hooks.example.jp/x',
    secret: 's'.repeat(20),
  });
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'webhook', secret: '  ' })).config, {
    url: 'https://hooks.example.jp/x',
    secret: undefined,
  });
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'slack' })).config, { url: 'https://hooks.example.jp/x' });
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'syslog', url: 'tcp://siem.local:514' })).config, {
    url: 'tcp://siem.local:514',
    caPem: undefined,
  });
  assert.deepEqual(toChannelRequest(form({ ...all, kind: 'syslog', url: 'tls://siem.local:6514' })).config, {
    url: 'tls://siem.local:6514',
    caPem: 'PEM',
  });
});

test('request paths land on the form fields', () => {
  assert.equal(channelField('config.to.3'), 'recipients');
  assert.equal(channelField('body.config.url'), 'url');
  assert.equal(channelField('config.secret'), 'secret');
  assert.equal(channelField('name'), 'name');
  assert.equal(channelField('config.other'), null);
});

test('channel validation explains each problem on its field', () => {
  const check = validateChannelForm(t);
  assert.deepEqual(check(form({ kind: 'email', recipients: 'it@clinic.jp' })), {});
  assert.deepEqual(check(form({ kind: 'email', name: ' ', recipients: '' })), {
    name: 'validation.required',
    recipients: 'validation.required',
  });
  assert.deepEqual(check(form({ kind: 'email', recipients: 'ok@clinic.jp, not-an-address' })), {
    recipients: 'notifications.validation.recipient {"address":"not-an-address"}',
  });
  assert.deepEqual(check(form({ kind: 'webhook', url: 'ftp://x.jp/' })), {
    url: 'notifications.validation.url.webhook',
  });
  assert.deepEqual(check(form({ kind: 'teams', url: '' })), { url: 'validation.required' });
  assert.deepEqual(check(form({ kind: 'webhook', url: 'https://x.jp/', secret: 'short' })), {
    secret: 'notifications.validation.secret',
  });
  assert.deepEqual(check(form({ kind: 'syslog', url: 'udp://siem:514' })), {
    url: 'notifications.validation.url.syslog',
  });
  assert.deepEqual(check(form({ kind: 'syslog', url: 'tls://siem.local:6514' })), {});
});

test('a generated webhook key is long enough for the server and different each time', () => {
  const a = generateSecret();
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(generateSecret(), a);
  assert.deepEqual(validateChannelForm(t)(form({ kind: 'webhook', url: 'https://x.jp/', secret: a })), {});
});

test('a rule with no module ticked covers every module', () => {
  assert.deepEqual(toRuleRequest({ ...emptyRuleForm(FACILITY), minSeverity: 'critical' }), {
    channelId: FACILITY,
    facilityId: null,
    minSeverity: 'critical',
    sources: null,
  });
  assert.deepEqual(toRuleRequest({ ...emptyRuleForm(FACILITY), sources: ['agent'] }).sources, ['agent']);
});

test('rule validation asks for a channel and keeps a facility channel to its own facility', () => {
  const channels = [
    {
      id: FACILITY,
      kind: 'email' as const,
      name: 'x',
      facilityId: FACILITY,
      target: 'a@b.jp',
      enabled: true,
      createdAt: '2025-01-01T00:00:00.000Z',
    },
  ];
  const check = validateRuleForm(t, channels);
  assert.deepEqual(check(emptyRuleForm()), { channelId: 'validation.choose' });
  assert.deepEqual(check({ ...emptyRuleForm(FACILITY), facilityId: FACILITY }), {});
  assert.deepEqual(check({ ...emptyRuleForm(FACILITY), facilityId: OTHER }), {
    facilityId: 'notifications.validation.ruleFacility',
  });
});

test('mapLimit keeps the order and never runs more than the limit at once', async () => {
  let running = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, n));
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
  assert.equal(most, 2);
  assert.deepEqual(await mapLimit([], 4, async (n: number) => n), []);
});

test('deliveries are counted per JST day and state', () => {
  const now = new Date('2025-04-10T03:00:00.000Z'); // 12:00 JST on 4/10
  const { days, counts } = deliveriesByDay(
    [
      { status: 'sent', createdAt: '2025-04-10T01:00:00.000Z' },
      { status: 'sent', createdAt: '2025-04-09T15:30:00.000Z' }, // 00:30 JST on 4/10
      { status: 'failed', createdAt: '2025-04-09T14:30:00.000Z' }, // 23:30 JST on 4/9
      { status: 'pending', createdAt: '2025-03-01T00:00:00.000Z' }, // outside the range
    ],
    3,
    now,
  );
  assert.equal(days.length, 3);
  assert.equal(days[2]?.toISOString(), '2025-04-09T15:00:00.000Z');
  assert.deepEqual(counts, { sent: [0, 0, 2], pending: [0, 0, 0], failed: [0, 1, 0] });
});
