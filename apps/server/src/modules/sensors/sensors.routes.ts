import {
  AgentIdParamsSchema,
  IdParamsSchema,
  SensorCredentialsResponseSchema,
  SensorListQuerySchema,
  SensorListResponseSchema,
  SensorSchema,
  SensorSessionDetailSchema,
  SensorSessionListQuerySchema,
  SensorSessionListResponseSchema,
  SensorSourcesResponseSchema,
  SensorStatsQuerySchema,
  SensorStatusAckSchema,
  SensorStatusReportSchema,
  UpdateSensorConfigRequestSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { agentOf } from '../agents/agents.routes.ts';
import {
  credentialsTried,
  listSensors,
  listSessions,
  reportSensorStatus,
  sessionDetail,
  topSources,
  updateSensorConfig,
} from './sensors.service.ts';

/** Decoy-server sensors: configuration, attacker sessions and their replay, sources and credentials. */
export async function sensorRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx;
  const tags = ['sensors'];

  r.get('/api/sensors', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'List decoy-server sensors with their configuration and last 24 hours',
      querystring: SensorListQuerySchema,
      response: { 200: SensorListResponseSchema },
    },
    handler: (req) => listSensors(db, actorOf(req), ctx.agentSettings, req.query),
  });
  r.put('/api/sensors/:agentId/config', {
    config: { permission: 'decoy:manage' },
    schema: {
      tags,
      summary: "Change a sensor's personas, ports and limits (applied on its next heartbeat)",
      params: AgentIdParamsSchema,
      body: UpdateSensorConfigRequestSchema,
      response: { 200: SensorSchema },
    },
    handler: (req) => updateSensorConfig(db, actorOf(req), ctx.agentSettings, req.params.agentId, req.body),
  });
  r.get('/api/sensors/sessions', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Attacker sessions, newest first',
      querystring: SensorSessionListQuerySchema,
      response: { 200: SensorSessionListResponseSchema },
    },
    handler: (req) => listSessions(db, actorOf(req), req.query),
  });
  r.get('/api/sensors/sessions/:id', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'One attacker session with every interaction in order (replay)',
      params: IdParamsSchema,
      response: { 200: SensorSessionDetailSchema },
    },
    handler: (req) => sessionDetail(db, actorOf(req), req.params.id),
  });
  r.get('/api/sensors/sources', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Top attacker sources and the facilities each touched',
      querystring: SensorStatsQuerySchema,
      response: { 200: SensorSourcesResponseSchema },
    },
    handler: (req) => topSources(db, actorOf(req), req.query),
  });
  r.get('/api/sensors/credentials', {
    config: { permission: 'decoy:read' },
    schema: {
      tags,
      summary: 'Credentials tried against the sensors',
      querystring: SensorStatsQuerySchema,
      response: { 200: SensorCredentialsResponseSchema },
    },
    handler: (req) => credentialsTried(db, actorOf(req), req.query),
  });

  r.post('/api/agent/sensor/status', {
    config: { public: true, agent: true },
    schema: {
      tags,
      summary: 'A sensor reports which personas listen (mutual TLS)',
      body: SensorStatusReportSchema,
      response: { 200: SensorStatusAckSchema },
    },
    handler: async (req) => {
      await reportSensorStatus(db, await agentOf(req, db), req.body);
      return { ok: true as const };
    },
  });
}
