import os from 'node:os';
import type { HostFacts } from '@mamori/contracts';
import { AGENT_VERSION } from './version.ts';

const MAX_UPTIME = 10 * 365 * 86_400;

/** Maps `process.platform` to the OS family the server knows. */
export function osFamily(platform: NodeJS.Platform | string): HostFacts['os'] {
  if (platform === 'linux' || platform === 'darwin') return platform;
  if (platform === 'win32') return 'windows';
  return 'other';
}

/** Non-internal IPv4 and IPv6 addresses of the host's interfaces, de-duplicated, at most 64. */
export function hostAddresses(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) if (!a.internal && a.address.length <= 45) out.add(a.address);
  }
  return [...out].slice(0, 64);
}

/** Facts about this host for enrolment and heartbeats, reported by `product`. */
export function hostFacts(product: HostFacts['product'] = 'agent'): HostFacts {
  return {
    product,
    hostname: os.hostname().trim().slice(0, 253) || 'unknown',
    os: osFamily(process.platform),
    osVersion: `${os.version()} ${os.release()}`.trim().slice(0, 200),
    ips: hostAddresses(),
    agentVersion: AGENT_VERSION,
    uptimeSeconds: Math.min(MAX_UPTIME, Math.max(0, Math.floor(os.uptime()))),
  };
}
