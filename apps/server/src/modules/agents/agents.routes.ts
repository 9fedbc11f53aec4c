import type { TLSSocket } from 'node:tls';
import {
  AgentEnrolRequestSchema,
  AgentEnrolResponseSchema,
  AgentEventAckSchema,
  AgentEventBatchSchema,
  AgentListQuerySchema,
  AgentListResponseSchema,
  AgentSchema,
  CreateEnrolmentTokenRequestSchema,
  EnrolmentTokenResponseSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  IdParamsSchema,
} from '@mamori/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import {
  type AgentIdentity,
  authenticateAgent,
  createEnrolmentToken,
  enrolAgent,
  heartbeat,
  ingestEvents,
  listAgents,
  revokeAgent,
} from './agents.service.ts';

/** The agent behind this mutual-TLS request (routes with `config.agent`). */
export const agentOf = (req: FastifyRequest, db: AppContext['db']): Promise<AgentIdentity> =>
  authenticateAgent(db, req.raw.socket as TLSSocket);

/** Agent enrolment, the agents' mutual-TLS API, and the console's agent management. */
export async function agentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, agentSettings } = ctx;
  const tags = ['agents'];

  r.post('/api/enrolment-tokens', {
    config: { permission: 'agent:manage' },
    schema: {
      tags,
      summary: 'Create a one-time enrolment token for a facility',
      body: CreateEnrolmentTokenRequestSchema,
      response: { 201: EnrolmentTokenResponseSchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createEnrolmentToken(db, actorOf(req), req.body)),
  });
  r.get('/api/agents', {
    config: { permission: 'agent:read' },
    schema: {
      tags,
      summary: 'List agents',
      querystring: AgentListQuerySchema,
      response: { 200: AgentListResponseSchema },
    },
    handler: (req) => listAgents(db, actorOf(req), agentSettings, req.query),
  });
  r.post('/api/agents/:id/revoke', {
    config: { permission: 'agent:manage' },
    schema: {
      tags,
      summary: 'Revoke an agent (its certificate is refused from now on)',
      params: IdParamsSchema,
      response: { 200: AgentSchema },
    },
    handler: (req) => revokeAgent(db, actorOf(req), agentSettings, req.params.id),
  });

  r.post('/api/agents/enroll', {
    config: { public: true, rateLimit: { max: ctx.config.MAMORI_LOGIN_RATE_LIMIT, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Agent enrolment with a one-time token and a CSR',
      body: AgentEnrolRequestSchema,
      response: { 201: AgentEnrolResponseSchema },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await enrolAgent(db, ctx.ca, agentSettings, req.body, req.ip)),
  });
  r.post('/api/agent/heartbeat', {
    config: { public: true, agent: true },
    schema: {
      tags,
      summary: 'Agent heartbeat with host facts (mutual TLS)',
      body: HeartbeatRequestSchema,
      response: { 200: HeartbeatResponseSchema },
    },
    handler: (req) => heartbeat(db, req.raw.socket as TLSSocket, req.body, agentSettings, ctx.decoys.beacons()),
  });
  r.post('/api/agent/events', {
    config: { public: true, agent: true },
    schema: {
      tags,
      summary: 'Agent events, idempotent by event id (mutual TLS)',
      body: AgentEventBatchSchema,
      response: { 200: AgentEventAckSchema },
    },
    handler: async (req) => ingestEvents(db, await agentOf(req, db), req.body.events),
  });
}
