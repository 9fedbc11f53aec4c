import type { DecoyCoverageHost } from '@mamori/contracts';
import {
  Anchor,
  Box,
  Card,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { decoyApi } from '../api/decoys.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { EChart } from '../components/echart.tsx';
import { FacilityFilter, FilterBar } from '../components/list-filters.tsx';
import { QueryError } from '../components/query-error.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import {
  COVERAGE_HEX,
  COVERAGE_STATUSES,
  type CoverageStatus,
  countCoverage,
  coverageStatus,
  directoryProblemText,
} from '../lib/decoys.ts';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { AgentStatusBadge, CoverageBadge, IsolationBadge } from './decoys-shared.tsx';

const CHART_ROWS = 30;

/** The coverage query, shared by the coverage tab and the host page. */
export function useCoverage(facilityId: string | null) {
  return useQuery({
    queryKey: [...queryKeys.decoys, 'coverage', facilityId],
    queryFn: () => decoyApi.coverage(facilityId ?? undefined),
  });
}

/** Hosts per facility by coverage status (stacked), or with one facility, decoys per host. */
function useCoverageChart(hosts: DecoyCoverageHost[], byFacility: boolean, now: Date) {
  const { t } = useTranslation();
  const facilities = useFacilityDirectory();
  return useMemo(() => {
    const live = hosts.filter((h) => h.agentStatus !== 'revoked');
    if (byFacility) {
      const groups = new Map<string, DecoyCoverageHost[]>();
      for (const h of live) groups.set(h.facilityId, [...(groups.get(h.facilityId) ?? []), h]);
      const rows = [...groups.entries()].slice(0, CHART_ROWS).reverse();
      const option: EChartsCoreOption = {
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: {
          type: 'category',
          data: rows.map(([id]) => facilities.byId.get(id)?.name ?? t('common.unknown')),
          axisLabel: { width: 160, overflow: 'truncate' },
        },
        series: COVERAGE_STATUSES.map((s) => ({
          name: t(`decoys.coverageStatus.${s}`),
          type: 'bar',
          stack: 'hosts',
          barMaxWidth: 28,
          itemStyle: { color: COVERAGE_HEX[s] },
          data: rows.map(([, list]) => countCoverage(list, now)[s]),
        })),
      };
      return { option, rows: rows.map(([id]) => id), height: Math.max(140, rows.length * 36 + 40) };
    }
    const rows = [...live]
      .sort((a, b) => b.decoys - a.decoys)
      .slice(0, CHART_ROWS)
      .reverse();
    const option: EChartsCoreOption = {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        data: rows.map((h) => h.hostname),
        axisLabel: { fontFamily: 'monospace', width: 160, overflow: 'truncate' },
      },
      series: [
        {
          name: t('decoys.columns.decoys'),
          type: 'bar',
          barMaxWidth: 28,
          data: rows.map((h) => ({ value: h.decoys, itemStyle: { color: COVERAGE_HEX[coverageStatus(h, now)] } })),
        },
      ],
    };
    return { option, rows: rows.map((h) => h.agentId), height: Math.max(140, rows.length * 36 + 40) };
  }, [hosts, byFacility, now, t, facilities.byId]);
}

function Legend({ counts }: { counts: Record<CoverageStatus, number> }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6} data-testid="decoys-coverage-legend">
      {COVERAGE_STATUSES.map((s) => (
        <Group key={s} gap={8} wrap="nowrap" align="flex-start">
          <Box w={12} h={12} mt={4} style={{ background: COVERAGE_HEX[s], borderRadius: 3, flexShrink: 0 }} />
          <Stack gap={0}>
            <Text size="sm" fw={600}>
              {t('decoys.legendItem', { status: t(`decoys.coverageStatus.${s}`), count: counts[s] })}
            </Text>
            <Text size="xs" c="dimmed">
              {t(`decoys.coverageHelp.${s}`)}
            </Text>
          </Stack>
        </Group>
      ))}
    </Stack>
  );
}

/** Coverage per host: the chart, the status of each host's decoys, problems and isolation. */
export function CoverageTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const navigate = useNavigate();
  const filters = useSearchFilters();
  const facilities = useFacilityDirectory();
  const facilityId = filters.get('facilityId');
  const coverage = useCoverage(facilityId);
  const hosts = coverage.data?.hosts ?? [];
  const facilityCount = new Set(hosts.map((h) => h.facilityId)).size;
  const byFacility = !facilityId && facilityCount > 1;
  const chart = useCoverageChart(hosts, byFacility, now);
  const counts = countCoverage(hosts, now);
  const showFacility = facilities.list.length > 1 && !facilityId;

  return (
    <Stack gap="lg">
      <FilterBar total={t('decoys.hostCount', { count: hosts.length })} totalTestId="decoys-hosts-total" mb={0}>
        <FacilityFilter
          label={t('decoys.filterFacility')}
          value={facilityId}
          onChange={(v) => filters.set({ facilityId: v })}
          testId="decoys-filter-facility"
        />
      </FilterBar>
      {coverage.error && <QueryError error={coverage.error} onRetry={() => void coverage.refetch()} />}

      {hosts.length > 0 && (
        <Card withBorder radius="md" padding="lg">
          <Title order={2} fz="h4">
            {t(byFacility ? 'decoys.chart.byFacility' : 'decoys.chart.byHost')}
          </Title>
          <Text size="xs" c="dimmed" mb="sm">
            {t(byFacility ? 'decoys.chart.byFacilityHelp' : 'decoys.chart.byHostHelp')}
          </Text>
          <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
            <Box style={{ gridColumn: 'span 2' }}>
              <EChart
                option={chart.option}
                height={chart.height}
                testId="decoys-coverage-chart"
                onClick={(e) => {
                  const id = e.dataIndex === undefined ? undefined : chart.rows[e.dataIndex];
                  if (!id) return;
                  if (byFacility) filters.set({ facilityId: id });
                  else navigate(`/decoys/hosts/${id}`);
                }}
              />
            </Box>
            <Legend counts={counts} />
          </SimpleGrid>
        </Card>
      )}

      <Card withBorder radius="md" padding="md">
        <QueryTable
          query={coverage}
          showError={false}
          empty={!!coverage.data && hosts.length === 0}
          emptyText={t(facilityId ? 'decoys.emptyHostsFiltered' : 'decoys.emptyHosts')}
          minWidth={1050}
          testId="decoys-coverage-table"
          striped
          highlightOnHover
          head={
            <>
              <Table.Th>{t('decoys.columns.host')}</Table.Th>
              {showFacility && <Table.Th>{t('decoys.columns.facility')}</Table.Th>}
              <Table.Th>{t('decoys.columns.agent')}</Table.Th>
              <Table.Th>{t('decoys.columns.coverage')}</Table.Th>
              <Table.Th ta="right">{t('decoys.columns.directories')}</Table.Th>
              <Table.Th ta="right">{t('decoys.columns.decoys')}</Table.Th>
              <Table.Th ta="right">{t('decoys.columns.beacons')}</Table.Th>
              <Table.Th>{t('decoys.columns.verified')}</Table.Th>
              <Table.Th>{t('decoys.columns.problems')}</Table.Th>
              <Table.Th>{t('decoys.columns.isolation')}</Table.Th>
            </>
          }
        >
          {hosts.map((h) => {
            const status = coverageStatus(h, now);
            return (
              <Table.Tr
                key={h.agentId}
                onClick={() => navigate(`/decoys/hosts/${h.agentId}`)}
                style={{ cursor: 'pointer' }}
                data-testid="decoys-host-row"
                data-host={h.hostname}
                data-coverage={status}
              >
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={`/decoys/hosts/${h.agentId}`}
                    size="sm"
                    fw={600}
                    ff="monospace"
                    onClick={(e) => e.stopPropagation()}
                    style={{ whiteSpace: 'nowrap' }}
                  >
                    {h.hostname}
                  </Anchor>
                </Table.Td>
                {showFacility && (
                  <Table.Td>
                    <Text size="sm">{facilities.byId.get(h.facilityId)?.name ?? t('common.unknown')}</Text>
                  </Table.Td>
                )}
                <Table.Td>
                  <AgentStatusBadge status={h.agentStatus} />
                </Table.Td>
                <Table.Td>
                  <CoverageBadge status={status} />
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm">{h.directories}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" fw={600} data-testid="decoys-host-count">
                    {h.decoys}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm">{h.beacons}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {h.verifiedAt ? (
                    <>
                      <Text size="sm" c={status === 'stale' ? 'orange.8' : undefined}>
                        {formatRelative(h.verifiedAt, lang, now)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(h.verifiedAt, lang)}
                      </Text>
                    </>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t('decoys.neverVerified')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {h.problems.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      {t('decoys.noProblems')}
                    </Text>
                  ) : (
                    <Tooltip
                      multiline
                      w={360}
                      label={
                        <List size="xs" spacing={2}>
                          {h.problems.slice(0, 8).map((p) => (
                            <List.Item key={p.directory}>
                              {p.directory}: {directoryProblemText(t, `${p.directory} ${p.message}`, p.message)}
                            </List.Item>
                          ))}
                        </List>
                      }
                    >
                      <Group gap={4} wrap="nowrap" data-testid="decoys-host-problems">
                        <ThemeIcon size="sm" variant="light" color="yellow">
                          <IconAlertTriangle size={14} />
                        </ThemeIcon>
                        <Text size="sm">{t('decoys.problemCount', { count: h.problems.length })}</Text>
                      </Group>
                    </Tooltip>
                  )}
                </Table.Td>
                <Table.Td>
                  <IsolationBadge host={h} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </QueryTable>
      </Card>
    </Stack>
  );
}
