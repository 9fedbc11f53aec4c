import { type FacilityType, FacilityTypeSchema } from '@mamori/contracts';
import { Anchor, Badge, Card, Group, SimpleGrid, Skeleton, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconAlertTriangle,
  IconBell,
  IconBuildingHospital,
  IconDeviceDesktopOff,
  IconListDetails,
  IconUsers,
} from '@tabler/icons-react';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { type ComponentType, type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { agentApi, alertApi, auditApi, facilityApi, userApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useUserDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { EChart } from '../components/echart.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryError } from '../components/query-error.tsx';
import { currentLang } from '../i18n/index.ts';
import { alertTitle, SEVERITIES, SEVERITY_HEX } from '../lib/alerts.ts';
import { describeEntry } from '../lib/audit.ts';
import { formatDateTime, formatShortDay, lastJstDays } from '../lib/format.ts';

const CHART_DAYS = 14;

function StatCard({
  label,
  value,
  icon: Icon,
  to,
  testId,
  loading,
  color,
  linkLabel,
}: {
  label: string;
  value: number | undefined;
  icon: ComponentType<{ size?: number }>;
  to?: string;
  testId: string;
  loading: boolean;
  /** The icon's colour (e.g. red when something needs attention). */
  color?: string;
  linkLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Text size="sm" c="dimmed" fw={500}>
            {label}
          </Text>
          {loading ? (
            <Skeleton h={36} w={80} />
          ) : (
            <Text fz={32} fw={700} lh={1.1} data-testid={testId}>
              {value ?? '—'}
            </Text>
          )}
        </Stack>
        <ThemeIcon size={44} radius="md" variant="light" color={color}>
          <Icon size={26} />
        </ThemeIcon>
      </Group>
      {to && (
        <Anchor component={Link} to={to} size="sm" mt="sm" display="block">
          {linkLabel ?? t('dashboard.open')}
        </Anchor>
      )}
    </Card>
  );
}

function ChartCard({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="lg">
      <Title order={2} fz="h4">
        {title}
      </Title>
      {description && (
        <Text size="xs" c="dimmed" mb="sm">
          {description}
        </Text>
      )}
      {children}
    </Card>
  );
}

const barBase = {
  grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
  tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
};

/** Facilities with open critical alerts, most first (for users who see several facilities). */
function CriticalFacilitiesCard() {
  const { t } = useTranslation();
  const facilities = useFacilityDirectory();
  const critical = useQuery({
    queryKey: [...queryKeys.alerts, 'count', 'open', 'critical-list'],
    queryFn: () => alertApi.list({ open: 'true', severity: 'critical', limit: 500 }),
  });
  const perFacility = new Map<string, number>();
  for (const a of critical.data?.items ?? []) perFacility.set(a.facilityId, (perFacility.get(a.facilityId) ?? 0) + 1);
  const ranked = [...perFacility.entries()].sort((a, b) => b[1] - a[1]);
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" align="flex-start" mb={4}>
        <Title order={2} fz="h4">
          {t('dashboard.criticalFacilities')}
        </Title>
        <Anchor component={Link} to="/alerts" size="sm">
          {t('dashboard.viewAlerts')}
        </Anchor>
      </Group>
      <Text size="xs" c="dimmed" mb="sm">
        {t('dashboard.criticalFacilitiesHelp')}
      </Text>
      {critical.error && <QueryError error={critical.error} onRetry={() => void critical.refetch()} />}
      {critical.isLoading && <Skeleton h={160} />}
      {critical.data && ranked.length === 0 && (
        <Group gap="xs" py="md" data-testid="dash-critical-none">
          <ThemeIcon color="teal" variant="light" radius="xl" size="sm">
            <IconBell size={14} />
          </ThemeIcon>
          <Text size="sm" c="dimmed">
            {t('dashboard.noCriticalFacilities')}
          </Text>
        </Group>
      )}
      <Stack gap={0} data-testid="dash-critical-facilities">
        {ranked.map(([facilityId, n]) => (
          <Group
            key={facilityId}
            justify="space-between"
            wrap="nowrap"
            py={8}
            style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
            data-testid="dash-critical-facility"
          >
            <Group gap="xs" wrap="nowrap" miw={0}>
              <IconAlertTriangle size={18} color="var(--mantine-color-red-7)" style={{ flexShrink: 0 }} />
              <Anchor
                component={Link}
                to={`/alerts?facilityId=${facilityId}&severity=critical`}
                size="sm"
                fw={600}
                truncate="end"
              >
                {facilities.byId.get(facilityId)?.name ?? t('common.unknown')}
              </Anchor>
            </Group>
            <Badge color="red" variant="filled" style={{ flexShrink: 0 }}>
              {t('dashboard.criticalCount', { count: n })}
            </Badge>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** The latest open alerts of the user's facility, most recent first. */
function RecentAlertsCard() {
  const { t } = useTranslation();
  const lang = currentLang();
  const recent = useQuery({
    queryKey: [...queryKeys.alerts, 'list', 'dashboard-recent'],
    queryFn: () => alertApi.list({ open: 'true', limit: 6 }),
  });
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" align="flex-start" mb="sm">
        <Title order={2} fz="h4">
          {t('dashboard.recentAlerts')}
        </Title>
        <Anchor component={Link} to="/alerts" size="sm">
          {t('dashboard.viewAlerts')}
        </Anchor>
      </Group>
      {recent.error && <QueryError error={recent.error} onRetry={() => void recent.refetch()} />}
      {recent.isLoading && <Skeleton h={160} />}
      {recent.data && recent.data.items.length === 0 && (
        <Group gap="xs" py="md">
          <ThemeIcon color="teal" variant="light" radius="xl" size="sm">
            <IconBell size={14} />
          </ThemeIcon>
          <Text size="sm" c="dimmed">
            {t('dashboard.noOpenAlerts')}
          </Text>
        </Group>
      )}
      <Stack gap={0} data-testid="dash-recent-alerts">
        {recent.data?.items.map((a) => (
          <Group
            key={a.id}
            justify="space-between"
            wrap="nowrap"
            py={8}
            gap="sm"
            style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
            data-testid="dash-recent-alert"
          >
            <Group gap="sm" wrap="nowrap" miw={0}>
              <SeverityBadge severity={a.severity} />
              <Anchor component={Link} to={`/alerts/${a.id}`} size="sm" fw={600} truncate="end">
                {alertTitle(t, a)}
              </Anchor>
            </Group>
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(a.lastSeenAt, lang)}
            </Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** Open alerts per severity (a bar each, clickable), then critical facilities or the latest alerts. */
function AlertTiles() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const facilities = useFacilityDirectory();
  const bySeverity = useQueries({
    queries: SEVERITIES.map((severity) => ({
      queryKey: [...queryKeys.alerts, 'count', 'open', severity],
      queryFn: () => alertApi.list({ open: 'true', severity, limit: 1 }),
    })),
  });
  // One facility (facility roles): its latest open alerts instead of a per-facility ranking.
  const multiFacility = facilities.list.length > 1;
  const countKey = bySeverity.map((q) => q.data?.total ?? 0).join(',');
  const loading = bySeverity.some((q) => q.isLoading);
  const option = useMemo<EChartsCoreOption>(
    () => ({
      ...barBase,
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        triggerEvent: true,
        data: SEVERITIES.map((s) => t(`severity.${s}`)),
        axisLabel: { fontWeight: 600, cursor: 'pointer' },
      },
      series: [
        {
          type: 'bar',
          name: t('dashboard.alertCount'),
          data: countKey.split(',').map((n, i) => ({
            value: Number(n),
            itemStyle: { color: SEVERITY_HEX[SEVERITIES[i] ?? 'info'], borderRadius: [0, 4, 4, 0] },
          })),
          barMaxWidth: 22,
          label: { show: true, position: 'right' },
        },
      ],
    }),
    [t, countKey],
  );
  const openSeverity = (index: number | undefined) => {
    const severity = index === undefined ? undefined : SEVERITIES[index];
    if (severity) navigate(`/alerts?severity=${severity}`);
  };
  const labels = SEVERITIES.map((s) => t(`severity.${s}`));

  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <ChartCard title={t('dashboard.alertsBySeverity')} description={t('dashboard.alertsBySeverityHelp')}>
        {bySeverity[0]?.error && <QueryError error={bySeverity[0].error} />}
        {loading ? (
          <Skeleton h={240} />
        ) : (
          <EChart
            option={option}
            height={240}
            testId="dash-alerts-by-severity"
            onClick={(e) =>
              openSeverity(
                e.componentType === 'series'
                  ? e.dataIndex
                  : labels.indexOf(String(e.value)) >= 0
                    ? labels.indexOf(String(e.value))
                    : undefined,
              )
            }
          />
        )}
      </ChartCard>
      {facilities.isLoading ? <Skeleton h={300} /> : multiFacility ? <CriticalFacilitiesCard /> : <RecentAlertsCard />}
    </SimpleGrid>
  );
}

/** The overview: alerts and agents, counts, facilities by type, activity over two weeks and the latest actions. */
export function DashboardPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { can } = useSession();
  const canAudit = can('audit:read');
  const canUsers = can('user:read');
  const canAlerts = can('alert:read');
  const canAgents = can('agent:read');
  const types = FacilityTypeSchema.options;

  const facilityCount = useQuery({
    queryKey: [...queryKeys.facilities, 'count'],
    queryFn: () => facilityApi.list({ limit: 1 }),
  });
  const userCount = useQuery({
    queryKey: [...queryKeys.users, 'count'],
    queryFn: () => userApi.list({ limit: 1 }),
    enabled: canUsers,
  });
  const byType = useQueries({
    queries: types.map((type) => ({
      queryKey: [...queryKeys.facilities, 'count', type],
      queryFn: () => facilityApi.list({ type, limit: 1 }),
    })),
  });
  const days = useMemo(() => lastJstDays(CHART_DAYS), []);
  const perDay = useQueries({
    queries: days.map((d) => ({
      queryKey: [...queryKeys.audit, 'count', d.start.toISOString()],
      queryFn: () =>
        auditApi.list({ from: d.start.toISOString(), to: new Date(d.end.getTime() - 1).toISOString(), limit: 1 }),
      enabled: canAudit,
    })),
  });
  const openAlerts = useQuery({
    queryKey: [...queryKeys.alerts, 'count', 'open'],
    queryFn: () => alertApi.list({ open: 'true', limit: 1 }),
    enabled: canAlerts,
  });
  const agentsOffline = useQuery({
    queryKey: [...queryKeys.agents, 'count', 'offline'],
    queryFn: () => agentApi.list({ status: 'offline', limit: 1 }),
    enabled: canAgents,
  });
  const recent = useQuery({
    queryKey: [...queryKeys.audit, 'recent'],
    queryFn: () => auditApi.list({ limit: 10 }),
    enabled: canAudit,
  });
  const facilities = useFacilityDirectory();
  const users = useUserDirectory();

  const typeCounts = byType.map((q) => q.data?.total ?? 0);
  // Compared as a string so the chart option changes only when a count does.
  const typeKey = typeCounts.join(',');
  const typeLoading = byType.some((q) => q.isLoading);
  const typeOption = useMemo<EChartsCoreOption>(
    () => ({
      ...barBase,
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: FacilityTypeSchema.options.map((ty: FacilityType) => t(`facilityTypes.${ty}`)),
      },
      series: [
        {
          type: 'bar',
          name: t('dashboard.facilityCount'),
          data: typeKey.split(',').map(Number),
          itemStyle: { color: '#228be6', borderRadius: [0, 4, 4, 0] },
          barMaxWidth: 22,
          label: { show: true, position: 'right' },
        },
      ],
    }),
    [t, typeKey],
  );

  const dayKey = perDay.map((q) => q.data?.total ?? 0).join(',');
  const dayLoading = perDay.some((q) => q.isLoading);
  const dayOption = useMemo<EChartsCoreOption>(
    () => ({
      ...barBase,
      xAxis: { type: 'category', data: days.map((d) => formatShortDay(d.start, lang)), axisLabel: { interval: 1 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          name: t('dashboard.eventCount'),
          data: dayKey.split(',').map(Number),
          itemStyle: { color: '#15aabf', borderRadius: [4, 4, 0, 0] },
          barMaxWidth: 28,
        },
      ],
    }),
    [t, days, lang, dayKey],
  );
  const todayCount = perDay.at(-1)?.data?.total;
  const noFacilities = !typeLoading && typeCounts.every((n) => n === 0);
  const statCount = 1 + [canAlerts, canAgents, canUsers, canAudit].filter(Boolean).length;

  return (
    <>
      <PageHeader title={t('dashboard.title')} description={t('dashboard.description')} />
      <Stack gap="lg">
        {facilityCount.error && <QueryError error={facilityCount.error} onRetry={() => void facilityCount.refetch()} />}
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: statCount }}>
          {canAlerts && (
            <StatCard
              label={t('dashboard.openAlerts')}
              value={openAlerts.data?.total}
              icon={IconBell}
              to="/alerts"
              testId="dash-open-alerts"
              loading={openAlerts.isLoading}
              color={openAlerts.data?.total ? 'red' : 'teal'}
            />
          )}
          {canAgents && (
            <StatCard
              label={t('dashboard.agentsOffline')}
              value={agentsOffline.data?.total}
              icon={IconDeviceDesktopOff}
              to="/agents?status=offline"
              linkLabel={t('dashboard.agentsOfflineLink')}
              testId="dash-agents-offline"
              loading={agentsOffline.isLoading}
              color={agentsOffline.data?.total ? 'orange' : 'teal'}
            />
          )}
          <StatCard
            label={t('dashboard.facilities')}
            value={facilityCount.data?.total}
            icon={IconBuildingHospital}
            to="/facilities"
            testId="dash-facility-count"
            loading={facilityCount.isLoading}
          />
          {canUsers && (
            <StatCard
              label={t('dashboard.users')}
              value={userCount.data?.total}
              icon={IconUsers}
              to="/users"
              testId="dash-user-count"
              loading={userCount.isLoading}
            />
          )}
          {canAudit && (
            <StatCard
              label={t('dashboard.eventsToday')}
              value={todayCount}
              icon={IconListDetails}
              to="/audit"
              testId="dash-events-today"
              loading={dayLoading}
            />
          )}
        </SimpleGrid>

        {canAlerts && <AlertTiles />}

        <SimpleGrid cols={{ base: 1, lg: canAudit ? 2 : 1 }}>
          <ChartCard title={t('dashboard.facilitiesByType')}>
            {typeLoading ? (
              <Skeleton h={280} />
            ) : noFacilities ? (
              <Text size="sm" c="dimmed" py="xl" ta="center" data-testid="dash-chart-types-empty">
                {t('dashboard.noFacilities')}
              </Text>
            ) : (
              <EChart option={typeOption} height={280} testId="dash-chart-types" />
            )}
          </ChartCard>
          {canAudit && (
            <ChartCard title={t('dashboard.auditPerDay')} description={t('dashboard.auditPerDayHelp')}>
              {dayLoading ? <Skeleton h={280} /> : <EChart option={dayOption} height={280} testId="dash-chart-audit" />}
            </ChartCard>
          )}
        </SimpleGrid>

        {canAudit && (
          <Card withBorder radius="md" padding="lg">
            <Group justify="space-between" mb="sm">
              <Title order={2} fz="h4">
                {t('dashboard.recent')}
              </Title>
              <Anchor component={Link} to="/audit" size="sm">
                {t('dashboard.viewAll')}
              </Anchor>
            </Group>
            {recent.error && <QueryError error={recent.error} onRetry={() => void recent.refetch()} />}
            {recent.isLoading && <Skeleton h={200} />}
            {recent.data && recent.data.items.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('dashboard.recentEmpty')}
              </Text>
            )}
            <Stack gap={0} data-testid="dash-recent">
              {recent.data?.items.map((entry) => (
                <Group
                  key={entry.seq}
                  justify="space-between"
                  wrap="nowrap"
                  py={8}
                  gap="md"
                  style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
                  data-testid="dash-recent-item"
                >
                  <Group gap="sm" wrap="nowrap" miw={0}>
                    <Badge
                      size="sm"
                      variant="light"
                      color={entry.outcome === 'failure' || entry.action === 'auth.lockout' ? 'red' : 'teal'}
                      miw={52}
                    >
                      {t(`audit.outcome.${entry.outcome}`)}
                    </Badge>
                    <Text size="sm">{describeEntry(t, entry, facilities.byId, users.byId)}</Text>
                  </Group>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(entry.at, lang)}
                  </Text>
                </Group>
              ))}
            </Stack>
          </Card>
        )}
      </Stack>
    </>
  );
}
