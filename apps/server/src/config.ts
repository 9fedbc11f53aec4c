import path from 'node:path';
import { DEFAULT_DECOY_ROOTS } from '@mamori/contracts';
import { z } from 'zod';
import type { BlobStoreConfig } from './lib/blob-store/index.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every setting Mamori reads from the environment, with its default. This is the only reader of
 * `process.env`; `mamori --help` prints this table.
 */
export const CONFIG_FIELDS = {
  MAMORI_DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('data directory (embedded database, PKI, blobs); default ./data'),
  DATABASE_URL: z.url().optional().describe('external PostgreSQL URL; unset = embedded PostgreSQL'),
  MAMORI_EMBEDDED_PG_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(54329)
    .describe('embedded PostgreSQL port on 127.0.0.1; default 54329'),
  MAMORI_HOST: z.string().min(1).default('127.0.0.1').describe('listen address; default 127.0.0.1'),
  MAMORI_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8443)
    .describe('listen port (0 = any free port); default 8443'),
  MAMORI_PUBLIC_URL: z.url().optional().describe('public base URL for links; default https://<host>:<port>'),
  MAMORI_TLS_HOSTNAMES: z
    .string()
    .default('')
    .describe('extra DNS names/IPs in the server certificate, comma separated'),
  MAMORI_INSECURE_HTTP: bool.default(false).describe('serve plain HTTP behind a TLS-terminating proxy; default false'),
  MAMORI_AGENT_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe(
      'separate mutual-TLS listener for agents only (e.g. when the console sits behind a TLS proxy); default off',
    ),
  MAMORI_TRUST_PROXY: z.string().default('').describe('proxy addresses whose X-Forwarded-* headers are trusted'),
  MAMORI_BLOB_STORE: z.enum(['fs', 's3']).default('fs').describe('fs (default) or s3'),
  MAMORI_S3_ENDPOINT: z.url().optional().describe('S3-compatible endpoint URL'),
  MAMORI_S3_REGION: z.string().default('us-east-1').describe('S3 region; default us-east-1'),
  MAMORI_S3_BUCKET: z.string().optional().describe('S3 bucket'),
  MAMORI_S3_ACCESS_KEY_ID: z.string().optional().describe('S3 access key id'),
  MAMORI_S3_SECRET_ACCESS_KEY: z.string().optional().describe('S3 secret access key (never logged)'),
  MAMORI_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('log level; default info'),
  MAMORI_LOGIN_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(10)
    .describe('sign-in attempts per IP per minute; default 10'),
  MAMORI_API_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1200)
    .describe('API requests per client per minute; default 1200'),
  MAMORI_LOCKOUT_THRESHOLD: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe('failed sign-ins before a 15-minute lock; default 5'),
  MAMORI_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('maximum request body in bytes; default 1048576'),
  MAMORI_AGENT_HEARTBEAT_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(3600)
    .default(60)
    .describe('seconds between agent heartbeats (sent to agents as policy); default 60'),
  MAMORI_AGENT_OFFLINE_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(7 * 86_400)
    .default(300)
    .describe('silence after which an agent is offline and an alert is raised; default 300'),
  MAMORI_SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .describe('SMTP server for e-mail notifications, e.g. smtp://user:pass@mail.example.jp:587 (never logged)'),
  MAMORI_SMTP_FROM: z.string().default('Mamori <mamori@localhost>').describe('sender of notification e-mails'),
  MAMORI_ESCALATION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(15)
    .describe('minutes before an unacknowledged critical alert goes to the region-level channels; default 15'),
  MAMORI_WEB_DIR: z.string().optional().describe('built web console directory; default apps/web/dist'),
  MAMORI_DECOY_ROOTS: z
    .string()
    .default([...DEFAULT_DECOY_ROOTS.posix, ...DEFAULT_DECOY_ROOTS.windows].join(','))
    .describe('directories under which decoy policies may plant files, comma separated (\\\\ = any network share)'),
  MAMORI_BEACON_BASE_URL: z
    .url()
    .optional()
    .describe('base URL embedded in beacon documents (…/<token>); default <public URL>/b'),
  MAMORI_BEACON_HTTP_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('extra plain-HTTP listener serving only beacons (viewers that refuse our CA); default off'),
  MAMORI_BEACON_DNS_ZONE: z
    .string()
    .regex(/^([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i, 'must be a DNS zone such as beacon.example.jp')
    .optional()
    .describe('DNS zone delegated to the platform for beacons (<token>.<zone>); default off'),
  MAMORI_BEACON_DNS_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(53)
    .describe('UDP port of the beacon DNS listener when a zone is set; default 53'),
};

const ConfigSchema = z.object(CONFIG_FIELDS);
type RawConfig = z.infer<typeof ConfigSchema>;

/** Validated configuration with derived values. */
export type Config = RawConfig & {
  dataDir: string;
  tlsHostnames: string[];
  trustProxy: string[];
  webDir: string | undefined;
  decoyRoots: string[];
};

/** Thrown when the environment has invalid values; lists every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates configuration from an environment map (defaults to process.env). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(CONFIG_FIELDS)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (
    c.MAMORI_BLOB_STORE === 's3' &&
    (!c.MAMORI_S3_BUCKET || !c.MAMORI_S3_ACCESS_KEY_ID || !c.MAMORI_S3_SECRET_ACCESS_KEY)
  ) {
    throw new ConfigError(
      'Invalid configuration:\n  MAMORI_BLOB_STORE=s3 needs MAMORI_S3_BUCKET, MAMORI_S3_ACCESS_KEY_ID and MAMORI_S3_SECRET_ACCESS_KEY',
    );
  }
  const split = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const defaultWeb = path.resolve(import.meta.dirname, '../../web/dist');
  return {
    ...c,
    dataDir: path.resolve(c.MAMORI_DATA_DIR),
    tlsHostnames: split(c.MAMORI_TLS_HOSTNAMES),
    trustProxy: split(c.MAMORI_TRUST_PROXY),
    // An explicitly empty MAMORI_WEB_DIR turns the console off (API only).
    webDir: env.MAMORI_WEB_DIR === '' ? undefined : (c.MAMORI_WEB_DIR ?? defaultWeb),
    decoyRoots: split(c.MAMORI_DECOY_ROOTS),
  };
}

/** The blob store back-end this configuration selects. */
export function blobStoreConfig(c: Config): BlobStoreConfig {
  if (c.MAMORI_BLOB_STORE === 's3') {
    return {
      kind: 's3',
      region: c.MAMORI_S3_REGION,
      bucket: c.MAMORI_S3_BUCKET ?? '',
      accessKeyId: c.MAMORI_S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: c.MAMORI_S3_SECRET_ACCESS_KEY ?? '',
      ...(c.MAMORI_S3_ENDPOINT ? { endpoint: c.MAMORI_S3_ENDPOINT, forcePathStyle: true } : {}),
    };
  }
  return { kind: 'fs', dir: path.join(c.dataDir, 'blobs') };
}

/** Agent heartbeat interval and offline threshold from configuration. */
export const agentSettingsOf = (c: Config) => ({
  heartbeatSeconds: c.MAMORI_AGENT_HEARTBEAT_SECONDS,
  offlineAfterSeconds: c.MAMORI_AGENT_OFFLINE_SECONDS,
});

/** Human-readable table of the environment variables for `--help`. */
export function describeConfig(): string {
  return Object.entries(CONFIG_FIELDS)
    .map(([k, schema]) => `  ${k.padEnd(30)} ${schema.description ?? ''}`)
    .join('\n');
}
