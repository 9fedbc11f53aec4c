import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, SeveritySchema, TimestampSchema } from './common.ts';

export const ChannelKindSchema = z.enum(['email', 'webhook', 'slack', 'teams', 'syslog']);

const EmailConfig = z.object({ to: z.array(z.email().max(254)).min(1).max(20) });
const WebhookConfig = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  /** HMAC-SHA256 key for the `x-mamori-signature` header (generic webhooks). */
  secret: z.string().min(16).max(200).optional(),
});

const SyslogConfig = z.object({
  /** `tcp://host:port` or `tls://host:port` (RFC 5424 messages, octet-counted framing per RFC 6587). */
  url: z
    .string()
    .regex(/^(tcp|tls):\/\/[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'tcp://host:port or tls://host:port')
    .max(300),
  /** PEM CA that signed the receiver's certificate (tls only); default: the system trust store. */
  caPem: z.string().max(20_000).optional(),
});

/** A place notifications go: an e-mail list, a webhook (generic JSON, Slack or Teams) or a SIEM over syslog. */
export const CreateChannelRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email'),
    name: z.string().trim().min(1).max(100),
    facilityId: IdSchema.nullable(),
    config: EmailConfig,
  }),
  z.object({
    kind: z.literal('webhook'),
    name: z.string().trim().min(1).max(100),
    facilityId: IdSchema.nullable(),
    config: WebhookConfig,
  }),
  z.object({
    kind: z.literal('slack'),
    name: z.string().trim().min(1).max(100),
    facilityId: IdSchema.nullable(),
    config: WebhookConfig,
  }),
  z.object({
    kind: z.literal('teams'),
    name: z.string().trim().min(1).max(100),
    facilityId: IdSchema.nullable(),
    config: WebhookConfig,
  }),
  z.object({
    kind: z.literal('syslog'),
    name: z.string().trim().min(1).max(100),
    facilityId: IdSchema.nullable(),
    config: SyslogConfig,
  }),
]);
export type CreateChannelRequest = z.infer<typeof CreateChannelRequestSchema>;

/** The config each kind of channel needs, as checked on create and (after merging) on update. */
export const CHANNEL_CONFIG_SCHEMAS = {
  email: EmailConfig,
  webhook: WebhookConfig,
  slack: WebhookConfig.omit({ secret: true }),
  teams: WebhookConfig.omit({ secret: true }),
  syslog: SyslogConfig,
} as const;

/**
 * Changes to a channel; its kind and facility stay. `config` holds only what changes: a field left
 * out keeps its value (so a webhook's URL and signing key can stay without being sent back), and
 * `secret: null` / `caPem: null` removes the key / the CA. The merged config is checked as on create.
 */
export const UpdateChannelRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean(),
    config: z
      .object({
        to: EmailConfig.shape.to,
        url: z.string().max(2000),
        secret: WebhookConfig.shape.secret.unwrap().nullable(),
        caPem: SyslogConfig.shape.caPem.unwrap().nullable(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateChannelRequest = z.infer<typeof UpdateChannelRequestSchema>;

/** A channel as listed (the webhook secret, and webhook URLs which may hold tokens, are never returned). */
export const ChannelSchema = z.object({
  id: IdSchema,
  kind: ChannelKindSchema,
  name: z.string(),
  facilityId: IdSchema.nullable(),
  /** E-mail: the addresses; webhooks: the host only; syslog: the URL. */
  target: z.string(),
  /** A webhook signing key is set (the key itself is never returned). */
  hasSecret: z.boolean(),
  /** A syslog CA certificate is set. */
  hasCaPem: z.boolean(),
  enabled: z.boolean(),
  createdAt: TimestampSchema,
});
export type Channel = z.infer<typeof ChannelSchema>;

/** Which alerts go to a channel: from this severity up, optionally only some modules. */
export const CreateRuleRequestSchema = z.object({
  channelId: IdSchema,
  /** Null: every facility in the channel's scope. */
  facilityId: IdSchema.nullable(),
  minSeverity: SeveritySchema,
  sources: z
    .array(z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/))
    .max(20)
    .nullable(),
});
export type CreateRuleRequest = z.infer<typeof CreateRuleRequestSchema>;
export const RuleSchema = CreateRuleRequestSchema.extend({
  id: IdSchema,
  enabled: z.boolean(),
  createdAt: TimestampSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

/** Changes to a rule (its channel stays). */
export const UpdateRuleRequestSchema = CreateRuleRequestSchema.omit({ channelId: true })
  .extend({ enabled: z.boolean() })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateRuleRequest = z.infer<typeof UpdateRuleRequestSchema>;

export const DeliveryStatusSchema = z.enum(['pending', 'sent', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/** One notification of one alert to one channel (or a test sent from the console), with its attempts. */
export const DeliverySchema = z.object({
  id: IdSchema,
  /** Null for a test sent from the console. */
  alertId: IdSchema.nullable(),
  /** The alert's facility (a test: the channel's); null for a test of a region-level channel. */
  facilityId: IdSchema.nullable(),
  channelId: IdSchema,
  reason: z.enum(['alert', 'escalation', 'test']),
  status: DeliveryStatusSchema,
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  /** When the worker tries again (pending only). */
  nextAttemptAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  sentAt: TimestampSchema.nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

/** Filters of the delivery history (newest first). `since`/`until` bound the creation time. */
export const DeliveryListQuerySchema = PageQuerySchema.extend({
  status: DeliveryStatusSchema.optional(),
  channelId: IdSchema.optional(),
  facilityId: IdSchema.optional(),
  severity: SeveritySchema.optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
  /** Also count deliveries per Japan-time day over this many days up to today (0: no counts). */
  chartDays: z.coerce.number().int().min(0).max(90).default(0),
});
export type DeliveryListQuery = z.infer<typeof DeliveryListQuerySchema>;

/** A delivery in the history, with what the console shows beside it. */
export const DeliveryListItemSchema = DeliverySchema.extend({
  /** The alert (null for a test). */
  alert: z
    .object({
      title: z.string(),
      severity: SeveritySchema,
      source: z.string(),
      kind: z.string(),
      hostname: z.string().nullable(),
      facilityId: IdSchema,
    })
    .nullable(),
  /** The channel, when the caller may see it (a facility user does not see region-level channels). */
  channel: z.object({ name: z.string(), kind: ChannelKindSchema }).nullable(),
});
export type DeliveryListItem = z.infer<typeof DeliveryListItemSchema>;

/** Deliveries per Japan-time day (`YYYY-MM-DD`) and state, with the list's filters except state. */
export const DeliveryDayCountSchema = z.object({
  day: z.string(),
  sent: z.number().int(),
  pending: z.number().int(),
  failed: z.number().int(),
});
export type DeliveryDayCount = z.infer<typeof DeliveryDayCountSchema>;
export const DeliveryListResponseSchema = pageOf(DeliveryListItemSchema).extend({
  /** Only when `chartDays` was asked for; oldest day first, every day present. */
  byDay: z.array(DeliveryDayCountSchema).optional(),
});
export type DeliveryListResponse = z.infer<typeof DeliveryListResponseSchema>;

/** The outcome of a test notification: sent, or failed with the reason. */
export const ChannelTestResponseSchema = z.object({
  status: z.enum(['sent', 'failed']),
  /** What the receiver answered (e.g. `HTTP 204`, `smtp 250 OK`) or why it failed. */
  detail: z.string(),
  delivery: DeliverySchema,
});
export type ChannelTestResponse = z.infer<typeof ChannelTestResponseSchema>;
