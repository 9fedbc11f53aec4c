import {
  ChannelSchema,
  ChannelTestResponseSchema,
  CreateChannelRequestSchema,
  CreateRuleRequestSchema,
  DeliveryListQuerySchema,
  DeliveryListResponseSchema,
  DeliverySchema,
  IdParamsSchema,
  OkSchema,
  RuleSchema,
  UpdateChannelRequestSchema,
  UpdateRuleRequestSchema,
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
  deleteRule,
  listAllDeliveries,
  listChannels,
  listDeliveries,
  listRules,
  retryDelivery,
  testChannel,
  updateChannel,
  updateRule,
} from './notifications.service.ts';

/** Notification channels and rules, each alert's deliveries, and the delivery history. */
export async function notificationRoutes(app: FastifyInstance, { db, config, publicUrl }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];
  const mail = { smtpUrl: config.MAMORI_SMTP_URL, from: config.MAMORI_SMTP_FROM };
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
  r.patch('/api/notification-channels/:id', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'Rename, enable or disable a channel, or change where it sends (a signing key is never returned)',
      params: IdParamsSchema,
      body: UpdateChannelRequestSchema,
      response: { 200: ChannelSchema },
    },
    handler: async (req) => updateChannel(db, actorOf(req), req.params.id, req.body),
  });
  r.delete('/api/notification-channels/:id', {
    config: { permission: 'notification:manage' },
    schema: { tags, summary: 'Remove a channel', params: IdParamsSchema, response: { 200: OkSchema } },
    handler: async (req) => {
      await deleteChannel(db, actorOf(req), req.params.id);
      return { ok: true as const };
    },
  });
  r.post('/api/notification-channels/:id/test', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'Send a test notification through a channel now and report whether it arrived',
      params: IdParamsSchema,
      response: { 200: ChannelTestResponseSchema },
    },
    handler: async (req) => testChannel(db, actorOf(req), req.params.id, { mail, publicUrl }),
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
  r.patch('/api/notification-rules/:id', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: "Change a rule's threshold, modules or facility, or turn it on or off",
      params: IdParamsSchema,
      body: UpdateRuleRequestSchema,
      response: { 200: RuleSchema },
    },
    handler: async (req) => updateRule(db, actorOf(req), req.params.id, req.body),
  });
  r.delete('/api/notification-rules/:id', {
    config: { permission: 'notification:manage' },
    schema: { tags, summary: 'Remove a rule', params: IdParamsSchema, response: { 200: OkSchema } },
    handler: async (req) => {
      await deleteRule(db, actorOf(req), req.params.id);
      return { ok: true as const };
    },
  });
  r.get('/api/notification-deliveries', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'The delivery history across alerts, newest first, with optional counts per day',
      querystring: DeliveryListQuerySchema,
      response: { 200: DeliveryListResponseSchema },
    },
    handler: async (req) => listAllDeliveries(db, actorOf(req), req.query),
  });
  r.post('/api/notification-deliveries/:id/retry', {
    config: { permission: 'notification:manage' },
    schema: {
      tags,
      summary: 'Send a pending or failed notification again now',
      params: IdParamsSchema,
      response: { 200: DeliverySchema },
    },
    handler: async (req) => retryDelivery(db, actorOf(req), req.params.id),
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
