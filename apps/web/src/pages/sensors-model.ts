import {
  PERSONA_DEFAULT_PORTS,
  PERSONA_KINDS,
  type PersonaKind,
  type SensorConfigInput,
  SensorConfigInputSchema,
  type SensorLimits,
  SensorLimitsSchema,
  type SensorSession,
  type SensorSource,
  type SessionStage,
  SessionStageSchema,
} from '@mamori/contracts';
import { issueMessage } from '../lib/validation.ts';

/** The attacker stages, lowest first (the order of legends and filters). */
export const STAGES: readonly SessionStage[] = SessionStageSchema.options;

/** Mantine colour of each stage's badge: grey for a scan up to red for commands typed in the fake shell. */
export const STAGE_COLOR: Record<SessionStage, string> = {
  scan: 'gray',
  probe: 'blue',
  login_attempt: 'yellow',
  login_success: 'orange',
  command: 'red',
};

/** The same colours as hex, for charts. */
export const STAGE_HEX: Record<SessionStage, string> = {
  scan: '#868e96',
  probe: '#1c7ed6',
  login_attempt: '#fab005',
  login_success: '#f76707',
  command: '#e03131',
};

/** One colour per persona for the stacked charts (fixed, so a persona keeps its colour everywhere). */
export const PERSONA_HEX: Record<PersonaKind, string> = {
  sslvpn_forti: '#c2255c',
  sslvpn: '#e64980',
  emr_web: '#7048e8',
  ssh: '#1c7ed6',
  telnet: '#15aabf',
  rdp: '#0ca678',
  smb: '#37b24d',
  dicom: '#f59f00',
  hl7: '#f76707',
  ftp: '#845ef7',
  mysql: '#4263eb',
  mssql: '#1098ad',
  vnc: '#74b816',
  tcp: '#868e96',
};

/** Personas that give the attacker a shell: their sessions replay like a terminal. */
export const SHELL_PERSONAS: ReadonlySet<PersonaKind> = new Set(['ssh', 'telnet']);

/** An i18n key with its values (translated by the component). */
export type Msg = { key: string; values?: Record<string, string | number> };

/* ---------- listener problems ---------- */

// What the sensor reports when a persona cannot listen (apps/sensor runtime), in plain words.
const PROBLEMS: [pattern: RegExp, key: string, names: string[]][] = [
  [/^port (\d+) is already in use on (\S+)/, 'portInUse', ['port', 'bind']],
  [/^no permission to listen on port (\d+)/, 'noPermission', ['port']],
  [/^(\S+) is not an address of this host/, 'badBind', ['bind']],
  [/^persona (\S+) is not available in this sensor version/, 'unsupported', ['persona']],
];

/** A listener problem the sensor reported, as an i18n key (the port is always given). */
export function problemMessage(problem: { port: number; message: string }): Msg {
  for (const [pattern, key, names] of PROBLEMS) {
    const m = pattern.exec(problem.message);
    if (!m) continue;
    const values: Record<string, string | number> = { port: problem.port };
    names.forEach((name, i) => {
      // The reported port is the one the problem is about; the message's copy adds nothing.
      if (name !== 'port') values[name] = m[i + 1] ?? '';
    });
    return { key: `sensors.problem.${key}`, values };
  }
  return { key: 'sensors.problem.other', values: { port: problem.port, message: problem.message } };
}

/* ---------- charts ---------- */

const HOUR_MS = 3_600_000;

/**
 * Sessions per hour and persona over the last `hours` hours (the last bucket is the current hour).
 * Japan has no half-hour offset, so UTC hours are JST hours.
 */
export function hourlyBuckets(
  sessions: readonly Pick<SensorSession, 'startedAt' | 'persona'>[],
  now: Date,
  hours = 24,
): { starts: Date[]; series: Map<PersonaKind, number[]> } {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const first = current - (hours - 1) * HOUR_MS;
  const starts = Array.from({ length: hours }, (_, i) => new Date(first + i * HOUR_MS));
  const series = new Map<PersonaKind, number[]>();
  for (const s of sessions) {
    const i = Math.floor((Date.parse(s.startedAt) - first) / HOUR_MS);
    if (i < 0 || i >= hours) continue;
    let counts = series.get(s.persona);
    if (!counts) {
      counts = new Array<number>(hours).fill(0);
      series.set(s.persona, counts);
    }
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { starts, series };
}

/** Sessions per persona, most first. */
export function countByPersona(sessions: readonly Pick<SensorSession, 'persona'>[]): [PersonaKind, number][] {
  const counts = new Map<PersonaKind, number>();
  for (const s of sessions) counts.set(s.persona, (counts.get(s.persona) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || PERSONA_KINDS.indexOf(a[0]) - PERSONA_KINDS.indexOf(b[0]));
}

/** A source seen by the sensors of two or more facilities: the region is being worked through. */
export const isRegional = (s: Pick<SensorSource, 'facilities'>): boolean => s.facilities.length >= 2;

/**
 * Sources × facilities for the heatmap: the facilities most touched first, the sources in the
 * server's order (regional and worst first), each cell `[facility index, source index, sessions]`.
 */
export function sourceMatrix(sources: readonly SensorSource[]): {
  ips: string[];
  facilities: { id: string; name: string }[];
  cells: [number, number, number][];
  max: number;
} {
  const totals = new Map<string, { id: string; name: string; sessions: number }>();
  for (const s of sources) {
    for (const f of s.facilities) {
      const t = totals.get(f.id) ?? { id: f.id, name: f.name, sessions: 0 };
      t.sessions += f.sessions;
      totals.set(f.id, t);
    }
  }
  const facilities = [...totals.values()]
    .sort((a, b) => b.sessions - a.sessions || a.name.localeCompare(b.name))
    .map(({ id, name }) => ({ id, name }));
  const column = new Map(facilities.map((f, i) => [f.id, i]));
  const cells: [number, number, number][] = [];
  let max = 0;
  sources.forEach((s, row) => {
    for (const f of s.facilities) {
      cells.push([column.get(f.id) ?? 0, row, f.sessions]);
      max = Math.max(max, f.sessions);
    }
  });
  return { ips: sources.map((s) => s.srcIp), facilities, cells, max };
}

/* ---------- replay ---------- */

/** At 1x, a pause longer than this is shortened (and the replay says how long it really was). */
export const REPLAY_MAX_WAIT_MS = 3000;

/** For each interaction: the real gap since the previous one, the wait the replay uses, and the time since the first. */
export function replaySteps(
  interactions: readonly { at: string }[],
  maxWaitMs = REPLAY_MAX_WAIT_MS,
): { gapMs: number; waitMs: number; offsetMs: number }[] {
  const first = interactions[0] ? Date.parse(interactions[0].at) : 0;
  let previous = first;
  return interactions.map((i) => {
    const at = Date.parse(i.at);
    const gapMs = Math.max(0, at - previous);
    previous = Math.max(previous, at);
    return { gapMs, waitMs: Math.min(gapMs, maxWaitMs), offsetMs: Math.max(0, at - first) };
  });
}

/** A duration as hours, minutes and seconds (for "1 分 5 秒"). */
export function durationParts(ms: number): { h: number; m: number; s: number } {
  const total = Math.max(0, Math.round(ms / 1000));
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}

/** The CVE identifiers an exploit interaction names (`info.cve`, a string or a list). */
export function cvesOf(info: Record<string, unknown>): string[] {
  const v = info.cve;
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string' && x.length > 0);
}

/* ---------- configuration form ---------- */

/** The limit fields in the order the form shows them. */
export const LIMIT_FIELDS = [
  'maxConnections',
  'maxPerSource',
  'idleSeconds',
  'maxBytesPerConnection',
  'scanPorts',
  'scanWindowSeconds',
] as const satisfies readonly (keyof SensorLimits)[];

/** The configuration as the form edits it: every persona (on or off) with its port. */
export type SensorConfigForm = {
  bind: string;
  personas: Record<PersonaKind, { enabled: boolean; port: number | string }>;
  limits: Record<keyof SensorLimits, number | string>;
  acceptedLogins: { key: string; username: string; password: string }[];
};

/** The form for a sensor's configuration: its personas on their ports, the others off on their usual ports. */
export function toConfigForm(config: SensorConfigInput, newKey: () => string): SensorConfigForm {
  const personas = Object.fromEntries(
    PERSONA_KINDS.map((kind) => {
      const p = config.personas.find((x) => x.kind === kind);
      return [kind, { enabled: p?.enabled ?? false, port: p?.port ?? PERSONA_DEFAULT_PORTS[kind] }];
    }),
  ) as SensorConfigForm['personas'];
  return {
    bind: config.bind,
    personas,
    limits: { ...config.limits },
    acceptedLogins: config.acceptedLogins.map((c) => ({ key: newKey(), ...c })),
  };
}

const blankLogin = (c: { username: string; password: string }) => !c.username.trim() && !c.password;

/** The request: the personas that are on (the sensor runs nothing else), logins without empty rows. */
export function toConfigInput(v: SensorConfigForm): SensorConfigInput {
  return {
    bind: v.bind.trim(),
    personas: PERSONA_KINDS.filter((kind) => v.personas[kind].enabled).map((kind) => ({
      kind,
      port: Number(v.personas[kind].port),
      enabled: true,
    })),
    limits: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, Number(v.limits[f])])) as SensorLimits,
    acceptedLogins: v.acceptedLogins
      .filter((c) => !blankLogin(c))
      .map((c) => ({ username: c.username.trim(), password: c.password })),
  };
}

const isBlank = (v: number | string) => typeof v === 'string' && v.trim() === '';

/**
 * Problems with the form, each on its field (`bind`, `personas.ssh.port`, `limits.idleSeconds`,
 * `acceptedLogins.0.password`), checked with the contract's own schemas; `form` when the request
 * is still refused for a reason no field explains.
 */
export function validateConfigForm(v: SensorConfigForm): Record<string, Msg> {
  const errors: Record<string, Msg> = {};
  if (!SensorConfigInputSchema.shape.bind.safeParse(v.bind.trim()).success) {
    errors.bind = { key: 'sensors.config.bindInvalid' };
  }
  const byPort = new Map<number, PersonaKind>();
  for (const kind of PERSONA_KINDS) {
    const p = v.personas[kind];
    if (!p.enabled) continue;
    const path = `personas.${kind}.port`;
    if (isBlank(p.port)) {
      errors[path] = { key: 'validation.required' };
      continue;
    }
    const port = Number(p.port);
    if (!Number.isInteger(port)) errors[path] = { key: 'validation.number' };
    else if (port < 1) errors[path] = { key: 'validation.minNumber', values: { min: 1 } };
    else if (port > 65_535) errors[path] = { key: 'validation.maxNumber', values: { max: 65_535 } };
    else {
      const other = byPort.get(port);
      if (other) {
        errors[path] = { key: 'sensors.config.portTaken', values: { port, persona: other } };
        errors[`personas.${other}.port`] ??= { key: 'sensors.config.portTaken', values: { port, persona: kind } };
      } else byPort.set(port, kind);
    }
  }
  for (const f of LIMIT_FIELDS) {
    const path = `limits.${f}`;
    if (isBlank(v.limits[f])) {
      errors[path] = { key: 'validation.required' };
      continue;
    }
    const r = SensorLimitsSchema.shape[f].safeParse(Number(v.limits[f]));
    const issue = r.success ? undefined : r.error.issues[0];
    if (issue) {
      const m = issueMessage(issue);
      errors[path] = { key: m.key, values: m.values as Msg['values'] };
    }
  }
  v.acceptedLogins.forEach((c, i) => {
    if (blankLogin(c)) return;
    if (!c.username.trim()) errors[`acceptedLogins.${i}.username`] = { key: 'validation.required' };
    else if (c.username.trim().length > 64)
      errors[`acceptedLogins.${i}.username`] = { key: 'validation.maxLength', values: { count: 64 } };
    if (!c.password) errors[`acceptedLogins.${i}.password`] = { key: 'validation.required' };
    else if (c.password.length > 128)
      errors[`acceptedLogins.${i}.password`] = { key: 'validation.maxLength', values: { count: 128 } };
  });
  if (Object.keys(errors).length === 0 && !SensorConfigInputSchema.safeParse(toConfigInput(v)).success) {
    errors.form = { key: 'sensors.config.invalid' };
  }
  return errors;
}

/**
 * The server's field problems (`body.personas.2.port`, `body.acceptedLogins.0.username`) on the
 * form's fields: persona and login indexes of the request are mapped back to the form's rows.
 */
export function serverConfigErrors(
  fields: readonly { path: string; message: string }[],
  v: SensorConfigForm,
): Record<string, Msg> {
  const sent = PERSONA_KINDS.filter((kind) => v.personas[kind].enabled);
  const loginRows = v.acceptedLogins.flatMap((c, i) => (blankLogin(c) ? [] : [i]));
  const errors: Record<string, Msg> = {};
  for (const f of fields) {
    const path = f.path.replace(/^body\.?/, '');
    const persona = /^personas\.(\d+)\.port$/.exec(path);
    const login = /^acceptedLogins\.(\d+)\.(username|password)$/.exec(path);
    let target: string | undefined;
    if (path === 'bind' || /^limits\.\w+$/.test(path)) target = path;
    else if (persona) {
      const kind = sent[Number(persona[1])];
      if (kind) target = `personas.${kind}.port`;
    } else if (login) {
      const row = loginRows[Number(login[1])];
      if (row !== undefined) target = `acceptedLogins.${row}.${login[2]}`;
    }
    if (target && !errors[target]) errors[target] = { key: 'validation.invalid' };
  }
  return errors;
}
