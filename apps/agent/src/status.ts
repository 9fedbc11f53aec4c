import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from './log.ts';
import { Outbox } from './outbox.ts';
import { loadConfig, readIfExists, statePaths } from './state.ts';

/** What `mamori-agent status` reports. */
export interface AgentStatus {
  dir: string;
  enrolled: boolean;
  serverUrl?: string;
  agentId?: string;
  facilityId?: string;
  enrolledAt?: string;
  certNotAfter?: string;
  certExpired?: boolean;
  outbox: { count: number; bytes: number };
}

/** Reads the enrolment, certificate expiry and outbox size from a state directory (changes nothing). */
export async function agentStatus(dir: string, logger: Logger): Promise<AgentStatus> {
  const config = await loadConfig(dir);
  const outboxDir = statePaths(dir).outbox;
  const outbox = existsSync(outboxDir) ? await new Outbox(outboxDir, { logger }).stats() : { count: 0, bytes: 0 };
  if (!config) return { dir, enrolled: false, outbox };
  const certPem = await readIfExists(statePaths(dir).cert);
  const notAfter = certPem ? new X509Certificate(certPem).validToDate : undefined;
  return {
    dir,
    enrolled: true,
    serverUrl: config.serverUrl,
    agentId: config.agentId,
    facilityId: config.facilityId,
    enrolledAt: config.enrolledAt,
    certNotAfter: notAfter?.toISOString(),
    certExpired: notAfter ? notAfter.getTime() < Date.now() : undefined,
    outbox,
  };
}

/** Renders a status for people. */
export function formatStatus(s: AgentStatus): string {
  const lines = [`state dir:    ${s.dir}`, `enrolled:     ${s.enrolled ? 'yes' : 'no'}`];
  if (s.enrolled) {
    lines.push(`server:       ${s.serverUrl}`, `agent id:     ${s.agentId}`, `facility id:  ${s.facilityId}`);
    lines.push(
      `certificate:  valid to ${s.certNotAfter ?? 'unknown (agent.crt missing)'}${s.certExpired ? ' (EXPIRED)' : ''}`,
    );
  }
  lines.push(`outbox:       ${s.outbox.count} event(s), ${s.outbox.bytes} bytes`);
  return lines.join('\n');
}
