import {
  BeaconHitListQuerySchema,
  BeaconHitListResponseSchema,
  CreateDecoyPolicyRequestSchema,
  DecoyCoverageQuerySchema,
  DecoyCoverageResponseSchema,
  DecoyInventoryAckSchema,
  DecoyInventoryReportSchema,
  DecoyPolicyListQuerySchema,
  DecoyPolicyListResponseSchema,
  DecoyPolicySchema,
  HostTimelineQuerySchema,
  HostTimelineResponseSchema,
  IdParamsSchema,
  IsolationRequestSchema,
  IsolationStateSchema,
  PlantedDecoyListQuerySchema,
  PlantedDecoyListResponseSchema,
  UpdateDecoyPolicyRequestSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { agentOf } from '../agents/agents.routes.ts';
import { BEACON_RATE_LIMIT, serveBeacon } from './beacons.ts';
import {
  coverage,
  createPolicy,
  deletePolicy,
  hostTimeline,
  listBeaconHits,
  listDecoys,
  listPolicies,
  reportInventory,
  requestIsolation,
  updatePolicy,
} from './decoys.service.ts';

/** Decoy policies, coverage, host timelines, isolation, the agents' inventory reports and beacons. */
export async function decoyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx;
  const tags = ['decoys'];

  r.get('/api/decoy-policies', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'List decoy policies',
      querystring: DecoyPolicyListQuerySchema,
      response: { 200: DecoyPolicyListResponseSchema },
    },
    handler: (req) => listPolicies(db, actorOf(req), req.query),
  });
  r.post('/api/decoy-policies', {
    config: { permission: 'decoy:manage' },
    schema: {
      tags,
      summary: 'Create a decoy policy for a facility',
      body: CreateDecoyPolicyRequestSchema,
      response: { 201: DecoyPolicySchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createPolicy(db, actorOf(req), ctx.decoys, req.body)),
  });
  r.put('/api/decoy-policies/:id', {
    config: { permission: 'decoy:manage' },
    schema: {
      tags,
      summary: 'Change a decoy policy (agents re-plant on their next heartbeat)',
      params: IdParamsSchema,
      body: UpdateDecoyPolicyRequestSchema,
      response: { 200: DecoyPolicySchema },
    },
    handler: (req) => updatePolicy(db, actorOf(req), ctx.decoys, req.params.id, req.body),
  });
  r.delete('/api/decoy-policies/:id', {
    config: { permission: 'decoy:manage' },
    schema: {
      tags,
      summary: 'Delete a decoy policy (agents remove exactly the decoys it planted)',
      params: IdParamsSchema,
    },
    handler: async (req, reply) => {
      await deletePolicy(db, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });
  r.get('/api/decoys/coverage', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Decoy coverage per host: directories, decoys, last verified, isolation',
      querystring: DecoyCoverageQuerySchema,
      response: { 200: DecoyCoverageResponseSchema },
    },
    handler: (req) => coverage(db, actorOf(req), ctx.agentSettings, req.query.facilityId),
  });
  r.get('/api/decoys', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Decoys planted on one host',
      querystring: PlantedDecoyListQuerySchema,
      response: { 200: PlantedDecoyListResponseSchema },
    },
    handler: (req) => listDecoys(db, actorOf(req), req.query),
  });
  r.get('/api/agents/:id/timeline', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: "A host's attack timeline (decoy, containment and beacon events)",
      params: IdParamsSchema,
      querystring: HostTimelineQuerySchema,
      response: { 200: HostTimelineResponseSchema },
    },
    handler: (req) => hostTimeline(db, actorOf(req), req.params.id, req.query),
  });
  for (const desired of IsolationStateSchema.options) {
    r.post(`/api/agents/:id/${desired === 'isolated' ? 'isolate' : 'release'}`, {
      config: { permission: 'host:isolate' },
      schema: {
        tags,
        summary:
          desired === 'isolated'
            ? 'Isolate a host from the network (the agent keeps the platform reachable)'
            : 'Release an isolated host',
        params: IdParamsSchema,
        body: IsolationRequestSchema,
        response: { 200: z.object({ isolationDesired: IsolationStateSchema }) },
      },
      handler: async (req) => ({
        isolationDesired: await requestIsolation(db, actorOf(req), req.params.id, desired, req.body.reason),
      }),
    });
  }
  r.get('/api/beacon-hits', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Beacon openings (decoy documents opened somewhere)',
      querystring: BeaconHitListQuerySchema,
      response: { 200: BeaconHitListResponseSchema },
    },
    handler: (req) => listBeaconHits(db, actorOf(req), req.query),
  });

  r.post('/api/agent/decoys/inventory', {
    config: { public: true, agent: true },
    schema: {
      tags,
      summary: "The agent's full decoy inventory (mutual TLS)",
      body: DecoyInventoryReportSchema,
      response: { 200: DecoyInventoryAckSchema },
    },
    handler: async (req) => reportInventory(db, await agentOf(req, db), req.body),
  });

  // Beacons: public, rate-limited, the same pixel whatever the token.
  r.get('/b/:token', {
    config: { public: true, rateLimit: BEACON_RATE_LIMIT },
    schema: { hide: true, params: z.object({ token: z.string() }) },
    handler: (req, reply) => serveBeacon(db, req, reply),
  });
}
