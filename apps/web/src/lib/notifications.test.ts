import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TFunction } from 'i18next';
import {
  type ChannelForm,
  canRetry,
  channelField,
  channelFormFrom,
  chartFromCounts,
  emptyChannelForm,
  emptyRuleForm,
  generateSecret,
  periodSince,
  ruleFormFrom,
  splitRecipients,
  toChannelRequest,
  toChannelUpdate,
  toRuleRequest,
  toRuleUpdate,
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
      hasSecret: false,
      hasCaPem: false,
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

test('the edit form shows the addresses and the syslog URL, never a webhook URL or key', () => {
  const base = { id: FACILITY, facilityId: null, hasSecret: true, hasCaPem: false, enabled: false, createdAt: '' };
  const mail = channelFormFrom({ ...base, kind: 'email', name: '事務', target: 'a@x.jp, b@x.jp' });
  assert.equal(mail.recipients, 'a@x.jp\nb@x.jp');
  assert.equal(mail.enabled, false);
  const hook = channelFormFrom({ ...base, kind: 'webhook', name: 'SOC', target: 'hooks.example.jp' });
  assert.deepEqual([hook.url, hook.secret], ['', '']);
  assert.equal(
    channelFormFrom({ ...base, kind: 'syslog', name: 'SIEM', target: 'tcp://siem:514' }).url,
    'tcp://siem:514',
  );
});

test('an edit sends only what was typed: a blank webhook URL or key is kept, removing the key is explicit', () => {
  const hook = form({ kind: 'webhook', name: 'SOC' });
  assert.deepEqual(toChannelUpdate(hook), { name: 'SOC', enabled: true });
  assert.deepEqual(toChannelUpdate({ ...hook, url: ' https://new.example.jp/h ', secret: 'k'.repeat(20) }).config, {
    url: 'https://new.example.jp/h',
    secret: 'k'.repeat(20),
  });
  assert.deepEqual(toChannelUpdate({ ...hook, secret: 'typed', removeSecret: true }).config, { secret: null });
  assert.deepEqual(toChannelUpdate(form({ kind: 'email', recipients: 'a@x.jp, a@x.jp' })).config, { to: ['a@x.jp'] });
  assert.deepEqual(toChannelUpdate(form({ kind: 'syslog', url: 'tcp://siem:514', caPem: 'PEM' })).config, {
    url: 'tcp://siem:514',
    caPem: null,
  });
  assert.deepEqual(toChannelUpdate({ ...form({ kind: 'teams' }), enabled: false }), {
    name: '地域SOC',
    enabled: false,
  });
});

test('editing allows a blank webhook URL but still checks what was typed', () => {
  const check = validateChannelForm(t, true);
  assert.deepEqual(check(form({ kind: 'slack', url: '' })), {});
  assert.deepEqual(check(form({ kind: 'webhook', url: 'ftp://x.jp/' })), {
    url: 'notifications.validation.url.webhook',
  });
  assert.deepEqual(check(form({ kind: 'webhook', secret: 'short' })), { secret: 'notifications.validation.secret' });
  assert.deepEqual(check(form({ kind: 'syslog', url: '' })), { url: 'validation.required' });
  assert.deepEqual(validateChannelForm(t)(form({ kind: 'slack', url: '' })), { url: 'validation.required' });
});

test('a rule edit keeps the channel and sends the rest', () => {
  const rule = {
    id: OTHER,
    channelId: FACILITY,
    facilityId: null,
    minSeverity: 'medium' as const,
    sources: ['agent'],
    enabled: true,
    createdAt: '',
  };
  const v = ruleFormFrom(rule);
  assert.equal(v.channelId, FACILITY);
  assert.deepEqual(toRuleUpdate({ ...v, sources: [] }), { facilityId: null, minSeverity: 'medium', sources: null });
});

test('the chart takes the server counts per JST day', () => {
  const { days, counts } = chartFromCounts([
    { day: '2025-04-09', sent: 1, pending: 0, failed: 2 },
    { day: '2025-04-10', sent: 3, pending: 1, failed: 0 },
  ]);
  assert.equal(days[0]?.toISOString(), '2025-04-08T15:00:00.000Z', 'midnight in Japan');
  assert.deepEqual(counts, { sent: [1, 3], pending: [0, 1], failed: [2, 0] });
});

test('only unsent deliveries on a visible channel can be retried; periods round to the minute', () => {
  const channel = { name: 'x', kind: 'email' };
  assert.equal(canRetry({ status: 'failed', channel }), true);
  assert.equal(canRetry({ status: 'pending', channel }), true);
  assert.equal(canRetry({ status: 'sent', channel }), false);
  assert.equal(canRetry({ status: 'failed', channel: null }), false);
  const now = Date.parse('2025-04-10T03:00:42.123Z');
  assert.equal(periodSince('24h', now), '2025-04-09T03:00:00.000Z');
  assert.equal(periodSince('7d', now), '2025-04-03T03:00:00.000Z');
  assert.equal(periodSince(null, now), undefined);
});
