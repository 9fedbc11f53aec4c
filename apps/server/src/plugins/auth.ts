import type { TLSSocket } from 'node:tls';
import { type Permission, roleCan, type SessionState } from '@mamori/contracts';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/client.ts';
import { SYSTEM_SCOPE, withScope } from '../db/scope.ts';
import type { Actor } from '../lib/actor.ts';
import { safeEqual } from '../lib/crypto.ts';
import { AppError, forbidden, unauthenticated } from '../lib/errors.ts';
import { type LoadedSession, loadSession } from '../modules/auth/auth.service.ts';
import { normalizeSerial } from '../modules/pki/pki.service.ts';
import { readSettings } from '../modules/settings/settings.service.ts';
import { clientCertificates } from '../modules/settings/settings.tables.ts';

/** Name of the session cookie (`__Host-` binds it to this origin, Secure, path /). */
export const SESSION_COOKIE = '__Host-mamori_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route needs no session (sign-in, set-up, health). */
    public?: boolean;
    /** Permission the signed-in user's role must hold. */
    permission?: Permission;
    /** Session states allowed besides `active` (the MFA steps). */
    allowStates?: SessionState[];
    /** Called by agents over mutual TLS; the handler authenticates the agent's certificate. */
    agent?: boolean;
  }
  interface FastifyRequest {
    session: LoadedSession | undefined;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authentication and authorization for every route, declared in the route's config: a route is
 * public, or needs an active session whose role holds `config.permission`. State-changing
 * requests must echo the session's CSRF token in `x-csrf-token`.
 */
export function registerAuth(app: FastifyInstance, db: Db): void {
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    const config = req.routeOptions.config;
    if (!req.routeOptions.url || !req.url.startsWith('/api/')) return; // not-found handler and static files
    if (MUTATING.has(req.method) && req.headers.origin) {
      // Browsers always send Origin on cross-site writes; refuse any that is not this console.
      let host = '';
      try {
        host = new URL(req.headers.origin).host;
      } catch {}
      if (host !== req.headers.host) throw new AppError('csrf', 403, 'Requests from other sites are not accepted');
    }
    if (config.agent) return; // agents authenticate with their own certificate, never a session
    if (!config.public || req.url.startsWith('/api/auth/')) await requireClientCertificateIfConfigured(db, req);
    const token = req.cookies[SESSION_COOKIE];
    const session = token ? await loadSession(db, token, req.ip) : undefined;
    req.session = session;
    // The interactive API docs (routes registered by @fastify/swagger-ui) are public, like /api/openapi.json.
    if (config.public || req.url.startsWith('/api/docs')) return;
    if (!session) throw unauthenticated();
    if (session.state !== 'active' && !config.allowStates?.includes(session.state)) {
      throw new AppError(
        session.state,
        401,
        session.state === 'mfa_required'
          ? 'Enter the code from your authenticator app'
          : 'Set up two-step sign-in first',
      );
    }
    if (MUTATING.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
        throw new AppError('csrf', 403, 'Security token missing or wrong. Reload the page and try again.');
      }
    }
    if (config.permission) {
      const role = session.actor.role;
      if (role === 'system' || !roleCan(role, config.permission)) throw forbidden();
    }
  });
}

/**
 * The serial of a valid, unrevoked platform-CA client certificate presented on this TLS
 * connection, or undefined. The TLS layer requests but does not demand a certificate, so a
 * missing one gets a readable error instead of a failed handshake.
 */
export async function presentedClientCertificate(db: Db, req: FastifyRequest): Promise<string | undefined> {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const peer = socket.getPeerCertificate().serialNumber;
  const serial = peer ? normalizeSerial(peer) : undefined;
  if (!serial) return undefined;
  const [row] = await withScope(db, SYSTEM_SCOPE, (tx) =>
    tx.select().from(clientCertificates).where(eq(clientCertificates.serial, serial)),
  );
  return row && !row.revokedAt && row.notAfter.getTime() > Date.now() ? serial : undefined;
}

async function requireClientCertificateIfConfigured(db: Db, req: FastifyRequest): Promise<void> {
  const settings = await readSettings(db);
  if (!settings.requireClientCertificate) return;
  if (!(await presentedClientCertificate(db, req))) {
    throw forbidden(
      'This console only admits terminals with a client certificate issued by the platform. Ask your administrator.',
    );
  }
}

/** The acting user of an authenticated route (throws if the route was public and nobody signed in). */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.session) throw unauthenticated();
  return req.session.actor;
}

/** The session of an authenticated route. */
export function sessionOf(req: FastifyRequest): LoadedSession {
  if (!req.session) throw unauthenticated();
  return req.session;
}
