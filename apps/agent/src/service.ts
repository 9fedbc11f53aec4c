import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isSea } from 'node:sea';
import { AGENT_PRODUCT, type Product } from './product.ts';

/** Exit code of `run` when the server refused the agent (revoked): the service manager must not restart it. */
export const EXIT_REVOKED = 77;
/** Exit code when the agent is not enrolled or its state is unusable. */
export const EXIT_CONFIG = 78;

/**
 * Node flags the installed agent runs with (the single executable carries them in its SEA config):
 * a small young generation and V8's lite mode (no optimising compiler, bytecode flushed when idle)
 * keep the idle agent under 80 MB with 1,000 decoys watched; its hot path is the fanotify helper,
 * not JavaScript (measured in BENCHMARKS.md).
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--lite-mode'] as const;

/** The command line that starts this very agent: the single executable, or node plus the script. */
export function agentCommand(): string[] {
  if (isSea()) return [process.execPath];
  const script = process.argv[1];
  return script ? [process.execPath, ...AGENT_NODE_FLAGS, realpathSync(script)] : [process.execPath];
}

/** Quotes one argument for a systemd `ExecStart=` line. */
function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? escaped : `"${escaped.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * A hardened systemd unit that runs the program in the foreground; the product adds how it is
 * confined (the agent as root with the system read-only, the sensor as an unprivileged user).
 */
export function systemdUnit(command: string[], dir: string, product: Product = AGENT_PRODUCT): string {
  const exec = [...command, 'run', '--dir', dir].map(systemdQuote).join(' ');
  return `[Unit]
Description=${product.title}
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=5
# 77: the server revoked this agent; 78: not enrolled. Restarting cannot help.
RestartPreventExitStatus=${EXIT_REVOKED} ${EXIT_CONFIG}
NoNewPrivileges=yes
${product.confinement(dir, systemdQuote)}
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
UMask=0077

[Install]
WantedBy=multi-user.target
`;
}

/** Quotes one argument for a Windows command line (inside `binPath=`). */
function windowsQuote(arg: string): string {
  return /\s/.test(arg) ? `\\"${arg}\\"` : arg; // Windows paths cannot contain '"'
}

/** The `sc.exe create` command that registers the program as an automatically started Windows service. */
export function windowsServiceCommand(command: string[], dir: string, product: Product = AGENT_PRODUCT): string {
  const bin = [...command, 'run', '--dir', dir].map(windowsQuote).join(' ');
  return `sc.exe create ${product.windowsService} binPath= "${bin}" start= delayed-auto DisplayName= "${product.title}"`;
}

/** Where `install-service` writes the unit by default. */
export const unitPath = (product: Product = AGENT_PRODUCT) =>
  path.join('/etc/systemd/system', `${product.unitName}.service`);
export const SYSTEMD_UNIT_PATH = unitPath();
