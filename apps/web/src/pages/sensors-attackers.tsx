import type { SensorSource } from '@mamori/contracts';
import { Anchor, Badge, Card, Group, SegmentedControl, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { sensorApi, sensorKeys } from '../api/sensors.ts';
import type { ChartClick } from '../components/echart.tsx';
import { FacilityFilter, FilterBar } from '../components/list-filters.tsx';
import { ListPagination } from '../components/list-pagination.tsx';
import { QueryError } from '../components/query-error.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { SensorChart } from './sensors-chart.tsx';
import { isRegional, STAGE_HEX, sourceMatrix } from './sensors-model.ts';
import { PersonaBadge, StageBadge } from './sensors-shared.tsx';

const SPANS = ['24', '168', '720'] as const;
type Span = (typeof SPANS)[number];
const SOURCE_LIMIT = 100;
const CREDENTIAL_LIMIT = 200;
const TABLE_PAGE = 20;
// The heatmap shows the top sources; the table below lists them all.
const MAP_ROWS = 30;
const MAX_PERSONA_BADGES = 4;
const REGIONAL_HEX = '#c92a2a';

const sessionsLink = (srcIp: string, facilityId?: string) =>
  `/sensors?tab=sessions&srcIp=${encodeURIComponent(srcIp)}${facilityId ? `&facilityId=${facilityId}` : ''}`;

/** Which facilities each source touched: a heatmap (sources × facilities), or bars when one facility is visible. */
function SourceMap({ sources }: { sources: SensorSource[] }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const top = useMemo(() => sources.slice(0, MAP_ROWS), [sources]);
  const matrix = useMemo(() => sourceMatrix(top), [top]);
  const regional = useMemo(() => new Set(top.filter(isRegional).map((s) => s.srcIp)), [top]);
  const heatmap = matrix.facilities.length >= 2;

  const option = useMemo<EChartsCoreOption>(() => {
    const ipLabel = {
      fontFamily: 'monospace',
      formatter: (ip: string) => (regional.has(ip) ? `{r|▲ ${ip}}` : ip),
      rich: { r: { color: REGIONAL_HEX, fontWeight: 'bold', fontFamily: 'monospace' } },
    };
    if (heatmap) {
      return {
        grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
        tooltip: {
          position: 'top',
          formatter: (p: { data: [number, number, number] }) => {
            const [x, y, n] = p.data;
            return `${matrix.ips[y] ?? ''}<br/>${matrix.facilities[x]?.name ?? ''}: ${t('sensors.attackers.cellSessions', { count: n })}`;
          },
        },
        xAxis: {
          type: 'category',
          position: 'top',
          data: matrix.facilities.map((f) => f.name),
          splitArea: { show: true },
          axisLine: { show: false },
          axisTick: { show: false },
          axisLabel: { interval: 0, width: 110, overflow: 'truncate', rotate: matrix.facilities.length > 5 ? 30 : 0 },
        },
        yAxis: {
          type: 'category',
          data: matrix.ips,
          inverse: true,
          splitArea: { show: true },
          axisLine: { show: false },
          axisTick: { show: false },
          axisLabel: ipLabel,
        },
        visualMap: {
          min: 1,
          max: Math.max(1, matrix.max),
          calculable: false,
          orient: 'horizontal',
          left: 'center',
          bottom: 4,
          itemHeight: 160,
          text: [t('sensors.attackers.more'), t('sensors.attackers.fewer')],
          inRange: { color: ['#ffe8cc', '#ff922b', '#e03131'] },
        },
        series: [
          {
            type: 'heatmap',
            name: t('sensors.attackers.sessions'),
            data: matrix.cells,
            label: { show: true, fontSize: 11 },
            itemStyle: { borderColor: '#fff', borderWidth: 2 },
            emphasis: { itemStyle: { shadowBlur: 6, shadowColor: 'rgba(0,0,0,0.3)' } },
          },
        ],
      };
    }
    return {
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: matrix.ips, inverse: true, axisLabel: ipLabel },
      series: [
        {
          type: 'bar',
          name: t('sensors.attackers.sessions'),
          barMaxWidth: 20,
          label: { show: true, position: 'right' },
          data: top.map((s) => ({ value: s.sessions, itemStyle: { color: STAGE_HEX[s.worstStage] } })),
        },
      ],
    };
  }, [matrix, heatmap, regional, top, t]);

  const onClick = (e: ChartClick) => {
    if (e.dataIndex === undefined) return;
    if (heatmap) {
      const cell = matrix.cells[e.dataIndex];
      const ip = cell ? matrix.ips[cell[1]] : undefined;
      if (cell && ip) navigate(sessionsLink(ip, matrix.facilities[cell[0]]?.id));
    } else {
      const ip = matrix.ips[e.dataIndex];
      if (ip) navigate(sessionsLink(ip));
    }
  };

  return (
    <Card withBorder radius="md" padding="lg">
      <Title order={2} fz="h4">
        {t(heatmap ? 'sensors.attackers.mapTitle' : 'sensors.attackers.barTitle')}
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        {t(heatmap ? 'sensors.attackers.mapHelp' : 'sensors.attackers.barHelp')}
      </Text>
      {regional.size > 0 && (
        <Group gap={6} mb="sm" data-testid="sensors-regional-note">
          <IconAlertTriangle size={16} color={REGIONAL_HEX} />
          <Text size="sm" c="red.9" fw={600}>
            {t('sensors.attackers.regionalNote', { count: regional.size })}
          </Text>
        </Group>
      )}
      <SensorChart
        option={option}
        height={Math.max(160, top.length * (heatmap ? 30 : 28) + (heatmap ? 110 : 30))}
        testId={heatmap ? 'sensors-source-heatmap' : 'sensors-source-bars'}
        onClick={onClick}
      />
      {sources.length > MAP_ROWS && (
        <Text size="xs" c="dimmed" mt="xs">
          {t('sensors.attackers.mapTop', { count: MAP_ROWS })}
        </Text>
      )}
    </Card>
  );
}

/** The sources, regional ones first, with how far each got and what they touched. */
function SourcesTable({
  query,
  sources,
}: {
  query: Parameters<typeof QueryTable>[0]['query'];
  sources: SensorSource[];
}) {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const shown = sources.slice((page - 1) * TABLE_PAGE, page * TABLE_PAGE);
  return (
    <Card withBorder radius="md" padding="md">
      <Title order={2} fz="h4">
        {t('sensors.attackers.sourcesTitle')}
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        {t('sensors.attackers.sourcesHelp')}
      </Text>
      <QueryTable
        query={query}
        showError={false}
        emptyText={t('sensors.attackers.sourcesEmpty')}
        minWidth={940}
        testId="sensors-sources-table"
        striped
        highlightOnHover
        headStyle={{ whiteSpace: 'nowrap' }}
        head={
          <>
            <Table.Th>{t('sensors.attackers.columns.source')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.stage')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.facilities')}</Table.Th>
            <Table.Th ta="right">{t('sensors.attackers.columns.sessions')}</Table.Th>
            <Table.Th ta="right">{t('sensors.sessions.columns.loginsCommands')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.personas')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.seen')}</Table.Th>
          </>
        }
      >
        {shown.map((s) => {
          const regional = isRegional(s);
          return (
            <Table.Tr
              key={s.srcIp}
              onClick={() => navigate(sessionsLink(s.srcIp))}
              style={{ cursor: 'pointer' }}
              bg={regional ? 'var(--mantine-color-red-0)' : undefined}
              data-testid="sensor-source-row"
              data-regional={regional ? 'true' : 'false'}
            >
              <Table.Td>
                <Anchor
                  component={Link}
                  to={sessionsLink(s.srcIp)}
                  size="sm"
                  ff="monospace"
                  fw={600}
                  onClick={(e) => e.stopPropagation()}
                >
                  {s.srcIp}
                </Anchor>
                {regional && (
                  <Badge
                    color="red"
                    variant="filled"
                    size="sm"
                    display="block"
                    mt={4}
                    styles={{ label: { overflow: 'visible' } }}
                    data-testid="sensor-source-regional"
                  >
                    {t('sensors.attackers.regional')}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <StageBadge stage={s.worstStage} />
              </Table.Td>
              <Table.Td maw={260}>
                {s.facilities.map((f) => (
                  <Text key={f.id} size="sm">
                    {f.name}{' '}
                    <Text span size="xs" c="dimmed">
                      {t('sensors.attackers.cellSessions', { count: f.sessions })}
                    </Text>
                  </Text>
                ))}
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" fw={600}>
                  {s.sessions}
                </Text>
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" span>
                  {s.logins}
                </Text>
                <Text size="sm" span c="dimmed">
                  {' / '}
                </Text>
                <Text size="sm" span fw={s.commands ? 700 : undefined} c={s.commands ? 'red.8' : undefined}>
                  {s.commands}
                </Text>
              </Table.Td>
              <Table.Td maw={220}>
                <Group gap={4}>
                  {s.personas.slice(0, MAX_PERSONA_BADGES).map((k) => (
                    <PersonaBadge key={k} kind={k} size="sm" />
                  ))}
                  {s.personas.length > MAX_PERSONA_BADGES && (
                    <Badge size="sm" variant="default">
                      +{s.personas.length - MAX_PERSONA_BADGES}
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Tooltip label={`${formatDateTime(s.firstAt, lang)} – ${formatDateTime(s.lastAt, lang)}`} withArrow>
                  <Text size="sm">{formatRelative(s.lastAt, lang, now)}</Text>
                </Tooltip>
                <Text size="xs" c="dimmed">
                  {t('sensors.attackers.firstSeen', { when: formatRelative(s.firstAt, lang, now) })}
                </Text>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </QueryTable>
      <ListPagination
        total={sources.length}
        pageSize={TABLE_PAGE}
        page={page}
        onChange={setPage}
        testId="sensors-sources-pagination"
      />
    </Card>
  );
}

/** Usernames and passwords tried against the fake services, most tried first. */
function CredentialsTable({ facilityId, hours }: { facilityId: string | null; hours: number }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const creds = useQuery({
    queryKey: [...sensorKeys.all, 'credentials', { facilityId, hours }],
    queryFn: () => sensorApi.credentials({ facilityId: facilityId ?? undefined, hours, limit: CREDENTIAL_LIMIT }),
  });
  const items = creds.data?.items ?? [];
  const shown = items.slice((page - 1) * TABLE_PAGE, page * TABLE_PAGE);
  return (
    <Card withBorder radius="md" padding="md">
      <Title order={2} fz="h4">
        {t('sensors.attackers.credentialsTitle')}
      </Title>
      <Text size="xs" c="dimmed" mb={4}>
        {t('sensors.attackers.credentialsHelp')}
      </Text>
      <Text size="sm" fw={600} c="orange.9" mb="sm">
        {t('sensors.attackers.credentialsTodo')}
      </Text>
      <QueryTable
        query={creds}
        emptyText={t('sensors.attackers.credentialsEmpty')}
        minWidth={820}
        testId="sensors-credentials-table"
        striped
        verticalSpacing="xs"
        headStyle={{ whiteSpace: 'nowrap' }}
        head={
          <>
            <Table.Th>{t('sensors.attackers.columns.username')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.password')}</Table.Th>
            <Table.Th ta="right">{t('sensors.attackers.columns.attempts')}</Table.Th>
            <Table.Th ta="right">{t('sensors.attackers.columns.sources')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.personas')}</Table.Th>
            <Table.Th>{t('sensors.attackers.columns.accepted')}</Table.Th>
          </>
        }
      >
        {shown.map((c) => (
          <Table.Tr
            key={`${c.username}\u0000${c.password}`}
            data-testid="sensor-credential-row"
            data-accepted={c.accepted ? 'true' : 'false'}
          >
            <Table.Td>
              <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                {c.username}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                {c.password || t('sensors.attackers.emptyPassword')}
              </Text>
            </Table.Td>
            <Table.Td ta="right">
              <Text size="sm" fw={600}>
                {c.attempts}
              </Text>
            </Table.Td>
            <Table.Td ta="right">
              <Text size="sm">{c.sources}</Text>
            </Table.Td>
            <Table.Td>
              <Group gap={4}>
                {c.personas.map((k) => (
                  <PersonaBadge key={k} kind={k} size="sm" />
                ))}
              </Group>
            </Table.Td>
            <Table.Td>
              <Tooltip
                label={t(c.accepted ? 'sensors.attackers.acceptedHelp' : 'sensors.attackers.refusedHelp')}
                multiline
                w={280}
                withArrow
              >
                <Badge
                  color={c.accepted ? 'orange' : 'gray'}
                  variant={c.accepted ? 'filled' : 'light'}
                  styles={{ label: { overflow: 'visible' } }}
                >
                  {t(c.accepted ? 'sensors.attackers.accepted' : 'sensors.attackers.refused')}
                </Badge>
              </Tooltip>
            </Table.Td>
          </Table.Tr>
        ))}
      </QueryTable>
      <ListPagination
        total={items.length}
        pageSize={TABLE_PAGE}
        page={page}
        onChange={setPage}
        testId="sensors-credentials-pagination"
      />
    </Card>
  );
}

/** Attackers: who came from where, which facilities each touched, and the passwords they tried. */
export function AttackersTab() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const facilityId = filters.get('facilityId');
  const hoursParam = filters.get('hours');
  const span: Span = (SPANS as readonly string[]).includes(hoursParam ?? '') ? (hoursParam as Span) : '24';
  const hours = Number(span);
  const sources = useQuery({
    queryKey: [...sensorKeys.all, 'sources', { facilityId, hours, limit: SOURCE_LIMIT }],
    queryFn: () => sensorApi.sources({ facilityId: facilityId ?? undefined, hours, limit: SOURCE_LIMIT }),
  });
  const items = sources.data?.items ?? [];

  return (
    <Stack gap="lg">
      <FilterBar total={t('sensors.attackers.total', { count: items.length })} mb={0}>
        <FacilityFilter
          label={t('sensors.filter.facility')}
          value={facilityId}
          onChange={(v) => filters.set({ facilityId: v })}
          testId="sensors-attackers-filter-facility"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {t('sensors.attackers.window')}
          </Text>
          <SegmentedControl
            value={span}
            onChange={(v) => filters.set({ hours: v === '24' ? null : v })}
            data={SPANS.map((w) => ({ value: w, label: t(`sensors.attackers.windows.${w}`) }))}
            data-testid="sensors-attackers-window"
          />
        </Stack>
      </FilterBar>
      {sources.error && <QueryError error={sources.error} onRetry={() => void sources.refetch()} />}
      {items.length > 0 && <SourceMap sources={items} />}
      <SourcesTable query={sources} sources={items} />
      <CredentialsTable facilityId={facilityId} hours={hours} />
    </Stack>
  );
}
