import path from 'node:path';
import type { HostFacts } from '@mamori/contracts';
import type { AgentModule } from './agent.ts';

/**
 * A program built on the agent runtime: the facility agent itself, or the decoy-server sensor.
 * Both enrol, heartbeat and deliver events the same way; they differ in name, where they keep
 * state, how their service is hardened and which modules run.
 */
export interface Product {
  id: HostFacts['product'];
  /** Command name, e.g. `mamori-agent`. */
  command: string;
  /** One line for `--help` and the service description. */
  title: string;
  /** Environment variable that overrides the state directory. */
  dirEnv: string;
  /** Default state directory on Linux, and its folder under %ProgramData%\Mamori on Windows. */
  linuxDir: string;
  windowsDir: string;
  /** systemd unit name (without .service) and Windows service name. */
  unitName: string;
  windowsService: string;
  /** Extra [Service] lines of the systemd unit: how the program is confined. */
  confinement: (dir: string, quote: (s: string) => string) => string;
  /** Whether the decoy runtime runs (the facility agent only). */
  decoys: boolean;
  /** Modules this product runs besides the decoys, created per run. */
  modules: () => AgentModule[];
}

/** The facility agent: root (fanotify, killing a process and network isolation need it), system directories read-only. */
export const AGENT_PRODUCT: Product = {
  id: 'agent',
  command: 'mamori-agent',
  title: 'Mamori facility agent',
  dirEnv: 'MAMORI_AGENT_DIR',
  linuxDir: '/var/lib/mamori-agent',
  windowsDir: 'agent',
  unitName: 'mamori-agent',
  windowsService: 'MamoriAgent',
  confinement: (
    dir,
    quote,
  ) => `# /usr, /boot and /etc stay read-only; the agent must write decoys into the facility's shares
# (policy directories, checked against allowed roots) besides its own state directory.
ProtectSystem=full
ReadWritePaths=${quote(dir)}`,
  decoys: true,
  modules: () => [],
};

/** The state directory of a product: the env override, else the platform default. */
export function productStateDir(p: Product, platform: NodeJS.Platform = process.platform, env = process.env): string {
  const override = env[p.dirEnv];
  if (override) return override;
  if (platform === 'win32') return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'Mamori', p.windowsDir);
  return p.linuxDir;
}
