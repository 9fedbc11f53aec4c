import { z } from 'zod';
import { SeveritySchema } from './agents.ts';
import { IdSchema, TimestampSchema } from './common.ts';

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

/** A channel as listed (the webhook secret is never returned). */
export const ChannelSchema = z.object({
  id: IdSchema,
  kind: ChannelKindSchema,
  name: z.string(),
  facilityId: IdSchema.nullable(),
  target: z.string(),
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

/** One notification of one alert to one channel, with its attempts. */
export const DeliverySchema = z.object({
  id: IdSchema,
  alertId: IdSchema,
  channelId: IdSchema,
  reason: z.enum(['alert', 'escalation', 'test']),
  status: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: TimestampSchema,
  sentAt: TimestampSchema.nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;
