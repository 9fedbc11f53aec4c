import { readFile } from 'node:fs/promises';
import { SeveritySchema } from '@mamori/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { NotEnrolledError, runAgent } from './agent.ts';
import { createLogger } from './log.ts';
import { Outbox } from './outbox.ts';
import { AGENT_PRODUCT, type Product, productStateDir } from './product.ts';
import { agentCommand, EXIT_CONFIG, EXIT_REVOKED, systemdUnit, unitPath, windowsServiceCommand } from './service.ts';
import { statePaths, writeFileAtomic } from './state.ts';
import { agentStatus, formatStatus } from './status.ts';
import { AGENT_VERSION } from './version.ts';

/** An error that ends the CLI with a message (no stack) and the given exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

const dirOption = (p: Product) =>
  new Option('--dir <dir>', `state directory (env ${p.dirEnv})`).default(productStateDir(p));

function parseDetails(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Builds the `mamori-agent` (or another product's) command line; `print` receives user-facing output (stdout). */
export function buildCli(
  print: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
  product: Product = AGENT_PRODUCT,
): Command {
  const name = product.command;
  const program = new Command(name)
    .description(`${product.title}: enrols with the platform, heartbeats, and delivers events over mutual TLS.`)
    .version(AGENT_VERSION)
    .showHelpAfterError('(add --help for usage)');

  program
    .command('enroll')
    .description('enrol this host with a one-time token from the Mamori console')
    .requiredOption('--server <url>', 'Mamori server URL, e.g. https://mamori.example.jp')
    .requiredOption('--token <token>', 'one-time enrolment token')
    .option('--ca <file>', 'platform CA certificate (PEM) to verify the server with')
    .option('--fingerprint <sha256>', "expected SHA-256 fingerprint of the server's certificate (hex)")
    .option('--insecure-first-contact', 'trust the server certificate seen now without checking it')
    .option('--force', 'replace an existing enrolment')
    .addOption(dirOption(product))
    .action(async (o) => {
      const caPem = o.ca ? await readFile(o.ca, 'utf8').catch(() => undefined) : undefined;
      if (o.ca && !caPem?.includes('BEGIN CERTIFICATE'))
        throw new CliError(`--ca ${o.ca}: not a readable PEM certificate`);
      // Loaded on demand: the X.509 library is only needed here, and the other commands start faster without it.
      const { EnrolError, enrol } = await import('./enroll.ts');
      const config = await enrol({
        server: o.server,
        token: o.token,
        dir: o.dir,
        caPem,
        fingerprint: o.fingerprint,
        insecureFirstContact: o.insecureFirstContact,
        force: o.force,
        say: print,
        product: product.id,
      }).catch((err: unknown) => {
        throw err instanceof EnrolError ? new CliError(err.message) : err;
      });
      print(`enrolled as agent ${config.agentId} (facility ${config.facilityId}); state in ${o.dir}`);
      print(`start it with \`${name} run\`, or as a service: \`${name} install-service\``);
    });

  program
    .command('run')
    .description('run the agent in the foreground (JSON log lines on stdout) until SIGINT/SIGTERM')
    .addOption(dirOption(product))
    .action(async (o) => {
      const logger = createLogger();
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (stop.signal.aborted) process.exit(130); // second signal: leave now
        logger.info({ signal: sig }, 'stopping');
        stop.abort();
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const result = await runAgent({
          dir: o.dir,
          logger,
          signal: stop.signal,
          product: product.id,
          decoys: product.decoys ? undefined : false,
          modules: product.modules(),
        });
        if (result === 'revoked') throw new CliError('stopped: the server refused this agent', EXIT_REVOKED);
      } catch (err) {
        if (err instanceof NotEnrolledError) {
          logger.error(err.message);
          throw new CliError(err.message, EXIT_CONFIG);
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });

  program
    .command('emit')
    .description('queue an event in the outbox (the running agent sends it)')
    .requiredOption('--kind <kind>', 'event kind, e.g. test')
    .requiredOption('--title <title>', 'one-line title')
    .addOption(new Option('--severity <severity>', 'severity').choices(SeveritySchema.options).default('info'))
    .option('--details <json>', 'details as a JSON object', parseDetails)
    .option('--dedup-key <key>', 'events with the same key fold into one alert')
    .addOption(dirOption(product))
    .action(async (o) => {
      const outbox = new Outbox(statePaths(o.dir).outbox, { logger: createLogger({ level: 'warn', destination: 2 }) });
      try {
        const event = await outbox.enqueue({
          source: 'agent',
          kind: o.kind,
          severity: o.severity,
          title: o.title,
          details: o.details,
          dedupKey: o.dedupKey,
        });
        print(event.id);
      } catch (err) {
        if (err instanceof z.ZodError) throw new CliError(`invalid event: ${z.prettifyError(err)}`);
        throw err;
      }
    });

  program
    .command('status')
    .description('show enrolment, certificate expiry and outbox size (exit 1 when not enrolled)')
    .option('--json', 'print JSON')
    .addOption(dirOption(product))
    .action(async (o) => {
      const s = await agentStatus(o.dir, createLogger({ level: 'warn', destination: 2 }));
      print(o.json ? JSON.stringify(s, null, 2) : formatStatus(s));
      if (!s.enrolled) process.exitCode = 1;
    });

  program
    .command('install-service')
    .description('install a systemd unit (Linux) or print the sc.exe command (Windows)')
    .option('--unit-file <path>', 'where to write the systemd unit', unitPath(product))
    .addOption(dirOption(product))
    .action(async (o) => {
      const command = agentCommand();
      if (process.platform === 'win32') {
        print('Run in an elevated prompt:');
        print(windowsServiceCommand(command, o.dir, product));
        print(`sc.exe start ${product.windowsService}`);
        return;
      }
      if (process.platform !== 'linux')
        throw new CliError(`install-service supports Linux and Windows, not ${process.platform}`);
      await writeFileAtomic(o.unitFile, systemdUnit(command, o.dir, product), 0o644);
      print(`wrote ${o.unitFile}`);
      print('enable and start it with:');
      print(`  systemctl daemon-reload && systemctl enable --now ${product.unitName}`);
    });

  return program;
}

/** Runs the CLI with `argv` and returns the exit code; user errors print one line to stderr. */
export async function runCli(argv: string[], product: Product = AGENT_PRODUCT): Promise<number> {
  try {
    await buildCli(undefined, product).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`${product.command}: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM') {
      process.stderr.write(`${product.command}: ${e.message} (run as root / Administrator, or choose --dir)\n`);
      return 1;
    }
    throw err;
  }
}
