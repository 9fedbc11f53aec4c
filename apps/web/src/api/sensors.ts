import type {
  PersonaKind,
  Sensor,
  SensorConfigInput,
  SensorCredentialSchema,
  SensorSession,
  SensorSessionDetail,
  SensorSource,
} from '@mamori/contracts';
import type { z } from 'zod';
import { api } from './client.ts';

/** One credential pair tried against the sensors, with how often and whether the fake service accepted it. */
export type SensorCredential = z.infer<typeof SensorCredentialSchema>;

type Page<T> = { items: T[]; total: number };
const id = (v: string) => encodeURIComponent(v);

/** Query keys of the decoy-server screens (everything under one key, so a change refreshes them all). */
export const sensorKeys = {
  all: ['sensors'] as const,
};

/** Filters of the attacker sessions list. */
export type SensorSessionQuery = {
  facilityId?: string;
  agentId?: string;
  srcIp?: string;
  persona?: PersonaKind;
  /** Only sessions still open (no disconnect yet). */
  live?: 'true' | 'false';
  limit: number;
  offset: number;
};

/** Look-back window and size of the sources and credentials summaries. */
export type SensorStatsQuery = { facilityId?: string; hours: number; limit: number };

// Until this time, reads are refreshes the live stream or a poll asked for, not the user's doing.
// (client.ts does the same for the paths it knows; /api/sensors is not among them.)
let backgroundUntil = 0;

/** Marks sensor reads in the next few seconds as background refreshes (they do not keep an idle console signed in). */
export function markSensorBackgroundRefresh(ms = 3000): void {
  backgroundUntil = Date.now() + ms;
}

const inBackground = (forced?: boolean) => forced === true || Date.now() < backgroundUntil;

/** Decoy-server sensors: their configuration, the attacker sessions (with replay), sources and credentials. */
export const sensorApi = {
  list: (q: { facilityId?: string; limit: number; offset: number }) =>
    api<Page<Sensor>>('GET', '/api/sensors', { query: q, background: inBackground() }),
  /** Replaces a sensor's personas, ports, limits and accepted logins; the sensor applies them on its next heartbeat. */
  updateConfig: (agentId: string, body: SensorConfigInput) =>
    api<Sensor>('PUT', `/api/sensors/${id(agentId)}/config`, { body }),
  /** Sessions newest first; `background` for the automatic refresh of the live list. */
  sessions: (q: SensorSessionQuery, opts: { background?: boolean } = {}) =>
    api<Page<SensorSession>>('GET', '/api/sensors/sessions', {
      query: q,
      background: inBackground(opts.background),
    }),
  /** One session with its interactions; `background` for the re-reads of a session still open. */
  session: (sessionId: string, opts: { background?: boolean } = {}) =>
    api<SensorSessionDetail>('GET', `/api/sensors/sessions/${id(sessionId)}`, {
      background: inBackground(opts.background),
    }),
  sources: (q: SensorStatsQuery) =>
    api<{ items: SensorSource[] }>('GET', '/api/sensors/sources', { query: q, background: inBackground() }),
  credentials: (q: SensorStatsQuery) =>
    api<{ items: SensorCredential[] }>('GET', '/api/sensors/credentials', { query: q, background: inBackground() }),
};
