import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, SeveritySchema, TimestampSchema } from './common.ts';

/**
 * Decoy-server personas a sensor can run. Each is a listener that looks like a real service,
 * records what a client does and never acts on it.
 */
export const PersonaKindSchema = z.enum([
  'sslvpn_forti', // FortiGate-style SSL-VPN portal (HTTPS)
  'sslvpn', // generic SSL-VPN / firewall portal (HTTPS)
  'emr_web', // hospital information system / EMR web login (HTTPS)
  'ssh',
  'telnet',
  'rdp',
  'smb',
  'dicom',
  'hl7', // HL7 v2 over MLLP
  'ftp',
  'mysql',
  'mssql',
  'vnc',
  'tcp', // generic listener: records the connection and the first bytes
]);
export type PersonaKind = z.infer<typeof PersonaKindSchema>;
export const PERSONA_KINDS = PersonaKindSchema.options;

/** The usual port of each persona (a sensor may place any persona on any port). */
export const PERSONA_DEFAULT_PORTS: Record<PersonaKind, number> = {
  sslvpn_forti: 10443,
  sslvpn: 443,
  emr_web: 8443,
  ssh: 22,
  telnet: 23,
  rdp: 3389,
  smb: 445,
  dicom: 104,
  hl7: 2575,
  ftp: 21,
  mysql: 3306,
  mssql: 1433,
  vnc: 5900,
  tcp: 8080,
};

export const PortSchema = z.number().int().min(1).max(65_535);

/** One listener of a sensor. */
export const PersonaConfigSchema = z.object({
  kind: PersonaKindSchema,
  port: PortSchema,
  enabled: z.boolean().default(true),
});
export type PersonaConfig = z.infer<typeof PersonaConfigSchema>;

/** Per-connection and per-source limits, so a flood cannot exhaust the sensor. */
export const SensorLimitsSchema = z.object({
  /** Open connections across all personas. */
  maxConnections: z.number().int().min(10).max(100_000).default(20_000),
  /** Open connections from one source address. */
  maxPerSource: z.number().int().min(1).max(100_000).default(256),
  /** A connection silent this long is closed. */
  idleSeconds: z.number().int().min(5).max(3600).default(300),
  /** Bytes a client may send on one connection before it is closed. */
  maxBytesPerConnection: z
    .number()
    .int()
    .min(4096)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Distinct ports one source must touch within `scanWindowSeconds` to count as a port scan. */
  scanPorts: z.number().int().min(2).max(1000).default(5),
  scanWindowSeconds: z.number().int().min(1).max(3600).default(60),
});
export type SensorLimits = z.infer<typeof SensorLimitsSchema>;

const CredentialSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
});

/** A sensor's configuration as the console edits it. */
export const SensorConfigInputSchema = z.object({
  /** Address the listeners bind to (an address of the sensor host; 0.0.0.0 for all). */
  bind: z.union([z.ipv4(), z.ipv6()]).default('0.0.0.0'),
  personas: z
    .array(PersonaConfigSchema)
    .max(64)
    .refine((ps) => new Set(ps.map((p) => p.port)).size === ps.length, 'two personas cannot share a port'),
  limits: SensorLimitsSchema.default(SensorLimitsSchema.parse({})),
  /**
   * Logins the fake services accept (an attacker who guesses one gets a fake shell or portal, which
   * tells us more). Empty: the sensor picks a few weak pairs from its seed.
   */
  acceptedLogins: z.array(CredentialSchema).max(20).default([]),
});
export type SensorConfigInput = z.infer<typeof SensorConfigInputSchema>;

/** What a sensor receives on each heartbeat. `seed` makes its banners, keys and files its own. */
export const AgentSensorPolicySchema = SensorConfigInputSchema.extend({
  seed: z.string().regex(/^[0-9a-f]{32}$/),
  revision: z.number().int(),
});
export type AgentSensorPolicy = z.infer<typeof AgentSensorPolicySchema>;

/** A default layout for a new sensor: the personas attackers of hospitals meet, on their usual ports. */
export const DEFAULT_SENSOR_PERSONAS: PersonaConfig[] = (
  ['sslvpn_forti', 'emr_web', 'ssh', 'telnet', 'rdp', 'smb', 'dicom', 'hl7', 'ftp', 'mysql', 'mssql', 'vnc'] as const
).map((kind) => ({ kind, port: PERSONA_DEFAULT_PORTS[kind], enabled: true }));

/** What one interaction was; the order is the behaviour ladder that sets severity. */
export const InteractionKindSchema = z.enum([
  'connect', // a connection opened (and the protocol's greeting, if any)
  'scan', // one source touched many ports
  'request', // an HTTP request, a DICOM association, an HL7 message, a negotiation
  'malformed', // garbage, truncated or oversized input; the connection was closed
  'login', // a credential tried (success says whether the fake service accepted it)
  'exploit', // a request that looks like an exploit (path traversal to a config file, …)
  'command', // a command typed into the fake shell
  'download', // a file the attacker tried to fetch (URL recorded, never fetched)
  'disconnect', // the connection ended (bytes and duration)
]);
export type InteractionKind = z.infer<typeof InteractionKindSchema>;

/** Attacker stage of a session, lowest to highest. */
export const SessionStageSchema = z.enum(['scan', 'probe', 'login_attempt', 'login_success', 'command']);
export type SessionStage = z.infer<typeof SessionStageSchema>;
export const STAGE_SEVERITY: Record<SessionStage, z.infer<typeof SeveritySchema>> = {
  scan: 'low',
  probe: 'low',
  login_attempt: 'medium',
  login_success: 'high',
  command: 'critical',
};

/**
 * The `details` of a `sensor` event (source `sensor`, kind `sensor.<interaction>`). The sensor
 * truncates fields to these limits before sending.
 */
export const SensorEventDetailsSchema = z.object({
  sessionId: IdSchema,
  persona: PersonaKindSchema,
  srcIp: z.string().max(45),
  srcPort: z.number().int().min(0).max(65_535),
  dstPort: z.number().int().min(0).max(65_535),
  interaction: InteractionKindSchema,
  stage: SessionStageSchema,
  username: z.string().max(256).optional(),
  password: z.string().max(256).optional(),
  success: z.boolean().optional(),
  command: z.string().max(2000).optional(),
  url: z.string().max(2000).optional(),
  /** One line: method and path, AE titles, HL7 message type, SMB domain\user@workstation, … */
  summary: z.string().max(500).optional(),
  /** Protocol specifics (headers, dialects, client banner …), small. */
  info: z.record(z.string(), z.unknown()).optional(),
  bytesIn: z.number().int().min(0).optional(),
  bytesOut: z.number().int().min(0).optional(),
  /** Ports touched, for `scan`. */
  ports: z.array(z.number().int()).max(1000).optional(),
});
export type SensorEventDetails = z.infer<typeof SensorEventDetailsSchema>;

/* ---------- console API ---------- */

/** A sensor (an enrolled host running mamori-sensor) with its configuration and activity. */
export const SensorSchema = z.object({
  agentId: IdSchema,
  facilityId: IdSchema,
  hostname: z.string(),
  status: z.enum(['online', 'offline', 'revoked']),
  lastSeenAt: TimestampSchema.nullable(),
  config: SensorConfigInputSchema,
  revision: z.number().int(),
  /** Listener problems the sensor reported (port in use, permission), empty when all run. */
  problems: z.array(z.object({ port: z.number().int(), message: z.string() })),
  sessions24h: z.number().int(),
  sources24h: z.number().int(),
});
export type Sensor = z.infer<typeof SensorSchema>;
export const SensorListQuerySchema = PageQuerySchema.extend({ facilityId: IdSchema.optional() });
export const SensorListResponseSchema = pageOf(SensorSchema);
export const UpdateSensorConfigRequestSchema = SensorConfigInputSchema;
export const AgentIdParamsSchema = z.object({ agentId: IdSchema });

/** What a running sensor reports about its listeners. */
export const SensorStatusReportSchema = z.object({
  revision: z.number().int(),
  listening: z.array(z.object({ kind: PersonaKindSchema, port: PortSchema })).max(64),
  problems: z.array(z.object({ port: z.number().int(), message: z.string().max(500) })).max(64),
});
export type SensorStatusReport = z.infer<typeof SensorStatusReportSchema>;
export const SensorStatusAckSchema = z.object({ ok: z.literal(true) });

/** One attacker session: a connection (or, for scans, a burst of them) from one source to one sensor. */
export const SensorSessionSchema = z.object({
  id: IdSchema,
  facilityId: IdSchema,
  agentId: IdSchema,
  hostname: z.string(),
  persona: PersonaKindSchema,
  srcIp: z.string(),
  srcPort: z.number().int(),
  dstPort: z.number().int(),
  stage: SessionStageSchema,
  severity: SeveritySchema,
  startedAt: TimestampSchema,
  lastAt: TimestampSchema,
  endedAt: TimestampSchema.nullable(),
  logins: z.number().int(),
  commands: z.number().int(),
  usernames: z.array(z.string()),
  alertId: IdSchema.nullable(),
});
export type SensorSession = z.infer<typeof SensorSessionSchema>;
export const SensorSessionListQuerySchema = PageQuerySchema.extend({
  facilityId: IdSchema.optional(),
  agentId: IdSchema.optional(),
  srcIp: z.string().max(45).optional(),
  persona: PersonaKindSchema.optional(),
  /** Only sessions still open (no disconnect yet). */
  live: z.enum(['true', 'false']).optional(),
});
export const SensorSessionListResponseSchema = pageOf(SensorSessionSchema);

/** One recorded interaction of a session (the replay is these, in order). */
export const SensorInteractionSchema = z.object({
  at: TimestampSchema,
  interaction: InteractionKindSchema,
  username: z.string().nullable(),
  password: z.string().nullable(),
  success: z.boolean().nullable(),
  command: z.string().nullable(),
  url: z.string().nullable(),
  summary: z.string().nullable(),
  info: z.record(z.string(), z.unknown()),
});
export type SensorInteraction = z.infer<typeof SensorInteractionSchema>;
export const SensorSessionDetailSchema = SensorSessionSchema.extend({
  interactions: z.array(SensorInteractionSchema),
});
export type SensorSessionDetail = z.infer<typeof SensorSessionDetailSchema>;

/** Top attacker sources with the facilities (and how many of their sensors) each touched. */
export const SensorSourceSchema = z.object({
  srcIp: z.string(),
  sessions: z.number().int(),
  logins: z.number().int(),
  commands: z.number().int(),
  worstStage: SessionStageSchema,
  firstAt: TimestampSchema,
  lastAt: TimestampSchema,
  personas: z.array(PersonaKindSchema),
  facilities: z.array(z.object({ id: IdSchema, name: z.string(), sessions: z.number().int() })),
});
export type SensorSource = z.infer<typeof SensorSourceSchema>;
export const SensorStatsQuerySchema = z.object({
  facilityId: IdSchema.optional(),
  /** Look-back window in hours (default 24, up to 90 days). */
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
export const SensorSourcesResponseSchema = z.object({ items: z.array(SensorSourceSchema) });
export const SensorCredentialSchema = z.object({
  username: z.string(),
  password: z.string(),
  attempts: z.number().int(),
  sources: z.number().int(),
  personas: z.array(PersonaKindSchema),
  accepted: z.boolean(),
});
export const SensorCredentialsResponseSchema = z.object({ items: z.array(SensorCredentialSchema) });
