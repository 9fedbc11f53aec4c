import { PERSONA_KINDS, type Sensor, type SensorSession } from '@mamori/contracts';
import {
  Anchor,
  Button,
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import {
  IconAdjustments,
  IconEye,
  IconPlugConnected,
  IconServerBolt,
  IconUsersGroup,
  IconWorldBolt,
} from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { type ComponentType, type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFacilityDirectory } from '../api/queries.ts';
import { sensorApi, sensorKeys } from '../api/sensors.ts';
import { useSession } from '../api/session.tsx';
import { FacilityFilter, FilterBar } from '../components/list-filters.tsx';
import { ListPagination } from '../components/list-pagination.tsx';
import { QueryError } from '../components/query-error.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { AgentStatusBadge } from './decoys-shared.tsx';
import { SensorChart } from './sensors-chart.tsx';
import { SensorConfigDrawer } from './sensors-config-drawer.tsx';
import { countByPersona, hourlyBuckets, isRegional, PERSONA_HEX } from './sensors-model.ts';
import { SessionsTable } from './sensors-sessions.tsx';
import { NoSensors, PersonaBadge, personaLabel, SensorProblems } from './sensors-shared.tsx';

const SENSOR_PAGE = 20;
const LIVE_LIMIT = 20;
// The live list is also polled: a session that ends raises no alert, so the stream alone would miss it.
const LIVE_POLL_MS = 15_000;
const DAY_MS = 86_400_000;
// The hourly chart reads at most this many of the latest sessions (it says so when there were more).
const CHART_MAX_SESSIONS = 2000;
const PAGE = 500;
const CHART_REFRESH_MS = 60_000;

/** The sessions of the last 24 hours (newest first), up to CHART_MAX_SESSIONS. */
async function recentSessions(facilityId: string | null): Promise<{ items: SensorSession[]; truncated: boolean }> {
  const since = Date.now() - DAY_MS;
  const items: SensorSession[] = [];
  for (;;) {
    const page = await sensorApi.sessions(
      { facilityId: facilityId ?? undefined, limit: PAGE, offset: items.length },
      { background: true },
    );
    items.push(...page.items);
    const last = page.items.at(-1);
    const more = page.items.length === PAGE && items.length < page.total;
    if (!more || !last || Date.parse(last.lastAt) < since) return { items, truncated: false };
    if (items.length >= CHART_MAX_SESSIONS) return { items, truncated: true };
  }
}

function Stat({
  icon: Icon,
  color,
  label,
  value,
  sub,
  testId,
}: {
  icon: ComponentType<{ size?: number }>;
  color: string;
  label: string;
  value: ReactNode;
  sub?: ReactNode;
  testId: string;
}) {
  return (
    <Card withBorder radius="md" padding="md" data-testid={testId}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon size={38} radius="md" variant="light" color={color}>
          <Icon size={22} />
        </ThemeIcon>
        <Stack gap={0} miw={0}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text fw={700} fz={24} lh={1.2} data-testid={`${testId}-value`}>
            {value}
          </Text>
          {sub && (
            <Text size="xs" c="dimmed">
              {sub}
            </Text>
          )}
        </Stack>
      </Group>
    </Card>
  );
}

/** Sessions per hour (stacked by persona) or per persona, over the last 24 hours. */
function ActivityChart({ facilityId }: { facilityId: string | null }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'hour' | 'persona'>('hour');
  const now = useNow();
  const recent = useQuery({
    queryKey: [...sensorKeys.all, 'recent', facilityId],
    queryFn: () => recentSessions(facilityId),
    // Up to four large pages: refreshed once a minute, not on every alert (see useSensorLiveRefresh).
    refetchInterval: CHART_REFRESH_MS,
  });
  const sessions = recent.data?.items ?? [];
  const chart = useMemo(() => {
    const since = now.getTime() - DAY_MS;
    const inDay = sessions.filter((s) => Date.parse(s.startedAt) >= since);
    if (mode === 'hour') {
      const { starts, series } = hourlyBuckets(inDay, now);
      const option: EChartsCoreOption = {
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0, type: 'scroll' },
        xAxis: {
          type: 'category',
          data: starts.map((d) => t('sensors.chart.hour', { hour: (d.getUTCHours() + 9) % 24 })),
          axisLabel: { interval: 2 },
        },
        yAxis: { type: 'value', minInterval: 1 },
        series: PERSONA_KINDS.filter((k) => series.has(k)).map((k) => ({
          name: personaLabel(t, k),
          type: 'bar',
          stack: 'sessions',
          barMaxWidth: 22,
          itemStyle: { color: PERSONA_HEX[k] },
          data: series.get(k),
        })),
      };
      return { option, height: 280, count: inDay.length };
    }
    const rows = countByPersona(inDay).reverse();
    const option: EChartsCoreOption = {
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map(([k]) => personaLabel(t, k)) },
      series: [
        {
          name: t('sensors.chart.sessions'),
          type: 'bar',
          barMaxWidth: 24,
          label: { show: true, position: 'right' },
          data: rows.map(([k, n]) => ({ value: n, itemStyle: { color: PERSONA_HEX[k] } })),
        },
      ],
    };
    return { option, height: Math.max(160, rows.length * 34 + 30), count: inDay.length };
  }, [sessions, mode, now, t]);

  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" align="flex-start" mb="xs">
        <Stack gap={0}>
          <Title order={2} fz="h4">
            {t('sensors.chart.title')}
          </Title>
          <Text size="xs" c="dimmed">
            {t(mode === 'hour' ? 'sensors.chart.byHourHelp' : 'sensors.chart.byPersonaHelp')}
          </Text>
        </Stack>
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(v) => setMode(v === 'persona' ? 'persona' : 'hour')}
          data={[
            { value: 'hour', label: t('sensors.chart.byHour') },
            { value: 'persona', label: t('sensors.chart.byPersona') },
          ]}
          data-testid="sensors-chart-mode"
        />
      </Group>
      {recent.error && <QueryError error={recent.error} onRetry={() => void recent.refetch()} />}
      {recent.data && chart.count === 0 ? (
        <Text size="sm" c="dimmed" py="xl" ta="center" data-testid="sensors-chart-empty">
          {t('sensors.chart.empty')}
        </Text>
      ) : (
        <SensorChart option={chart.option} height={chart.height} testId="sensors-activity-chart" />
      )}
      {recent.data?.truncated && (
        <Text size="xs" c="dimmed" mt="xs">
          {t('sensors.chart.truncated', { count: CHART_MAX_SESSIONS })}
        </Text>
      )}
    </Card>
  );
}

/** The sensors with their personas, problems and last 24 hours; the configuration opens in a drawer. */
function SensorsCard({
  sensors,
  query,
  showFacility,
}: {
  sensors: Sensor[];
  query: { error: unknown; isLoading: boolean; refetch: () => unknown; data?: object };
  showFacility: boolean;
}) {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const { can } = useSession();
  const facilities = useFacilityDirectory();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<string | null>(null);
  const shown = sensors.slice((page - 1) * SENSOR_PAGE, page * SENSOR_PAGE);
  const canManage = can('decoy:manage');

  return (
    <Card withBorder radius="md" padding="md">
      <Title order={2} fz="h4" mb={4}>
        {t('sensors.list.title')}
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        {t('sensors.list.help')}
      </Text>
      <QueryTable
        query={query}
        showError={false}
        empty={!!query.data && sensors.length === 0}
        emptyText={t('sensors.list.emptyFiltered')}
        minWidth={940}
        testId="sensors-table"
        striped
        headStyle={{ whiteSpace: 'nowrap' }}
        head={
          <>
            <Table.Th>{t('sensors.list.columns.sensor')}</Table.Th>
            <Table.Th>{t('sensors.list.columns.status')}</Table.Th>
            <Table.Th>{t('sensors.list.columns.personas')}</Table.Th>
            <Table.Th>{t('sensors.list.columns.problems')}</Table.Th>
            <Table.Th ta="right">{t('sensors.list.columns.activity')}</Table.Th>
            <Table.Th />
          </>
        }
      >
        {shown.map((s) => {
          const failed = new Set(s.problems.map((p) => p.port));
          const on = s.config.personas.filter((p) => p.enabled);
          return (
            <Table.Tr key={s.agentId} data-testid="sensor-row" data-host={s.hostname} data-status={s.status}>
              <Table.Td>
                <Anchor
                  component={Link}
                  to={`/sensors?tab=sessions&agentId=${s.agentId}`}
                  size="sm"
                  fw={600}
                  ff="monospace"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  {s.hostname}
                </Anchor>
                {showFacility && (
                  <Text size="sm">{facilities.byId.get(s.facilityId)?.name ?? t('common.unknown')}</Text>
                )}
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {s.lastSeenAt
                    ? t('sensors.list.lastSeen', { when: formatRelative(s.lastSeenAt, lang, now) })
                    : t('agents.never')}
                </Text>
              </Table.Td>
              <Table.Td>
                <AgentStatusBadge status={s.status} />
              </Table.Td>
              <Table.Td maw={360}>
                {on.length ? (
                  <Group gap={4} data-testid="sensor-personas">
                    {on.map((p) => (
                      <PersonaBadge key={p.kind} kind={p.kind} port={p.port} failed={failed.has(p.port)} size="sm" />
                    ))}
                  </Group>
                ) : (
                  <Text size="sm" c="orange.8">
                    {t('sensors.list.noPersonas')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td maw={300}>
                <SensorProblems problems={s.problems} />
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" fw={s.sessions24h ? 700 : undefined} data-testid="sensor-sessions24h">
                  {t('sensors.list.sessions', { count: s.sessions24h })}
                </Text>
                <Text size="xs" c="dimmed">
                  {t('sensors.list.sources', { count: s.sources24h })}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Button
                  size="compact-sm"
                  variant={canManage ? 'light' : 'default'}
                  leftSection={canManage ? <IconAdjustments size={14} /> : <IconEye size={14} />}
                  onClick={() => setEditing(s.agentId)}
                  data-testid="sensor-configure"
                >
                  {t(canManage && s.status !== 'revoked' ? 'sensors.list.configure' : 'sensors.list.viewConfig')}
                </Button>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </QueryTable>
      <ListPagination
        total={sensors.length}
        pageSize={SENSOR_PAGE}
        page={page}
        onChange={setPage}
        testId="sensors-pagination"
      />
      <SensorConfigDrawer
        sensor={sensors.find((s) => s.agentId === editing) ?? null}
        opened={!!editing}
        onClose={() => setEditing(null)}
      />
    </Card>
  );
}

/** The attackers connected right now (sessions not yet closed), refreshed by the stream and a short poll. */
function LiveSessions({ facilityId, showFacility }: { facilityId: string | null; showFacility: boolean }) {
  const { t } = useTranslation();
  const live = useQuery({
    queryKey: [...sensorKeys.all, 'sessions', 'live', facilityId],
    queryFn: () =>
      sensorApi.sessions(
        { facilityId: facilityId ?? undefined, live: 'true', limit: LIVE_LIMIT, offset: 0 },
        {
          background: true,
        },
      ),
    refetchInterval: LIVE_POLL_MS,
  });
  const total = live.data?.total ?? 0;
  return (
    <Card withBorder radius="md" padding="md" data-testid="sensors-live">
      <Group justify="space-between" align="flex-start" mb="sm">
        <Stack gap={0}>
          <Group gap="xs">
            <Title order={2} fz="h4">
              {t('sensors.live.title')}
            </Title>
            {total > 0 && (
              <Text size="sm" fw={700} c="red.8" data-testid="sensors-live-count">
                {t('sensors.live.count', { count: total })}
              </Text>
            )}
          </Group>
          <Text size="xs" c="dimmed">
            {t('sensors.live.help')}
          </Text>
        </Stack>
        <Anchor component={Link} to="/sensors?tab=sessions" size="sm">
          {t('sensors.live.all')}
        </Anchor>
      </Group>
      <SessionsTable
        query={live}
        sessions={live.data?.items ?? []}
        emptyText={t('sensors.live.empty')}
        testId="sensors-live-table"
        showFacility={showFacility}
      />
      {total > LIVE_LIMIT && (
        <Anchor component={Link} to="/sensors?tab=sessions&live=true" size="sm" mt="sm" display="inline-block">
          {t('sensors.live.more', { count: total - LIVE_LIMIT })}
        </Anchor>
      )}
    </Card>
  );
}

/** The overview: the sensors, their last 24 hours in numbers and a chart, and who is connected now. */
export function OverviewTab() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const facilities = useFacilityDirectory();
  const facilityId = filters.get('facilityId');
  const list = useQuery({
    queryKey: [...sensorKeys.all, 'list', facilityId],
    queryFn: () => sensorApi.list({ facilityId: facilityId ?? undefined, limit: PAGE, offset: 0 }),
  });
  const sources = useQuery({
    queryKey: [...sensorKeys.all, 'sources', { facilityId, hours: 24, limit: 200 }],
    queryFn: () => sensorApi.sources({ facilityId: facilityId ?? undefined, hours: 24, limit: 200 }),
  });
  const live = useQuery({
    queryKey: [...sensorKeys.all, 'sessions', 'live', facilityId],
    queryFn: () =>
      sensorApi.sessions(
        { facilityId: facilityId ?? undefined, live: 'true', limit: LIVE_LIMIT, offset: 0 },
        {
          background: true,
        },
      ),
    refetchInterval: LIVE_POLL_MS,
  });
  const sensors = list.data?.items ?? [];
  const showFacility = facilities.list.length > 1 && !facilityId;

  if (list.data && list.data.total === 0 && !facilityId) return <NoSensors />;

  const online = sensors.filter((s) => s.status === 'online').length;
  const withProblems = sensors.filter((s) => s.problems.length > 0).length;
  const sessions24h = sensors.reduce((n, s) => n + s.sessions24h, 0);
  const sourceItems = sources.data?.items ?? [];
  const regional = sourceItems.filter(isRegional).length;
  const liveTotal = live.data?.total ?? 0;
  const dash = '—';

  return (
    <Stack gap="lg">
      <FilterBar total={t('sensors.list.total', { count: list.data?.total ?? 0 })} mb={0}>
        <FacilityFilter
          label={t('sensors.filter.facility')}
          value={facilityId}
          onChange={(v) => filters.set({ facilityId: v })}
          testId="sensors-filter-facility"
        />
      </FilterBar>
      {list.error && <QueryError error={list.error} onRetry={() => void list.refetch()} />}

      <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }} spacing="md">
        <Stat
          icon={IconServerBolt}
          color={online < sensors.filter((s) => s.status !== 'revoked').length ? 'orange' : 'teal'}
          label={t('sensors.stats.sensors')}
          value={list.data ? t('sensors.stats.sensorsValue', { online, total: sensors.length }) : dash}
          sub={withProblems ? t('sensors.stats.withProblems', { count: withProblems }) : t('sensors.stats.sensorsSub')}
          testId="sensors-stat-sensors"
        />
        <Stat
          icon={IconPlugConnected}
          color="blue"
          label={t('sensors.stats.sessions')}
          value={list.data ? sessions24h.toLocaleString() : dash}
          sub={t('sensors.stats.sessionsSub')}
          testId="sensors-stat-sessions"
        />
        <Stat
          icon={IconUsersGroup}
          color={regional ? 'red' : 'grape'}
          label={t('sensors.stats.sources')}
          value={sources.data ? `${sourceItems.length}${sourceItems.length >= 200 ? '+' : ''}` : dash}
          sub={regional ? t('sensors.stats.regional', { count: regional }) : t('sensors.stats.noRegional')}
          testId="sensors-stat-sources"
        />
        <Stat
          icon={IconWorldBolt}
          color={liveTotal ? 'red' : 'gray'}
          label={t('sensors.stats.live')}
          value={live.data ? liveTotal.toLocaleString() : dash}
          sub={t(liveTotal ? 'sensors.stats.liveSub' : 'sensors.stats.liveNone')}
          testId="sensors-stat-live"
        />
      </SimpleGrid>

      <SensorsCard sensors={sensors} query={list} showFacility={showFacility} />
      <ActivityChart facilityId={facilityId} />
      <LiveSessions facilityId={facilityId} showFacility={showFacility} />
    </Stack>
  );
}

/** The personas' one-line explanations, for the intro (what each decoy pretends to be). */
export function PersonaGuide() {
  const { t } = useTranslation();
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={6} verticalSpacing={6}>
      {PERSONA_KINDS.map((k) => (
        <Group key={k} gap={6} wrap="nowrap" align="flex-start">
          <PersonaBadge kind={k} size="sm" style={{ flexShrink: 0 }} />
          <Text size="xs">{t(`sensors.persona.${k}.help`)}</Text>
        </Group>
      ))}
    </SimpleGrid>
  );
}
