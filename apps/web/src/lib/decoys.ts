import type { DecoyCoverageHost, DecoyKind } from '@mamori/contracts';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';

/** Decoy kinds in the order the policy form offers them (the most common files first). */
export const DECOY_KIND_ORDER: readonly DecoyKind[] = ['csv', 'xlsx', 'pdf', 'docx', 'html', 'dicom', 'ssmix2'];

/**
 * After this long without a fresh check of every decoy's hash, a host's coverage is "stale". Agents
 * check every 5 minutes by default, so an hour means a dozen missed checks (host off, agent stopped).
 */
export const DECOY_STALE_MS = 60 * 60_000;

/** One word for a host's decoy coverage, the order of the chart and legend. */
export const COVERAGE_STATUSES = ['ok', 'problems', 'stale', 'none'] as const;
export type CoverageStatus = (typeof COVERAGE_STATUSES)[number];

/** Mantine colours of the coverage statuses (badges) and the same as hex (chart). */
export const COVERAGE_COLOR: Record<CoverageStatus, string> = {
  ok: 'teal',
  problems: 'yellow',
  stale: 'orange',
  none: 'gray',
};
export const COVERAGE_HEX: Record<CoverageStatus, string> = {
  ok: '#0ca678',
  problems: '#fab005',
  stale: '#f76707',
  none: '#adb5bd',
};

/**
 * How well a host is covered: no decoys at all, decoys not checked for a while, some directories
 * refused or failing, or everything in place and recently checked.
 */
export function coverageStatus(
  host: Pick<DecoyCoverageHost, 'decoys' | 'verifiedAt' | 'problems'>,
  now: Date,
): CoverageStatus {
  if (host.decoys === 0) return host.problems.length ? 'problems' : 'none';
  if (!host.verifiedAt || now.getTime() - Date.parse(host.verifiedAt) > DECOY_STALE_MS) return 'stale';
  if (host.problems.length) return 'problems';
  return 'ok';
}

/** Counts of hosts per coverage status (revoked agents left out: they no longer protect anything). */
export function countCoverage(
  hosts: readonly Pick<DecoyCoverageHost, 'decoys' | 'verifiedAt' | 'problems' | 'agentStatus'>[],
  now: Date,
): Record<CoverageStatus, number> {
  const counts: Record<CoverageStatus, number> = { ok: 0, problems: 0, stale: 0, none: 0 };
  for (const h of hosts) if (h.agentStatus !== 'revoked') counts[coverageStatus(h, now)] += 1;
  return counts;
}

/**
 * A host's network isolation as the SOC sees it: cut off, asked to be cut off but not yet done
 * (the agent acts on its next heartbeat), asked to come back but still cut off, or normal.
 */
export type IsolationView = 'isolated' | 'isolating' | 'releasing' | 'normal';

export function isolationView(host: Pick<DecoyCoverageHost, 'isolated' | 'isolationDesired'>): IsolationView {
  if (host.isolated) return host.isolationDesired === 'released' ? 'releasing' : 'isolated';
  return host.isolationDesired === 'isolated' ? 'isolating' : 'normal';
}

export const ISOLATION_COLOR: Record<IsolationView, string> = {
  isolated: 'red',
  isolating: 'orange',
  releasing: 'yellow',
  normal: 'gray',
};

/** The directories typed one per line, and the line (1-based) each came from. */
export function splitDirectories(text: string): { directories: string[]; lines: number[] } {
  const directories: string[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const d = raw.trim();
    if (!d) return;
    directories.push(d);
    lines.push(i + 1);
  });
  return { directories, lines };
}

// What the server says about a refused directory (`<dir> <problem>`) → i18n key under decoys.dirProblem.
const DIRECTORY_PROBLEMS: [pattern: RegExp, key: string][] = [
  [/is a system directory$/, 'system'],
  [/is outside the allowed roots \((.*)\)$/, 'outside'],
  [/must be an absolute path$/, 'absolute'],
  [/must not contain \. or \.\. segments$/, 'dots'],
  [/is the root of a drive$/, 'driveRoot'],
  [/contains control characters$/, 'control'],
];

/**
 * A refused directory explained in plain words (the allowed roots are named when the server gave
 * them); an unknown message becomes `fallback`, or a general sentence.
 */
export function directoryProblemText(t: TFunction, message: string, fallback?: string): string {
  for (const [pattern, key] of DIRECTORY_PROBLEMS) {
    const m = pattern.exec(message);
    if (m) return t(`decoys.dirProblem.${key}`, { roots: m[1] ?? '' });
  }
  return fallback ?? t('decoys.dirProblem.other');
}

/**
 * The server's problems with the directories of a policy, keyed by the line of the text box they
 * came from (`body.directories.2` → the third non-empty line); problems about the whole list
 * (a directory listed twice) are keyed 0.
 */
export function directoryErrors(t: TFunction, err: unknown, lines: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  if (!(err instanceof ApiError)) return out;
  for (const f of err.fields) {
    const m = /^body\.directories(?:\.(\d+))?$/.exec(f.path);
    if (!m) continue;
    if (m[1] === undefined) {
      out.set(0, t(f.message === 'duplicate directory' ? 'decoys.dirProblem.duplicate' : 'decoys.dirProblem.other'));
      continue;
    }
    const line = lines[Number(m[1])];
    if (line !== undefined && !out.has(line)) out.set(line, directoryProblemText(t, f.message));
  }
  return out;
}

/** A SHA-256 shortened for reading ("3f2a9c1e…b07d"); the full value stays in a tooltip. */
export function shortHash(hash: string | null | undefined): string {
  if (!hash) return '—';
  return hash.length > 16 ? `${hash.slice(0, 8)}…${hash.slice(-4)}` : hash;
}

/** The last part of a path, Windows or POSIX. */
export function fileName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).at(-1) ?? p;
}

/** Evidence of a timeline entry, picked out of its details so it can be shown readably. */
export type Evidence = {
  file?: string;
  sha256?: { before: string | null; after: string | null };
  size?: { before: number | null; after: number | null };
  entropy?: { before: number | null; after: number | null };
  pid?: number;
  processName?: string;
  cmdline?: string;
  user?: string;
  extension?: string;
  count?: number;
  examples?: string[];
  channel?: string;
  ip?: string;
  userAgent?: string;
  reason?: string;
  error?: string;
  problems?: { directory: string; message: string }[];
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strOrNull = (v: unknown): string | null => str(v) ?? null;
const numOrNull = (v: unknown): number | null => num(v) ?? null;

/** Picks the evidence out of an event's details (whatever the event kind; absent facts stay absent). */
export function evidenceOf(details: Record<string, unknown>): Evidence {
  const e: Evidence = {};
  const file = str(details.path) ?? str(details.decoyPath);
  if (file) e.file = file;
  if ('beforeSha256' in details || 'afterSha256' in details)
    e.sha256 = { before: strOrNull(details.beforeSha256), after: strOrNull(details.afterSha256) };
  if ('beforeSize' in details || 'afterSize' in details)
    e.size = { before: numOrNull(details.beforeSize), after: numOrNull(details.afterSize) };
  if ('beforeEntropy' in details || 'afterEntropy' in details)
    e.entropy = { before: numOrNull(details.beforeEntropy), after: numOrNull(details.afterEntropy) };
  const pid = num(details.pid);
  if (pid !== undefined) e.pid = pid;
  const processName = str(details.comm);
  if (processName) e.processName = processName;
  const cmdline = str(details.cmdline);
  if (cmdline) e.cmdline = cmdline;
  const user = str(details.user);
  if (user) e.user = user;
  const extension = str(details.extension);
  if (extension) e.extension = extension;
  const count = num(details.count);
  if (count !== undefined) e.count = count;
  if (Array.isArray(details.examples))
    e.examples = details.examples.filter((x): x is string => typeof x === 'string').slice(0, 5);
  const channel = str(details.channel);
  if (channel) e.channel = channel;
  const ip = str(details.ip);
  if (ip) e.ip = ip;
  const userAgent = str(details.userAgent);
  if (userAgent) e.userAgent = userAgent;
  const reason = str(details.reason);
  if (reason) e.reason = reason;
  const error = str(details.error);
  if (error) e.error = error;
  if (Array.isArray(details.problems)) {
    e.problems = details.problems
      .filter((p): p is { directory: string; message: string } => {
        const o = p as Record<string, unknown> | null;
        return !!o && typeof o.directory === 'string' && typeof o.message === 'string';
      })
      .slice(0, 10);
  }
  return e;
}

/** A byte count with digit grouping ("18,432"); the unit comes from the translation. */
export const formatBytes = (n: number, lang: 'ja' | 'en'): string =>
  n.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB');

/** Entropy in bits per byte with one decimal ("4.2"); encrypted files are close to 8. */
export const formatEntropy = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

/** i18n keys use "." as a separator; event kinds contain dots (`decoy.modified` → `decoy_modified`). */
export const kindKey = (kind: string): string => kind.replace(/\./g, '_');
