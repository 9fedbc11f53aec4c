import type { DecoyCoverageHost } from '@mamori/contracts';
import { Badge, type BadgeProps } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { markBackgroundRefresh } from '../api/client.ts';
import { queryKeys } from '../api/queries.ts';
import { COVERAGE_COLOR, type CoverageStatus, ISOLATION_COLOR, isolationView } from '../lib/decoys.ts';

// Badges in narrow table cells keep their whole label.
const WHOLE_LABEL = { label: { overflow: 'visible' } } as const;
const AGENT_COLOR: Record<DecoyCoverageHost['agentStatus'], string> = {
  online: 'teal',
  offline: 'orange',
  revoked: 'gray',
};

/** The agent's connection ("オンライン" / "オフライン" / "停止済み"). */
export function AgentStatusBadge({ status, ...props }: { status: DecoyCoverageHost['agentStatus'] } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Badge
      color={AGENT_COLOR[status]}
      variant={status === 'online' ? 'light' : 'filled'}
      styles={WHOLE_LABEL}
      {...props}
    >
      {t(`agents.status.${status}`)}
    </Badge>
  );
}

/** How well the host is covered by decoys ("正常", "確認が古い", …). */
export function CoverageBadge({ status, ...props }: { status: CoverageStatus } & BadgeProps) {
  const { t } = useTranslation();
  return (
    <Badge color={COVERAGE_COLOR[status]} variant="light" styles={WHOLE_LABEL} data-coverage={status} {...props}>
      {t(`decoys.coverageStatus.${status}`)}
    </Badge>
  );
}

/** Whether the host is cut off the network, or asked to be (or to come back). */
export function IsolationBadge({
  host,
  ...props
}: { host: Pick<DecoyCoverageHost, 'isolated' | 'isolationDesired'> } & BadgeProps) {
  const { t } = useTranslation();
  const view = isolationView(host);
  return (
    <Badge
      color={ISOLATION_COLOR[view]}
      variant={view === 'isolated' ? 'filled' : 'light'}
      styles={WHOLE_LABEL}
      data-isolation={view}
      {...props}
    >
      {t(`decoys.isolation.${view}`)}
    </Badge>
  );
}

/**
 * Keeps the decoy screens current: whenever the live alert stream has refreshed the alerts (a decoy
 * was touched, a beacon fired, a host was isolated), the decoy queries are refreshed too.
 */
export function useDecoyLiveRefresh(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: number | undefined;
    const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated' || event.action.type !== 'success') return;
      if (event.query.queryKey[0] !== queryKeys.alerts[0]) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        markBackgroundRefresh();
        void queryClient.invalidateQueries({ queryKey: queryKeys.decoys });
      }, 300);
    });
    return () => {
      window.clearTimeout(timer);
      unsubscribe();
    };
  }, [queryClient]);
}
