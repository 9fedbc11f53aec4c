import { type FacilityType, FacilityTypeSchema } from '@mamori/contracts';
import { Anchor, Badge, Card, Group, SimpleGrid, Skeleton, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconBuildingHospital, IconListDetails, IconUsers } from '@tabler/icons-react';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { type ComponentType, type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { auditApi, facilityApi, userApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useUserDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { EChart } from '../components/echart.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryError } from '../components/query-error.tsx';
import { currentLang } from '../i18n/index.ts';
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
}: {
  label: string;
  value: number | undefined;
  icon: ComponentType<{ size?: number }>;
  to?: string;
  testId: string;
  loading: boolean;
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
        <ThemeIcon size={44} radius="md" variant="light">
          <Icon size={26} />
        </ThemeIcon>
      </Group>
      {to && (
        <Anchor component={Link} to={to} size="sm" mt="sm">
          {t('dashboard.open')}
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

/** The overview: counts, facilities by type, activity over two weeks and the latest actions. */
export function DashboardPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { can } = useSession();
  const canAudit = can('audit:read');
  const canUsers = can('user:read');
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

  return (
    <>
      <PageHeader title={t('dashboard.title')} description={t('dashboard.description')} />
      <Stack gap="lg">
        {facilityCount.error && <QueryError error={facilityCount.error} onRetry={() => void facilityCount.refetch()} />}
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
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
