import {
  BootstrapRequestSchema,
  LoginRequestSchema,
  MfaSetupResponseSchema,
  MfaVerifyRequestSchema,
  OkSchema,
  OneTimeTokenInfoSchema,
  OneTimeTokenQuerySchema,
  SessionResponseSchema,
  SetPasswordRequestSchema,
  SetupStatusResponseSchema,
} from '@mamori/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app.ts';
import { unauthenticated } from '../../lib/errors.ts';
import { SESSION_COOKIE, sessionOf } from '../../plugins/auth.ts';
import { readSettings } from '../settings/settings.service.ts';
import {
  bootstrap,
  confirmMfaSetup,
  describeOneTimeToken,
  loadSession,
  login,
  logout,
  needsBootstrap,
  setPasswordWithToken,
  startMfaSetup,
  toSessionResponse,
  verifyMfa,
} from './auth.service.ts';

const PENDING = ['mfa_required', 'mfa_setup_required'] as const;

/** Sign-in, second factor, first-run set-up and one-time password links. */
export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx;
  const meta = (req: { ip: string; headers: Record<string, unknown> }) => ({
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  });
  const setCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
  const sessionBody = async (token: string, ip: string) => {
    const s = await loadSession(db, token, ip);
    if (!s) throw unauthenticated();
    return toSessionResponse(s, (await readSettings(db)).organisationName);
  };
  const loginLimit = { max: ctx.config.MAMORI_LOGIN_RATE_LIMIT, timeWindow: '1 minute' };

  r.get('/api/auth/setup-status', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Whether first-run set-up is needed',
      response: { 200: SetupStatusResponseSchema },
    },
    handler: async () => ({ needsBootstrap: await needsBootstrap(db) }),
  });

  r.post('/api/auth/bootstrap', {
    config: { public: true, rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'Create the first region administrator',
      body: BootstrapRequestSchema,
      response: { 201: SessionResponseSchema },
    },
    handler: async (req, reply) => {
      const token = await bootstrap(db, req.body, meta(req));
      setCookie(reply, token);
      return reply.status(201).send(await sessionBody(token, req.ip));
    },
  });

  r.post('/api/auth/login', {
    config: { public: true, rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'Sign in with e-mail and password',
      body: LoginRequestSchema,
      response: { 200: SessionResponseSchema },
    },
    handler: async (req, reply) => {
      const token = await login(db, ctx.authPolicy, req.body.email, req.body.password, meta(req));
      setCookie(reply, token);
      return sessionBody(token, req.ip);
    },
  });

  r.get('/api/auth/session', {
    config: { allowStates: [...PENDING] },
    schema: { tags: ['auth'], summary: 'The current session', response: { 200: SessionResponseSchema } },
    handler: async (req) => toSessionResponse(sessionOf(req), (await readSettings(db)).organisationName),
  });

  r.post('/api/auth/logout', {
    config: { allowStates: [...PENDING] },
    schema: { tags: ['auth'], summary: 'Sign out', response: { 200: OkSchema } },
    handler: async (req, reply) => {
      await logout(db, sessionOf(req));
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
      return { ok: true as const };
    },
  });

  r.post('/api/auth/mfa/setup', {
    config: { allowStates: ['mfa_setup_required'], rateLimit: loginLimit },
    schema: { tags: ['auth'], summary: 'Start authenticator-app enrolment', response: { 200: MfaSetupResponseSchema } },
    handler: async (req) => startMfaSetup(db, sessionOf(req)),
  });

  r.post('/api/auth/mfa/enable', {
    config: { allowStates: ['mfa_setup_required'], rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'Confirm enrolment with a first code',
      body: MfaVerifyRequestSchema,
      response: { 200: SessionResponseSchema },
    },
    handler: async (req) => {
      await confirmMfaSetup(db, sessionOf(req), req.body.code);
      return sessionBody(req.cookies[SESSION_COOKIE] ?? '', req.ip);
    },
  });

  r.post('/api/auth/mfa/verify', {
    config: { allowStates: ['mfa_required'], rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'Complete sign-in with the second factor',
      body: MfaVerifyRequestSchema,
      response: { 200: SessionResponseSchema },
    },
    handler: async (req) => {
      await verifyMfa(db, sessionOf(req), req.body.code);
      return sessionBody(req.cookies[SESSION_COOKIE] ?? '', req.ip);
    },
  });

  r.get('/api/auth/one-time-token', {
    config: { public: true, rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'What an invitation or reset link is for',
      querystring: OneTimeTokenQuerySchema,
      response: { 200: OneTimeTokenInfoSchema },
    },
    handler: async (req) => describeOneTimeToken(db, req.query.token),
  });

  r.post('/api/auth/set-password', {
    config: { public: true, rateLimit: loginLimit },
    schema: {
      tags: ['auth'],
      summary: 'Set a password with a one-time link',
      body: SetPasswordRequestSchema,
      response: { 200: OkSchema },
    },
    handler: async (req) => {
      await setPasswordWithToken(db, req.body.token, req.body.password, meta(req));
      return { ok: true as const };
    },
  });
}
