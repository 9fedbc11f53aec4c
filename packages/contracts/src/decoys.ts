import { z } from 'zod';
import { IdSchema, PageQuerySchema, pageOf, TimestampSchema } from './common.ts';

/** Kinds of generated decoy files (never real patient data). */
export const DecoyKindSchema = z.enum(['csv', 'xlsx', 'ssmix2', 'pdf', 'docx', 'dicom', 'html']);
export type DecoyKind = z.infer<typeof DecoyKindSchema>;
export const DECOY_KINDS = DecoyKindSchema.options;
/** Kinds that can carry a beacon (a per-file URL the viewer fetches when the file is opened). */
export const BEACON_KINDS: readonly DecoyKind[] = ['docx', 'xlsx', 'pdf', 'html'];
/** Beacon tokens: lowercase letters and digits, 16 to 63 characters (each is also a DNS label). */
export const BEACON_TOKEN_RE = /^[a-z0-9]{16,63}$/;

/** What the agent does by itself, at once, when a decoy is touched. */
export const DecoyResponseSchema = z.object({
  /** Kill the process identified as touching decoys (when the OS names it). */
  kill: z.boolean().default(true),
  /** Run the isolation command (cut the host off the network but keep the platform reachable). */
  isolate: z.boolean().default(false),
});
export type DecoyResponse = z.infer<typeof DecoyResponseSchema>;

const DirectorySchema = z.string().trim().min(2).max(400);

/** A decoy policy as the console edits it. */
export const DecoyPolicyInputSchema = z.object({
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean().default(true),
  /** Agents (hosts) it applies to; empty means every host of the facility. */
  agentIds: z.array(IdSchema).max(1000).default([]),
  /** Directories to plant decoys in and watch (absolute paths under an allowed root). */
  directories: z.array(DirectorySchema).min(1).max(50),
  /** Decoys per directory (at least 2: one reached first and one reached last). */
  perDirectory: z.number().int().min(2).max(50).default(6),
  kinds: z
    .array(DecoyKindSchema)
    .min(1)
    .max(DECOY_KINDS.length)
    .default([...DECOY_KINDS]),
  /** Embed beacons (per-file URLs) in documents that support them. */
  beacons: z.boolean().default(true),
  response: DecoyResponseSchema.default({ kill: true, isolate: false }),
});
export type DecoyPolicyInput = z.infer<typeof DecoyPolicyInputSchema>;
export const CreateDecoyPolicyRequestSchema = DecoyPolicyInputSchema.extend({ facilityId: IdSchema });
export type CreateDecoyPolicyRequest = z.infer<typeof CreateDecoyPolicyRequestSchema>;
export const UpdateDecoyPolicyRequestSchema = DecoyPolicyInputSchema;

export const DecoyPolicySchema = DecoyPolicyInputSchema.extend({
  id: IdSchema,
  facilityId: IdSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  createdBy: z.string(),
});
export type DecoyPolicy = z.infer<typeof DecoyPolicySchema>;
export const DecoyPolicyListQuerySchema = PageQuerySchema.extend({ facilityId: IdSchema.optional() });
export const DecoyPolicyListResponseSchema = pageOf(DecoyPolicySchema);

/** The part of a policy an agent receives on its heartbeat. */
export const AgentDecoyPolicySchema = z.object({
  id: IdSchema,
  /** Changes whenever the policy changes; the agent re-plants when it does. */
  revision: z.string(),
  directories: z.array(z.string()),
  perDirectory: z.number().int(),
  kinds: z.array(DecoyKindSchema),
  /** Per-facility seed so decoys differ between facilities (names, IDs, sizes). */
  seed: z.string(),
  /** Base URL for beacons (`<base>/<token>`), or null when beacons are off. */
  beaconBaseUrl: z.string().nullable(),
  /** DNS zone answered by the platform for beacons (`<token>.<zone>`), or null. */
  beaconDnsZone: z.string().nullable(),
  response: DecoyResponseSchema,
});
export type AgentDecoyPolicy = z.infer<typeof AgentDecoyPolicySchema>;

/** Desired network isolation of a host, set by the SOC in the console (the agent reconciles). */
export const IsolationStateSchema = z.enum(['isolated', 'released']);
export type IsolationState = z.infer<typeof IsolationStateSchema>;
export const AgentIsolationSchema = z.object({
  desired: IsolationStateSchema,
  /** Changes with every request so the agent acts once per request. */
  requestId: IdSchema,
});
export type AgentIsolation = z.infer<typeof AgentIsolationSchema>;

/** One decoy planted by an agent. */
export const PlantedDecoySchema = z.object({
  policyId: IdSchema,
  path: z.string().min(1).max(1024),
  directory: z.string().min(1).max(1024),
  kind: DecoyKindSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Beacon token embedded in the file, if any. */
  beaconToken: z.string().regex(BEACON_TOKEN_RE, 'lowercase letters and digits (it is also a DNS label)').nullable(),
});
export type PlantedDecoy = z.infer<typeof PlantedDecoySchema>;

/** The agent's full decoy inventory (replaces what the server knew for this agent). */
export const DecoyInventoryReportSchema = z.object({
  decoys: z.array(PlantedDecoySchema).max(20_000),
  /** When the agent last checked every decoy's hash. */
  verifiedAt: TimestampSchema,
  /** Directories the agent refused or could not use, with why. */
  problems: z
    .array(z.object({ policyId: IdSchema, directory: z.string().max(1024), message: z.string().max(500) }))
    .max(500)
    .default([]),
  isolated: z.boolean().default(false),
});
export type DecoyInventoryReport = z.infer<typeof DecoyInventoryReportSchema>;
export const DecoyInventoryAckSchema = z.object({ stored: z.number().int() });

/** Coverage of one host as the console shows it. */
export const DecoyCoverageHostSchema = z.object({
  agentId: IdSchema,
  facilityId: IdSchema,
  hostname: z.string(),
  agentStatus: z.enum(['online', 'offline', 'revoked']),
  directories: z.number().int(),
  decoys: z.number().int(),
  beacons: z.number().int(),
  verifiedAt: TimestampSchema.nullable(),
  problems: z.array(z.object({ directory: z.string(), message: z.string() })),
  isolated: z.boolean(),
  isolationDesired: IsolationStateSchema.nullable(),
});
export type DecoyCoverageHost = z.infer<typeof DecoyCoverageHostSchema>;
export const DecoyCoverageQuerySchema = z.object({ facilityId: IdSchema.optional() });
export const DecoyCoverageResponseSchema = z.object({ hosts: z.array(DecoyCoverageHostSchema) });

export const PlantedDecoyListQuerySchema = PageQuerySchema.extend({ agentId: IdSchema });
export const DecoyRowSchema = PlantedDecoySchema.extend({ agentId: IdSchema, facilityId: IdSchema });
export const PlantedDecoyListResponseSchema = pageOf(DecoyRowSchema);

/** One entry of a host's attack timeline (events from the agent, alerts and actions). */
export const TimelineEntrySchema = z.object({
  /** When it happened on the host (agent clock). */
  at: TimestampSchema,
  /** When the platform stored it (null for entries the platform itself observed). */
  receivedAt: TimestampSchema.nullable(),
  kind: z.string(),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']),
  title: z.string(),
  details: z.record(z.string(), z.unknown()),
  alertId: IdSchema.nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
export const HostTimelineQuerySchema = z.object({
  since: TimestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const HostTimelineResponseSchema = z.object({ entries: z.array(TimelineEntrySchema) });

export const IsolationRequestSchema = z.object({
  reason: z.string().trim().min(1).max(500),
});

/** A beacon opening as recorded by the platform. */
export const BeaconHitSchema = z.object({
  id: IdSchema,
  facilityId: IdSchema,
  agentId: IdSchema,
  path: z.string(),
  kind: DecoyKindSchema,
  channel: z.enum(['http', 'dns']),
  ip: z.string(),
  userAgent: z.string(),
  at: TimestampSchema,
});
export const BeaconHitListQuerySchema = PageQuerySchema.extend({ facilityId: IdSchema.optional() });
export const BeaconHitListResponseSchema = pageOf(BeaconHitSchema);

/** Event kinds agents send for decoys (source `decoys`). */
export const DECOY_EVENT_KINDS = [
  'decoy.modified',
  'decoy.deleted',
  'decoy.renamed',
  'decoy.read',
  'decoy.attrib',
  'decoy.integrity',
  'tree.ransom_note',
  'tree.mass_rename',
  'tree.mass_modify',
  'containment.killed',
  'containment.kill_failed',
  'containment.isolated',
  'containment.released',
  'containment.failed',
  'decoys.planted',
  'decoys.problem',
] as const;

const WINDOWS_SYSTEM = [
  'c:\\windows',
  'c:\\program files',
  'c:\\program files (x86)',
  'c:\\programdata',
  'c:\\recovery',
  'c:\\$recycle.bin',
  'c:\\system volume information',
];
const POSIX_SYSTEM = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/lib',
  '/var/log',
  '/var/run',
  '/var/cache',
];

const isWindowsPath = (p: string) => /^[A-Za-z]:\\/.test(p) || p.startsWith('\\\\');

/**
 * Where decoys may be planted by default (shared folders, never system directories): the server's
 * `MAMORI_DECOY_ROOTS` default is `[...posix, ...windows].join(',')`, the agent's `MAMORI_AGENT_DECOY_ROOTS`
 * default is the list of its platform. `\\` alone means every network (UNC) share.
 */
export const DEFAULT_DECOY_ROOTS: { readonly posix: readonly string[]; readonly windows: readonly string[] } = {
  posix: ['/srv', '/home', '/mnt', '/media', '/data', '/opt/share'],
  windows: ['C:\\Users', 'C:\\Share', 'D:\\', 'E:\\', 'F:\\', '\\\\'],
};

/** Shannon entropy of a byte sequence in bits per byte (0 for empty or constant data, 8 for uniform random). */
export function shannonEntropy(data: Uint8Array): number {
  if (data.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
  let h = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const p = c / data.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A new random beacon token (128 bits, lowercase hex: a valid DNS label). */
export function newBeaconToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Normalises a directory for comparison (case-folded on Windows, no trailing separator; `\\` stays the UNC root). */
export function normaliseDirectory(p: string): string {
  if (isWindowsPath(p)) {
    const n = p.replace(/\//g, '\\').toLowerCase();
    if (n.startsWith('\\\\')) return `\\\\${n.slice(2).replace(/\\+$/, '')}`;
    return n.replace(/\\+$/, '');
  }
  return p.replace(/\/+$/, '') || '/';
}

const under = (p: string, root: string, sep: string) =>
  p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Why a decoy directory is refused, or null when it is fine: it must be absolute, have no `..`,
 * not be a system directory, and lie under one of the allowed roots. Both the server (when a policy
 * is saved) and the agent (before planting) check this. `platform` (the agent's `process.platform`)
 * refuses paths of the other family: a Windows agent plants only under `C:\…` or `\\server\share\…`,
 * a Linux agent only under `/…`. Empty roots are ignored.
 */
export function decoyDirectoryProblem(dir: string, allowedRoots: readonly string[], platform?: string): string | null {
  const win = isWindowsPath(dir);
  if (platform === 'win32' && !win) return 'must be a Windows path (C:\\… or \\\\server\\share\\…)';
  if (platform !== undefined && platform !== 'win32' && win) return 'must be a POSIX path (/…) on this host';
  if (!win && !dir.startsWith('/')) return 'must be an absolute path';
  if (/[\0\r\n]/.test(dir)) return 'contains control characters';
  const parts = dir.split(win ? /[\\/]/ : '/');
  if (parts.includes('..') || parts.includes('.')) return 'must not contain . or .. segments';
  const n = normaliseDirectory(dir);
  const sep = win ? '\\' : '/';
  if (n === '/' || /^[a-z]:$/.test(n)) return 'is the root of a drive';
  if (n.startsWith('\\\\') && n.slice(2).split('\\').filter(Boolean).length < 2)
    return 'must name a share (\\\\server\\share\\…)';
  for (const sys of win ? WINDOWS_SYSTEM : POSIX_SYSTEM) if (under(n, sys, sep)) return 'is a system directory';
  // The family is told before normalising: `D:\` normalises to `d:`.
  const roots = allowedRoots.filter((r) => r.trim() !== '' && isWindowsPath(r) === win).map(normaliseDirectory);
  if (!roots.some((r) => under(n, r, sep))) return `is outside the allowed roots (${allowedRoots.join(', ')})`;
  return null;
}
