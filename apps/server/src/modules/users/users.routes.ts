import {
  CreateUserRequestSchema,
  CreateUserResponseSchema,
  IdParamsSchema,
  OneTimeLinkSchema,
  UpdateUserRequestSchema,
  UserListQuerySchema,
  UserListResponseSchema,
  UserSchema,
} from '@mamori/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../plugins/auth.ts';
import { createUser, getUser, listUsers, resetMfa, resetPassword, unlockUser, updateUser } from './users.service.ts';

/** Users and roles: list, invite, edit, reset password or second factor, unlock. */
export async function userRoutes(app: FastifyInstance, { db, publicUrl }: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  r.get('/api/users', {
    config: { permission: 'user:read' },
    schema: {
      tags,
      summary: 'List users',
      querystring: UserListQuerySchema,
      response: { 200: UserListResponseSchema },
    },
    handler: (req) => listUsers(db, actorOf(req), req.query),
  });
  r.get('/api/users/:id', {
    config: { permission: 'user:read' },
    schema: { tags, summary: 'Get a user', params: IdParamsSchema, response: { 200: UserSchema } },
    handler: (req) => getUser(db, actorOf(req), req.params.id),
  });
  r.post('/api/users', {
    config: { permission: 'user:manage' },
    schema: {
      tags,
      summary: 'Invite a user (returns a one-time link)',
      body: CreateUserRequestSchema,
      response: { 201: CreateUserResponseSchema },
    },
    handler: async (req, reply) => reply.status(201).send(await createUser(db, actorOf(req), publicUrl(), req.body)),
  });
  r.patch('/api/users/:id', {
    config: { permission: 'user:manage' },
    schema: {
      tags,
      summary: 'Edit a user, change role, disable',
      params: IdParamsSchema,
      body: UpdateUserRequestSchema,
      response: { 200: UserSchema },
    },
    handler: (req) => updateUser(db, actorOf(req), req.params.id, req.body),
  });
  r.post('/api/users/:id/password-reset', {
    config: { permission: 'user:manage' },
    schema: {
      tags,
      summary: 'Reset password (returns a one-time link)',
      params: IdParamsSchema,
      response: { 200: OneTimeLinkSchema },
    },
    handler: (req) => resetPassword(db, actorOf(req), publicUrl(), req.params.id),
  });
  r.post('/api/users/:id/mfa-reset', {
    config: { permission: 'user:manage' },
    schema: { tags, summary: 'Clear the second factor', params: IdParamsSchema, response: { 200: UserSchema } },
    handler: (req) => resetMfa(db, actorOf(req), req.params.id),
  });
  r.post('/api/users/:id/unlock', {
    config: { permission: 'user:manage' },
    schema: { tags, summary: 'Lift a sign-in lock', params: IdParamsSchema, response: { 200: UserSchema } },
    handler: (req) => unlockUser(db, actorOf(req), req.params.id),
  });
}
