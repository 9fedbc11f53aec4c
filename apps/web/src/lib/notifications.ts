import {
  type Channel,
  type CreateChannelRequest,
  CreateChannelRequestSchema,
  type CreateRuleRequest,
  CreateRuleRequestSchema,
  type Delivery,
  type DeliveryDayCount,
  type Rule,
  type Severity,
  type UpdateChannelRequest,
  type UpdateRuleRequest,
} from '@mamori/contracts';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { jstDayStartIso } from './format.ts';
import { issueMessage, optionalText } from './validation.ts';

/** Every kind of channel, in the order the form offers them. */
export const CHANNEL_KINDS: readonly Channel['kind'][] = ['email', 'webhook', 'slack', 'teams', 'syslog'];

/** Every delivery state, in the order of legends and filters. */
export const DELIVERY_STATUSES: readonly Delivery['status'][] = ['sent', 'pending', 'failed'];

/** Mantine colour of each delivery state. */
export const DELIVERY_STATUS_COLOR: Record<Delivery['status'], string> = {
  sent: 'teal',
  pending: 'yellow',
  failed: 'red',
};

/** The same colours as hex values, for the chart (Mantine shade 6/7). */
export const DELIVERY_STATUS_HEX: Record<Delivery['status'], string> = {
  sent: '#0ca678',
  pending: '#f59f00',
  failed: '#e03131',
};

export const isDeliveryStatus = (v: string | null | undefined): v is Delivery['status'] =>
  !!v && (DELIVERY_STATUSES as readonly string[]).includes(v);

/** The channel form: one set of fields, of which each kind uses some. */
export type ChannelForm = {
  kind: Channel['kind'];
  name: string;
  /** Null: a region-level channel (every facility, and the target of escalations). */
  facilityId: string | null;
  /** E-mail addresses separated by new lines, commas or spaces. */
  recipients: string;
  url: string;
  secret: string;
  caPem: string;
  /** Editing only: whether the channel receives alerts. */
  enabled: boolean;
  /** Editing only: drop the webhook's signing key (or the syslog CA). */
  removeSecret: boolean;
};

/** A blank channel form (facility roles start on their own facility). */
export function emptyChannelForm(facilityId: string | null): ChannelForm {
  return {
    kind: 'email',
    name: '',
    facilityId,
    recipients: '',
    url: '',
    secret: '',
    caPem: '',
    enabled: true,
    removeSecret: false,
  };
}

/**
 * The form for editing a channel, filled with what the server shows: the addresses and the syslog
 * URL. Webhook URLs (they may hold tokens) and keys are never sent back, so they start empty and
 * are kept unless something is typed.
 */
export function channelFormFrom(c: Channel): ChannelForm {
  return {
    ...emptyChannelForm(c.facilityId),
    kind: c.kind,
    name: c.name,
    recipients: c.kind === 'email' ? c.target.split(', ').join('\n') : '',
    url: c.kind === 'syslog' ? c.target : '',
    enabled: c.enabled,
  };
}

/** The update request of the edit form: a blank webhook URL or key keeps the current one. */
export function toChannelUpdate(v: ChannelForm): UpdateChannelRequest {
  const url = v.url.trim();
  const config: NonNullable<UpdateChannelRequest['config']> = {};
  switch (v.kind) {
    case 'email':
      config.to = splitRecipients(v.recipients);
      break;
    case 'webhook':
      if (url) config.url = url;
      if (v.removeSecret) config.secret = null;
      else if (optionalText(v.secret)) config.secret = optionalText(v.secret);
      break;
    case 'slack':
    case 'teams':
      if (url) config.url = url;
      break;
    case 'syslog':
      if (url) config.url = url;
      if (v.removeSecret || !url.startsWith('tls://')) config.caPem = null;
      else if (optionalText(v.caPem)) config.caPem = optionalText(v.caPem);
      break;
  }
  return { name: v.name, enabled: v.enabled, ...(Object.keys(config).length ? { config } : {}) };
}

/** The addresses typed in the recipients box, without blanks or repeats. */
export function splitRecipients(text: string): string[] {
  return [...new Set(text.split(/[\s,、;]+/).filter(Boolean))];
}

/** The create request for the form's kind; fields of other kinds are left out. */
export function toChannelRequest(v: ChannelForm): CreateChannelRequest {
  const base = { name: v.name, facilityId: v.facilityId };
  const url = v.url.trim();
  switch (v.kind) {
    case 'email':
      return { ...base, kind: 'email', config: { to: splitRecipients(v.recipients) } };
    case 'webhook':
      return { ...base, kind: 'webhook', config: { url, secret: optionalText(v.secret) } };
    case 'slack':
    case 'teams':
      return { ...base, kind: v.kind, config: { url } };
    case 'syslog':
      return {
        ...base,
        kind: 'syslog',
        config: { url, caPem: url.startsWith('tls://') ? optionalText(v.caPem) : undefined },
      };
  }
}

/** The form field a request path (`config.to.2`, `body.config.url`) belongs to. */
export function channelField(path: string): keyof ChannelForm | null {
  const p = path.replace(/^body\.?/, '');
  if (p === 'name' || p === 'facilityId' || p === 'kind') return p;
  if (p.startsWith('config.to')) return 'recipients';
  if (p === 'config.url') return 'url';
  if (p === 'config.secret') return 'secret';
  if (p === 'config.caPem') return 'caPem';
  return null;
}

// Wording for the fields a generic message would not explain well, by form field.
const FIELD_KEYS: Partial<Record<keyof ChannelForm, (v: ChannelForm) => string>> = {
  url: (v) =>
    `notifications.validation.url.${v.kind === 'syslog' ? 'syslog' : v.kind === 'email' ? 'webhook' : v.kind}`,
  secret: () => 'notifications.validation.secret',
  caPem: () => 'notifications.validation.caPem',
};

// Stands in for a webhook URL left blank while editing (kept on the server), so the rest is checked.
const KEPT_URL = 'https://kept.invalid/';

/**
 * Checks the channel form with the contract schema the server uses and puts each problem on its
 * field in plain words (a bad address names the address). When `editing`, a blank webhook URL is
 * allowed: the server keeps the current one.
 */
export function validateChannelForm(t: TFunction, editing = false): (v: ChannelForm) => Record<string, string> {
  return (v) => {
    const errors: Record<string, string> = {};
    const keepUrl = editing && v.kind !== 'email' && v.kind !== 'syslog' && !v.url.trim();
    const request = toChannelRequest(keepUrl ? { ...v, url: KEPT_URL } : v);
    const result = CreateChannelRequestSchema.safeParse(request);
    if (result.success) return errors;
    for (const issue of result.error.issues) {
      const path = issue.path.map(String).join('.');
      const field = channelField(path);
      if (!field || errors[field]) continue;
      if (field === 'recipients') {
        const index = Number(issue.path[2]);
        const bad = request.kind === 'email' && Number.isInteger(index) ? request.config.to[index] : undefined;
        errors[field] = bad
          ? t('notifications.validation.recipient', { address: bad })
          : t(issue.code === 'too_big' ? 'notifications.validation.tooManyRecipients' : 'validation.required');
        continue;
      }
      if (field === 'url' && !v.url.trim()) {
        errors[field] = t('validation.required');
        continue;
      }
      const special = FIELD_KEYS[field];
      if (special) {
        errors[field] = t(special(v));
        continue;
      }
      const { key, values } = issueMessage(issue);
      errors[field] = t(key, values);
    }
    return errors;
  };
}

/** Server field problems on the channel form's fields. */
export function channelServerErrors(t: TFunction, err: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!(err instanceof ApiError)) return errors;
  for (const f of err.fields) {
    const field = channelField(f.path.replace(/^(body|querystring|params)\.?/, ''));
    if (field && !errors[field]) errors[field] = t('validation.invalid');
  }
  return errors;
}

/** A random HMAC key for a generic webhook: 32 characters of base64url (192 bits). */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_');
}

/** The rule form: a channel, which facility's alerts, from which severity, which modules (none = all). */
export type RuleForm = {
  channelId: string | null;
  /** Null: every facility the channel may hear from. */
  facilityId: string | null;
  minSeverity: Severity;
  sources: string[];
};

export const emptyRuleForm = (channelId: string | null = null): RuleForm => ({
  channelId,
  facilityId: null,
  minSeverity: 'high',
  sources: [],
});

/** The create request: no module ticked means every module. */
export function toRuleRequest(v: RuleForm): CreateRuleRequest {
  return {
    channelId: v.channelId ?? '',
    facilityId: v.facilityId,
    minSeverity: v.minSeverity,
    sources: v.sources.length ? [...v.sources] : null,
  };
}

/** Checks the rule form with the contract schema, plus the server's rule that a facility channel hears only its facility. */
export function validateRuleForm(t: TFunction, channels: Channel[]): (v: RuleForm) => Record<string, string> {
  return (v) => {
    const errors: Record<string, string> = {};
    if (!v.channelId) errors.channelId = t('validation.choose');
    const channel = channels.find((c) => c.id === v.channelId);
    if (channel?.facilityId && v.facilityId && v.facilityId !== channel.facilityId) {
      errors.facilityId = t('notifications.validation.ruleFacility');
    }
    const result = CreateRuleRequestSchema.safeParse(toRuleRequest(v));
    if (!result.success) {
      for (const issue of result.error.issues) {
        const field = String(issue.path[0] ?? '');
        if (errors[field]) continue;
        const { key, values } = issueMessage(issue);
        errors[field] = t(field === 'channelId' ? 'validation.choose' : key, values);
      }
    }
    return errors;
  };
}

/** The edit form of a rule (its channel cannot change). */
export function ruleFormFrom(r: Rule): RuleForm {
  return {
    channelId: r.channelId,
    facilityId: r.facilityId,
    minSeverity: r.minSeverity,
    sources: [...(r.sources ?? [])],
  };
}

/** The update request of the rule edit form. */
export function toRuleUpdate(v: RuleForm): UpdateRuleRequest {
  const { facilityId, minSeverity, sources } = toRuleRequest(v);
  return { facilityId, minSeverity, sources };
}

/** The server's counts per JST day (oldest first) as the chart's days and one series per state. */
export function chartFromCounts(byDay: readonly DeliveryDayCount[]): {
  days: Date[];
  counts: Record<Delivery['status'], number[]>;
} {
  return {
    days: byDay.map((d) => new Date(jstDayStartIso(d.day))),
    counts: {
      sent: byDay.map((d) => d.sent),
      pending: byDay.map((d) => d.pending),
      failed: byDay.map((d) => d.failed),
    },
  };
}

/** Which deliveries may be sent again now: the ones not sent yet and the failed ones, on a channel the user sees. */
export const canRetry = (d: Pick<Delivery, 'status'> & { channel: unknown }) => d.status !== 'sent' && !!d.channel;

/** Periods of the history filter, as hours back from now (none: everything kept). */
export const HISTORY_PERIODS = ['24h', '7d', '30d'] as const;
export type HistoryPeriod = (typeof HISTORY_PERIODS)[number];
const PERIOD_HOURS: Record<HistoryPeriod, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };
export const isHistoryPeriod = (v: string | null | undefined): v is HistoryPeriod =>
  !!v && (HISTORY_PERIODS as readonly string[]).includes(v);

/** The `since` of a period, rounded down to the minute so the query stays the same for a minute. */
export function periodSince(period: HistoryPeriod | null, now = Date.now()): string | undefined {
  if (!period) return undefined;
  const since = now - PERIOD_HOURS[period] * 3_600_000;
  return new Date(Math.floor(since / 60_000) * 60_000).toISOString();
}
