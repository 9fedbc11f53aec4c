import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { agentSettingsOf, blobStoreConfig, type Config } from './config.ts';
import type { Db } from './db/client.ts';
import { type BlobStore, createBlobStore } from './lib/blob-store/index.ts';
import { agentRoutes } from './modules/agents/agents.routes.ts';
import type { AgentSettings } from './modules/agents/agents.service.ts';
import { alertRoutes } from './modules/alerts/alerts.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import type { AuthPolicy } from './modules/auth/auth.service.ts';
import { decoyRoutes } from './modules/decoys/decoys.routes.ts';
import type { DecoySettings } from './modules/decoys/decoys.service.ts';
import { facilityRoutes } from './modules/facilities/facilities.routes.ts';
import { notificationRoutes } from './modules/notifications/notifications.routes.ts';
import { pkiRoutes } from './modules/pki/pki.routes.ts';
import type { Ca } from './modules/pki/pki.service.ts';
import { sensorRoutes } from './modules/sensors/sensors.routes.ts';
import { settingsRoutes } from './modules/settings/settings.routes.ts';
import { userRoutes } from './modules/users/users.routes.ts';
import { registerAuth } from './plugins/auth.ts';
import { frameworkErrors, notFoundBody, registerErrorHandling } from './plugins/errors.ts';
import { VERSION } from './version.ts';

/** What every module's routes receive. */
export type AppContext = {
  db: Db;
  config: Config;
  authPolicy: AuthPolicy;
  /** Base URL used in links shown to users (no trailing slash); known once the server listens. */
  publicUrl: () => string;
  version: string;
  /** The platform CA (console TLS, browser and agent certificates). */
  ca: Ca;
  /** Where modules keep files (samples, evidence, reports), hash-verified on read. */
  blobs: BlobStore;
  /** Agent heartbeat interval and offline threshold. */
  agentSettings: AgentSettings;
  /** Allowed decoy roots and where beacons point. */
  decoys: DecoySettings;
};

/** Options for building the HTTP application (TLS and logger come from the caller). */
export type BuildOptions = {
  db: Db;
  config: Config;
  publicUrl: () => string;
  ca: Ca;
  blobs?: BlobStore;
  /** Base URL of the plain-HTTP beacon listener when one runs (see MAMORI_BEACON_HTTP_PORT). */
  beaconBaseUrl?: () => string | undefined;
  fastify?: FastifyServerOptions & { https?: unknown };
};

/** Builds the Fastify application with every plugin and module registered, not yet listening. */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: {
      level: config.MAMORI_LOG_LEVEL,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.MAMORI_BODY_LIMIT,
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    frameworkErrors,
    ...opts.fastify,
  } as FastifyServerOptions) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(rateLimit, { max: config.MAMORI_API_RATE_LIMIT, timeWindow: '1 minute' });
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Mamori API', version: VERSION, description: 'Security services for regional medical networks.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-mamori_session' } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  const ctx: AppContext = {
    db: opts.db,
    config,
    authPolicy: { lockoutThreshold: config.MAMORI_LOCKOUT_THRESHOLD, lockoutMinutes: 15 },
    publicUrl: () => opts.publicUrl().replace(/\/$/, ''),
    version: VERSION,
    ca: opts.ca,
    blobs: opts.blobs ?? (await createBlobStore(blobStoreConfig(config))),
    agentSettings: agentSettingsOf(config),
    decoys: {
      roots: config.decoyRoots,
      beacons: () => ({
        baseUrl: (config.MAMORI_BEACON_BASE_URL ?? opts.beaconBaseUrl?.() ?? `${opts.publicUrl()}/b`).replace(
          /\/$/,
          '',
        ),
        dnsZone: config.MAMORI_BEACON_DNS_ZONE?.toLowerCase() ?? null,
      }),
    },
  };
  registerAuth(app, opts.db);
  for (const routes of [
    authRoutes,
    facilityRoutes,
    userRoutes,
    auditRoutes,
    settingsRoutes,
    pkiRoutes,
    agentRoutes,
    alertRoutes,
    notificationRoutes,
    decoyRoutes,
    sensorRoutes,
  ]) {
    await routes(app, ctx);
  }

  const webDir = config.webDir;
  const hasWeb = !!webDir && fs.existsSync(path.join(webDir, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: 'index.html' });
  app.setNotFoundHandler((req, reply) => {
    // The console is a single-page app: unknown non-API GETs get index.html.
    if (hasWeb && req.method === 'GET' && !req.url.startsWith('/api/'))
      return reply.type('text/html').sendFile('index.html');
    return reply.status(404).send(notFoundBody(req.method, req.url));
  });
  return app;
}
