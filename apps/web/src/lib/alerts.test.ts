import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertStatusSchema, DECOY_EVENT_KINDS, SeveritySchema } from '@mamori/contracts';
import i18next from 'i18next';
import en from '../i18n/en.json' with { type: 'json' };
import ja from '../i18n/ja.json' with { type: 'json' };
import {
  ALERT_STATUSES,
  alertAdvice,
  alertTitle,
  describeTimelineEntry,
  looksLikeTimestamp,
  nextStatuses,
  parseStatusChange,
  SEVERITIES,
} from './alerts.ts';

const i18n = i18next.createInstance();
await i18n.init({
  resources: { ja: { translation: ja }, en: { translation: en } },
  lng: 'ja',
  fallbackLng: 'ja',
  interpolation: { escapeValue: false },
});
const t = i18n.t.bind(i18n);

test('every severity and status of the contract is known, with a label in both languages', () => {
  assert.deepEqual([...SEVERITIES].sort(), [...SeveritySchema.options].sort());
  assert.deepEqual([...ALERT_STATUSES], [...AlertStatusSchema.options]);
  for (const s of SEVERITIES) assert.ok(i18n.exists(`severity.${s}`, { lng: 'en' }), s);
  for (const s of ALERT_STATUSES) assert.ok(i18n.exists(`alertStatus.${s}`, { lng: 'en' }), s);
  assert.deepEqual(
    SEVERITIES.map((s) => t(`severity.${s}`)),
    ['重大', '高', '中', '低', '情報'],
  );
  assert.deepEqual(
    ALERT_STATUSES.map((s) => t(`alertStatus.${s}`)),
    ['新規', '確認済み', '調査中', '解決済み', '誤検知'],
  );
});

test('known kinds get their own advice, others the generic one', () => {
  const offline = alertAdvice(t, 'agent_offline');
  assert.match(offline.what, /連絡が途絶えています/);
  assert.match(offline.todo, /地域SOC/);
  assert.notEqual(alertAdvice(t, 'test').what, offline.what);
  assert.deepEqual(alertAdvice(t, 'sensor.something_new'), {
    what: t('alerts.kind.generic.what'),
    todo: t('alerts.kind.generic.todo'),
  });
});

test('every decoy event kind and beacon openings have their own advice in both languages', () => {
  const generic = alertAdvice(t, 'generic');
  for (const kind of [...DECOY_EVENT_KINDS, 'beacon.opened']) {
    const key = kind.replace(/\./g, '_');
    for (const lng of ['ja', 'en']) {
      assert.ok(i18n.exists(`alerts.kind.${key}.what`, { lng }), `${kind} what (${lng})`);
      assert.ok(i18n.exists(`alerts.kind.${key}.todo`, { lng }), `${kind} todo (${lng})`);
    }
    assert.notEqual(alertAdvice(t, kind).todo, generic.todo, kind);
  }
  // An attack on a decoy tells the clerk to unplug the cable and keep the power on.
  assert.match(alertAdvice(t, 'tree.mass_rename').todo, /LANケーブルを抜き、電源は切らずに/);
  assert.match(alertAdvice(t, 'decoy.modified').todo, /電源は切らないで/);
  assert.ok(i18n.exists('alerts.source.decoys', { lng: 'en' }));
});

test('agent_offline titles are translated; other titles are shown as reported', () => {
  const server = 'Agent on reception-pc has not reported since 2025-04-01T00:00:00.000Z';
  assert.equal(
    alertTitle(t, { kind: 'agent_offline', title: server, hostname: 'reception-pc' }),
    'reception-pc のエージェントから連絡がありません',
  );
  assert.equal(alertTitle(t, { kind: 'test', title: 'テスト通知', hostname: 'pc1' }), 'テスト通知');
});

test('the timeline reads as sentences', () => {
  assert.deepEqual(parseStatusChange('new → acknowledged'), { from: 'new', to: 'acknowledged' });
  assert.equal(parseStatusChange('garbage'), null);
  const entry = (type: 'occurred' | 'status' | 'assigned' | 'comment', body: string) => ({
    at: '2025-04-01T00:00:00Z',
    type,
    actorEmail: null,
    body,
  });
  const names = (id: string) => (id === 'u1' ? '佐藤 健一' : undefined);
  assert.equal(
    describeTimelineEntry(t, entry('status', 'new → resolved'), names),
    '状態を「新規」から「解決済み」に変更しました',
  );
  assert.equal(describeTimelineEntry(t, entry('assigned', 'u1'), names), '担当者を 佐藤 健一 さんにしました');
  assert.equal(describeTimelineEntry(t, entry('assigned', ''), names), '担当者を外しました');
  assert.equal(describeTimelineEntry(t, entry('comment', '電話で確認済み'), names), '電話で確認済み');
});

test('a closed alert only moves between the closed statuses', () => {
  assert.deepEqual(nextStatuses('new'), ['acknowledged', 'investigating', 'resolved', 'false_positive']);
  assert.deepEqual(nextStatuses('resolved'), ['resolved', 'false_positive']);
});

test('timestamps in details are recognised', () => {
  assert.ok(looksLikeTimestamp('2025-04-01T00:00:00.000Z'));
  assert.ok(looksLikeTimestamp('2025-04-01T09:00:00+09:00'));
  assert.ok(!looksLikeTimestamp('2025-04-01'));
  assert.ok(!looksLikeTimestamp(42));
});
