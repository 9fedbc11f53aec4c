import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { agentSettingsOf, type Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { type EmbeddedDb, startEmbeddedPostgres } from './db/embedded.ts';
import { runMigrations } from './db/migrate.ts';
import { detectOfflineAgents } from './modules/agents/agents.service.ts';
import { issueBootstrapToken, purgeExpired } from './modules/auth/auth.service.ts';
import { startBeaconDns, startBeaconHttp } from './modules/decoys/beacons.ts';
import { type NotifySettings, runNotificationPass } from './modules/notifications/notifications.service.ts';
import { loadOrCreateCa, loadOrCreateServerCertificate } from './modules/pki/pki.service.ts';

/** A running platform: the HTTP app, its database, and how to stop both. */
export type RunningServer = {
  app: FastifyInstance;
  url: string;
  database: Database;
  caPath: string | undefined;
  /** Set on first run while no administrator exists. */
  setupUrl: string | undefined;
  /** The agents' own listener (`MAMORI_AGENT_PORT`), when configured. */
  agentUrl: string | undefined;
  stop: () => Promise<void>;
};

/** Connects to the configured database (starting the embedded one if needed) and migrates it. */
export async function openConfiguredDatabase(config: Config, log: (m: string) => void = () => {}) {
  let embedded: EmbeddedDb | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir, 'db'),
      port: config.MAMORI_EMBEDDED_PG_PORT,
      log,
    });
    url = embedded.url;
  }
  try {
    await runMigrations(url);
    const database = await openDatabase(url);
    return {
      database,
      close: async () => {
        await database.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

const loopbackAndLocal = (host: string) => {
  const names = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  if (host !== '0.0.0.0' && host !== '::') (net.isIP(host) ? ips : names).add(host);
  names.add(os.hostname());
  return { names, ips };
};

/** What the agents' listener serves: the agent API, enrolment, the CA certificate and beacons; nothing of the console. */
const AGENT_PATHS = /^\/(api\/agent\/|api\/agents\/enroll(\?|$)|api\/pki\/ca\.crt(\?|$)|api\/health(\?|$)|b\/)/;

/** A second HTTPS server (always TLS, client certificates requested) that hands agent paths to the same app. */
async function startAgentListener(
  app: FastifyInstance,
  tls: { key: string; cert: string; ca: string[]; requestCert: boolean; rejectUnauthorized: boolean },
  host: string,
  port: number,
): Promise<https.Server> {
  const server = https.createServer(tls, (req, res) => {
    if (AGENT_PATHS.test(req.url ?? '')) return app.routing(req, res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'This port serves agents only' } }));
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Starts the whole platform: database, migrations, PKI, TLS, HTTP. */
export async function startServer(config: Config): Promise<RunningServer> {
  const started = Date.now();
  const { database, close } = await openConfiguredDatabase(config);
  let caPath: string | undefined;
  let https: { key: string; cert: string; ca: string[]; requestCert: boolean; rejectUnauthorized: boolean } | undefined;
  try {
    const pkiDir = path.join(config.dataDir, 'pki');
    const ca = await loadOrCreateCa(pkiDir, { commonName: 'Mamori Platform CA' });
    let tls: NonNullable<typeof https> | undefined;
    if (!config.MAMORI_INSECURE_HTTP || config.MAMORI_AGENT_PORT !== undefined) {
      const { names, ips } = loopbackAndLocal(config.MAMORI_HOST);
      for (const h of config.tlsHostnames) (net.isIP(h) ? ips : names).add(h);
      if (config.MAMORI_PUBLIC_URL) names.add(new URL(config.MAMORI_PUBLIC_URL).hostname);
      const cert = await loadOrCreateServerCertificate(pkiDir, ca, { hostnames: [...names], ipAddresses: [...ips] });
      // Request (not demand) a client certificate from the platform CA; plugins/auth.ts decides.
      tls = { key: cert.keyPem, cert: cert.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false };
      caPath = path.join(pkiDir, 'ca.crt');
    }
    if (!config.MAMORI_INSECURE_HTTP) https = tls;
    // The public URL is known only after listening when the port is chosen at run time.
    let publicUrl = config.MAMORI_PUBLIC_URL ?? '';
    let beaconBaseUrl: string | undefined;
    const app = await buildApp({
      db: database.db,
      config,
      publicUrl: () => publicUrl,
      beaconBaseUrl: () => beaconBaseUrl,
      ca,
      fastify: https ? { https } : {},
    });
    await app.listen({ host: config.MAMORI_HOST, port: config.MAMORI_PORT });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.MAMORI_PORT;
    const shownHost =
      config.MAMORI_HOST === '0.0.0.0' || config.MAMORI_HOST === '::' ? 'localhost' : config.MAMORI_HOST;
    const url = `${https ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    publicUrl ||= url;
    // Agents may get their own mutual-TLS port, so the console can sit behind a TLS-terminating proxy.
    const agentServer =
      config.MAMORI_AGENT_PORT !== undefined && tls
        ? await startAgentListener(app, tls, config.MAMORI_HOST, config.MAMORI_AGENT_PORT)
        : undefined;
    const agentAddr = agentServer?.address();
    const agentUrl =
      agentAddr && typeof agentAddr === 'object'
        ? `https://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${agentAddr.port}`
        : undefined;
    const beaconHttp =
      config.MAMORI_BEACON_HTTP_PORT === undefined
        ? undefined
        : await startBeaconHttp(database.db, config.MAMORI_HOST, config.MAMORI_BEACON_HTTP_PORT, config.trustProxy);
    if (beaconHttp) {
      const a = beaconHttp.server.address();
      beaconBaseUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${typeof a === 'object' && a ? a.port : ''}/b`;
    }
    const beaconDns = config.MAMORI_BEACON_DNS_ZONE
      ? await startBeaconDns({
          db: database.db,
          host: config.MAMORI_HOST,
          port: config.MAMORI_BEACON_DNS_PORT,
          zone: config.MAMORI_BEACON_DNS_ZONE,
          logger: app.log,
        })
      : undefined;
    const token = await issueBootstrapToken(database.db);
    const setupUrl = token ? `${publicUrl}/setup?token=${encodeURIComponent(token)}` : undefined;
    const purge = setInterval(
      () => purgeExpired(database.db).catch((err) => app.log.warn({ err }, 'purge failed')),
      10 * 60_000,
    );
    purge.unref();
    const agentSettings = agentSettingsOf(config);
    const offline = setInterval(
      () =>
        detectOfflineAgents(database.db, agentSettings).catch((err) => app.log.warn({ err }, 'offline check failed')),
      Math.min(60_000, agentSettings.offlineAfterSeconds * 250),
    );
    offline.unref();
    const notify: NotifySettings = {
      mail: { smtpUrl: config.MAMORI_SMTP_URL, from: config.MAMORI_SMTP_FROM },
      publicUrl: () => publicUrl,
      escalationMinutes: config.MAMORI_ESCALATION_MINUTES,
      maxAttempts: 8,
    };
    let pass: Promise<void> | undefined;
    const notifier = setInterval(() => {
      pass ??= runNotificationPass(database.db, notify)
        .then(
          () => {},
          (err) => app.log.warn({ err }, 'notification pass failed'),
        )
        .finally(() => {
          pass = undefined;
        });
    }, 1000);
    notifier.unref();
    app.log.info({ url, agentUrl, ms: Date.now() - started }, 'ready');
    let stopping: Promise<void> | undefined;
    return {
      app,
      url,
      database,
      caPath,
      setupUrl,
      agentUrl,
      stop: () => {
        stopping ??= (async () => {
          clearInterval(purge);
          clearInterval(offline);
          clearInterval(notifier);
          await pass;
          beaconDns?.close();
          await new Promise<void>((resolve) => (agentServer ? agentServer.close(() => resolve()) : resolve()));
          await beaconHttp?.close();
          await app.close();
          await close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
