import {
  CreateEnrolmentTokenRequestSchema,
  CreateFacilityRequestSchema,
  CreateUserRequestSchema,
  FacilityListQuerySchema,
  FacilityTypeSchema,
  RoleSchema,
} from '@mamori/contracts';
import { Command, CommanderError, Option } from 'commander';
import type { z } from 'zod';
import { type Config, ConfigError, describeConfig, loadConfig } from './config.ts';
import type { Db } from './db/client.ts';
import { type Actor, systemActor } from './lib/actor.ts';
import { AppError } from './lib/errors.ts';
import { createEnrolmentToken } from './modules/agents/agents.service.ts';
import { verifyAuditChain } from './modules/audit/audit.service.ts';
import { createFacility, listFacilities } from './modules/facilities/facilities.service.ts';
import { createUser } from './modules/users/users.service.ts';
import { openConfiguredDatabase, startServer } from './server.ts';

/** Thrown for a user mistake on the command line: printed without a stack, exit code 2. */
class UsageError extends Error {}

const print = (json: boolean, value: unknown, text: string) => {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
};

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new UsageError(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('\n'));
  }
  return r.data;
}

function publicUrlOf(config: Config): string {
  if (config.MAMORI_PUBLIC_URL) return config.MAMORI_PUBLIC_URL.replace(/\/$/, '');
  const scheme = config.MAMORI_INSECURE_HTTP ? 'http' : 'https';
  const host = config.MAMORI_HOST === '0.0.0.0' ? 'localhost' : config.MAMORI_HOST;
  return `${scheme}://${host}:${config.MAMORI_PORT}`;
}

async function withDb<T>(fn: (db: Db, actor: Actor, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database, close } = await openConfiguredDatabase(config);
  try {
    return await fn(database.db, systemActor(`cli:${process.env.USER ?? 'operator'}`), config);
  } finally {
    await close();
  }
}

/** Builds the `mamori` command line. */
export function buildCli(): Command {
  const program = new Command('mamori')
    .description('Mamori: security services for regional medical networks')
    .addHelpText('after', `\nConfiguration (environment variables):\n${describeConfig()}\n`)
    .showHelpAfterError()
    .exitOverride();
  const json = new Option('--json', 'machine-readable output');

  program
    .command('start')
    .description('start the platform (embedded PostgreSQL unless DATABASE_URL is set)')
    .action(async () => {
      const server = await startServer(loadConfig());
      const lines = [`Mamori is running at ${server.url}`];
      if (server.caPath) lines.push(`Platform CA certificate (import it to trust the console): ${server.caPath}`);
      if (server.setupUrl) {
        lines.push('No administrator yet. Open this one-time link to create the first one (valid 24 h):');
        lines.push(`  ${server.setupUrl}`);
      } else {
        lines.push('Sign in with your e-mail, password and authenticator code.');
      }
      lines.push(`API documentation: ${server.url}/api/docs`);
      process.stdout.write(`${lines.join('\n')}\n`);
      const shutdown = (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        // Whatever hangs (a stuck client, a slow peer), the process ends within 15 s.
        setTimeout(() => {
          server.app.log.error('shutdown took too long; exiting');
          process.exit(1);
        }, 15_000).unref();
        server.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

  const admin = program.command('admin').description('administrators');
  admin
    .command('create')
    .description('create a region administrator and print a one-time link to set the password')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>', 'display name')
    .addOption(json)
    .action(async (o: { email: string; name: string; json?: boolean }) => {
      const req = parse(CreateUserRequestSchema, { email: o.email, displayName: o.name, role: 'region_admin' });
      const out = await withDb((db, actor, config) => createUser(db, actor, publicUrlOf(config), req));
      print(
        !!o.json,
        out,
        `Created ${out.user.email} (region_admin).\nOne-time link to set the password (valid until ${out.invitation.expiresAt}):\n  ${out.invitation.url}`,
      );
    });

  const facility = program.command('facility').description('member facilities');
  facility
    .command('add')
    .description('add a facility')
    .requiredOption('--name <name>')
    .addOption(new Option('--type <type>').choices(FacilityTypeSchema.options).makeOptionMandatory())
    .requiredOption('--prefecture <code>', 'JIS prefecture code, e.g. 04 for Miyagi')
    .requiredOption('--contact-name <name>')
    .requiredOption('--contact-phone <phone>')
    .option('--contact-email <email>')
    .addOption(json)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const req = parse(CreateFacilityRequestSchema, {
        name: o.name,
        type: o.type,
        prefecture: o.prefecture,
        contact: { name: o.contactName, phone: o.contactPhone, ...(o.contactEmail ? { email: o.contactEmail } : {}) },
      });
      const f = await withDb((db, actor) => createFacility(db, actor, req));
      print(!!o.json, f, `${f.id}\t${f.name}`);
    });
  facility
    .command('list')
    .description('list facilities')
    .addOption(new Option('--type <type>').choices(FacilityTypeSchema.options))
    .option('--prefecture <code>')
    .option('--limit <n>', 'maximum rows', '500')
    .addOption(json)
    .action(async (o: { type?: string; prefecture?: string; limit: string; json?: boolean }) => {
      const q = parse(FacilityListQuerySchema, { type: o.type, prefecture: o.prefecture, limit: o.limit });
      const page = await withDb((db, actor) => listFacilities(db, actor, q));
      print(
        !!o.json,
        page,
        page.items.map((f) => `${f.id}\t${f.type}\t${f.prefecture}\t${f.name}`).join('\n') || '(no facilities)',
      );
    });

  const user = program.command('user').description('users');
  user
    .command('add')
    .description('invite a user and print a one-time link to set the password')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--role <role>').choices(RoleSchema.options).makeOptionMandatory())
    .option('--facility <id>', 'home facility (facility roles)')
    .option('--assign <ids>', 'comma-separated facility ids (auditors, analysts)')
    .addOption(json)
    .action(
      async (o: { email: string; name: string; role: string; facility?: string; assign?: string; json?: boolean }) => {
        const req = parse(CreateUserRequestSchema, {
          email: o.email,
          displayName: o.name,
          role: o.role,
          facilityId: o.facility,
          assignedFacilityIds: o.assign?.split(',').filter(Boolean),
        });
        const out = await withDb((db, actor, config) => createUser(db, actor, publicUrlOf(config), req));
        print(
          !!o.json,
          out,
          `Created ${out.user.email} (${out.user.role}).\nOne-time link (valid until ${out.invitation.expiresAt}):\n  ${out.invitation.url}`,
        );
      },
    );

  const tokens = program.command('tokens').description('agent enrolment tokens');
  tokens
    .command('add')
    .description('create a one-time enrolment token for a facility (for `mamori-agent enroll`)')
    .requiredOption('--facility <id>', 'facility id')
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 1h, 2d', '1h')
    .addOption(json)
    .action(async (o: { facility: string; ttl: string; json?: boolean }) => {
      const m = /^(\d+)\s*(m|h|d)$/.exec(o.ttl.trim());
      if (!m) throw new UsageError('--ttl: use minutes, hours or days, e.g. 30m, 1h, 2d');
      const minutes = Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
      const req = parse(CreateEnrolmentTokenRequestSchema, { facilityId: o.facility, ttlMinutes: minutes });
      const out = await withDb((db, actor) => createEnrolmentToken(db, actor, req));
      print(!!o.json, out, `${out.token}\n(one-time, for facility ${out.facilityId}, valid until ${out.expiresAt})`);
    });

  const audit = program.command('audit').description('audit log');
  audit
    .command('verify')
    .description('recompute the hash chain; exit code 1 if it is broken')
    .addOption(json)
    .action(async (o: { json?: boolean }) => {
      const r = await withDb((db) => verifyAuditChain(db));
      print(
        !!o.json,
        r,
        r.ok ? `OK: ${r.checked} entries, chain intact` : `BROKEN at entry ${r.firstBadSeq}: ${r.reason}`,
      );
      if (!r.ok) process.exitCode = 1;
    });
  return program;
}

/** Runs the CLI; user mistakes print a message and exit non-zero without a stack trace. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof AppError) {
      process.stderr.write(`mamori: ${err.message}\n`);
      if (err instanceof AppError && err.fields)
        for (const f of err.fields) process.stderr.write(`  ${f.path}: ${f.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mamori: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}

/**
 * `start` keeps running; every other command ends here with its exit code, even if a library
 * left a handle open or installed an exit hook.
 */
export function exitUnlessServing(): void {
  if (process.argv[2] !== 'start' || process.exitCode) process.exit(process.exitCode ?? 0);
}

if (import.meta.main) {
  await runCli(process.argv);
  exitUnlessServing();
}
