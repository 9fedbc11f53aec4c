import type {
  BeaconHitSchema,
  CreateDecoyPolicyRequest,
  DecoyCoverageHost,
  DecoyPolicy,
  DecoyPolicyInput,
  DecoyRowSchema,
  IsolationState,
  TimelineEntry,
} from '@mamori/contracts';
import type { z } from 'zod';
import { api } from './client.ts';

/** One decoy planted on a host, as the console lists it. */
export type DecoyRow = z.infer<typeof DecoyRowSchema>;
/** One beacon opening (a decoy document opened somewhere that could reach the platform). */
export type BeaconHit = z.infer<typeof BeaconHitSchema>;

type Page<T> = { items: T[]; total: number };
const id = (v: string) => encodeURIComponent(v);

/** Decoy policies, coverage per host, a host's decoys and attack timeline, isolation, beacon openings. */
export const decoyApi = {
  policies: (q: { facilityId?: string; limit: number; offset: number }) =>
    api<Page<DecoyPolicy>>('GET', '/api/decoy-policies', { query: q }),
  createPolicy: (body: CreateDecoyPolicyRequest) => api<DecoyPolicy>('POST', '/api/decoy-policies', { body }),
  updatePolicy: (policyId: string, body: DecoyPolicyInput) =>
    api<DecoyPolicy>('PUT', `/api/decoy-policies/${id(policyId)}`, { body }),
  deletePolicy: (policyId: string) => api<null>('DELETE', `/api/decoy-policies/${id(policyId)}`),
  coverage: (facilityId?: string) =>
    api<{ hosts: DecoyCoverageHost[] }>('GET', '/api/decoys/coverage', { query: { facilityId } }),
  decoys: (q: { agentId: string; limit: number; offset: number }) =>
    api<Page<DecoyRow>>('GET', '/api/decoys', { query: q }),
  timeline: (agentId: string, limit = 200) =>
    api<{ entries: TimelineEntry[] }>('GET', `/api/agents/${id(agentId)}/timeline`, { query: { limit } }),
  /** Asks the host to cut itself off the network (or to come back); it acts on its next heartbeat. */
  setIsolation: (agentId: string, desired: IsolationState, reason: string) =>
    api<{ isolationDesired: IsolationState }>(
      'POST',
      `/api/agents/${id(agentId)}/${desired === 'isolated' ? 'isolate' : 'release'}`,
      { body: { reason } },
    ),
  beaconHits: (q: { facilityId?: string; limit: number; offset: number }) =>
    api<Page<BeaconHit>>('GET', '/api/beacon-hits', { query: q }),
};
