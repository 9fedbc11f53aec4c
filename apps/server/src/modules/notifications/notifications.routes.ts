import {
  ChannelSchema,
  CreateChannelRequestSchema,
  CreateRuleRequestSchema,
  DeliverySchema,
  IdParamsSchema,
  OkSchema,
  RuleSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import {
  createChannel,
  createRule,
  deleteChannel,
  listChannels,
  listDeliveries,
  listRules,
} from './notifications.service.ts';

/** Notification channels and rules, and each alert's deliveries. */
export async function notificationRoutes(app: FastifyInstance, { db }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];
  r.get('/api/notification-channels', {
    config: { permission: 'notification:manage' },
    schema: { tags, summary: 'List channels', response: { 200: z.object({ items: z.array(ChannelSchema) }) } },
    handler: async (req) => ({ items: await listChannels(db, actorOf(req)) }),
  });
  r.post('/api/notification-channels', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'Add an e-mail or webhook channel',
      body: CreateChannelRequestSchema,
      response: { 201: ChannelSchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createChannel(db, actorOf(req), req.body)),
  });
  r.delete('/api/notification-channels/:id', {
    config: { permission: 'notification:manage' },
    schema: { tags, summary: 'Remove a channel', params: IdParamsSchema, response: { 200: OkSchema } },
    handler: async (req) => {
      await deleteChannel(db, actorOf(req), req.params.id);
      return { ok: true as const };
    },
  });
  r.get('/api/notification-rules', {
    config: { permission: 'notification:manage' },
    schema: { tags, summary: 'List rules', response: { 200: z.object({ items: z.array(RuleSchema) }) } },
    handler: async (req) => ({ items: await listRules(db, actorOf(req)) }),
  });
  r.post('/api/notification-rules', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'Send alerts of a severity (and modules) to a channel',
      body: CreateRuleRequestSchema,
      response: { 201: RuleSchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createRule(db, actorOf(req), req.body)),
  });
  r.get('/api/alerts/:id/deliveries', {
    config: { permission: 'alert:read' },
    schema: {
      tags,
      summary: "An alert's notifications and their state",
      params: IdParamsSchema,
      response: { 200: z.object({ items: z.array(DeliverySchema) }) },
    },
    handler: async (req) => ({ items: await listDeliveries(db, actorOf(req), req.params.id) }),
  });
}
