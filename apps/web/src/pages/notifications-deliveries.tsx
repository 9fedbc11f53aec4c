import type { Alert, Delivery } from '@mamori/contracts';
import {
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Pagination,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { alertApi, notificationApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useNotificationChannels } from '../api/queries.ts';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { EChart } from '../components/echart.tsx';
import { FacilityFilter, SeverityFilter } from '../components/list-filters.tsx';
import { QueryError } from '../components/query-error.tsx';
import { TableState } from '../components/table-state.tsx';
import { currentLang } from '../i18n/index.ts';
import { alertTitle, isSeverity } from '../lib/alerts.ts';
import { formatDateTime, formatShortDay } from '../lib/format.ts';
import {
  DELIVERY_STATUS_COLOR,
  DELIVERY_STATUS_HEX,
  DELIVERY_STATUSES,
  deliveriesByDay,
  isDeliveryStatus,
  mapLimit,
} from '../lib/notifications.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { ChannelKindBadge } from './notifications-channels.tsx';

// The server lists deliveries per alert only, so the history reads a page of alerts and then
// each alert's deliveries (a few at a time). A page is kept small for that reason.
const ALERTS_PER_PAGE = 25;
const PARALLEL = 4;
const CHART_DAYS = 14;

type Row = Delivery & { alert: Alert };

/** The notifications of recent alerts: what was sent where, what is being retried, what failed. */
export function DeliveriesTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const filters = useSearchFilters();
  const statusParam = filters.get('status');
  const status = isDeliveryStatus(statusParam) ? statusParam : null;
  const channelId = filters.get('channelId');
  const severityParam = filters.get('severity');
  const severity = isSeverity(severityParam) ? severityParam : null;
  const facilityId = filters.get('facilityId');
  const { page } = filters;

  const query = { severity: severity ?? undefined, facilityId: facilityId ?? undefined };
  const history = useQuery({
    queryKey: [...queryKeys.notifications, 'history', query, page],
    queryFn: async () => {
      const alerts = await alertApi.list({ ...query, limit: ALERTS_PER_PAGE, offset: (page - 1) * ALERTS_PER_PAGE });
      const lists = await mapLimit(alerts.items, PARALLEL, (a) => notificationApi.deliveries(a.id));
      const rows: Row[] = alerts.items.flatMap((alert, i) => (lists[i]?.items ?? []).map((d) => ({ ...d, alert })));
      rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { rows, alertTotal: alerts.total };
    },
    placeholderData: keepPreviousData,
  });
  const byChannel = (history.data?.rows ?? []).filter((r) => !channelId || r.channelId === channelId);
  const rows = byChannel.filter((r) => !status || r.status === status);
  const pages = Math.max(1, Math.ceil((history.data?.alertTotal ?? 0) / ALERTS_PER_PAGE));
  const narrowed = !!(status || channelId || severity || facilityId);

  // The chart shows every state (the state filter would hide the others), so it follows the channel filter only.
  // Its option changes only when a count does (a new option object redraws the chart).
  const chart = deliveriesByDay(byChannel, CHART_DAYS);
  const chartKey = JSON.stringify([chart.days[0], chart.counts]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: chart is rebuilt each render; chartKey is its content
  const option = useMemo<EChartsCoreOption>(() => {
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      // Every day labelled (the newest matters most); labels that would overlap on a narrow screen are hidden.
      xAxis: {
        type: 'category',
        data: chart.days.map((d) => formatShortDay(d, lang)),
        axisLabel: { interval: 0, hideOverlap: true, fontSize: 11 },
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: DELIVERY_STATUSES.map((s) => ({
        type: 'bar',
        stack: 'deliveries',
        name: t(`notifications.status.${s}`),
        // No bar at all for a zero, so an empty state leaves no sliver on top of the others.
        data: chart.counts[s].map((n) => (n === 0 ? null : n)),
        itemStyle: { color: DELIVERY_STATUS_HEX[s] },
        barMaxWidth: 28,
      })),
    };
  }, [chartKey, lang, t]);

  return (
    <Stack gap="md">
      <Card withBorder radius="md" padding="md">
        <Group justify="space-between" align="flex-start" gap="sm" mb="xs">
          <Stack gap={2}>
            <Title order={2} fz="h5">
              {t('notifications.chart.title')}
            </Title>
            <Text size="xs" c="dimmed">
              {t('notifications.chart.help', { days: CHART_DAYS })}
            </Text>
          </Stack>
          <Group gap="sm">
            {DELIVERY_STATUSES.map((s) => (
              <Group key={s} gap={6} wrap="nowrap">
                <Box w={10} h={10} style={{ borderRadius: 2, background: DELIVERY_STATUS_HEX[s] }} />
                <Text size="xs">{t(`notifications.status.${s}`)}</Text>
              </Group>
            ))}
          </Group>
        </Group>
        <EChart option={option} height={200} testId="deliveries-chart" />
      </Card>

      <Card withBorder radius="md" padding="md">
        <Text size="sm" c="dimmed" mb="md">
          {t('notifications.historyHelp')}
        </Text>
        <Group gap="sm" mb="md" align="flex-end">
          <Select
            label={t('notifications.filters.status')}
            placeholder={t('common.all')}
            data={DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`notifications.status.${s}`) }))}
            value={status}
            onChange={(v) => filters.set({ status: v, page })}
            clearable
            w={{ base: '100%', sm: 150 }}
            data-testid="deliveries-filter-status"
          />
          <Select
            label={t('notifications.filters.channel')}
            placeholder={t('common.all')}
            data={channels.list.map((c) => ({ value: c.id, label: c.name }))}
            value={channelId}
            onChange={(v) => filters.set({ channelId: v, page })}
            clearable
            searchable
            nothingFoundMessage={t('common.nothingFound')}
            w={{ base: '100%', sm: 200 }}
            data-testid="deliveries-filter-channel"
          />
          <SeverityFilter
            label={t('notifications.filters.severity')}
            value={severity}
            onChange={(v) => filters.set({ severity: v })}
            testId="deliveries-filter-severity"
          />
          <FacilityFilter
            label={t('notifications.filters.facility')}
            value={facilityId}
            onChange={(v) => filters.set({ facilityId: v })}
            testId="deliveries-filter-facility"
          />
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            onClick={() => void history.refetch()}
            loading={history.isFetching}
            data-testid="deliveries-refresh"
          >
            {t('notifications.refresh')}
          </Button>
          <Text size="sm" c="dimmed" ml="auto" data-testid="deliveries-total">
            {t('common.total', { count: rows.length })}
          </Text>
        </Group>

        {history.error && <QueryError error={history.error} onRetry={() => void history.refetch()} />}
        <Table.ScrollContainer minWidth={1040}>
          <Table highlightOnHover verticalSpacing="sm" data-testid="deliveries-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={150}>{t('notifications.historyColumns.time')}</Table.Th>
                <Table.Th>{t('notifications.historyColumns.alert')}</Table.Th>
                <Table.Th>{t('notifications.historyColumns.channel')}</Table.Th>
                <Table.Th>{t('notifications.historyColumns.reason')}</Table.Th>
                <Table.Th>{t('notifications.historyColumns.status')}</Table.Th>
                <Table.Th ta="right">{t('notifications.historyColumns.attempts')}</Table.Th>
                <Table.Th>{t('notifications.historyColumns.lastError')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => {
                const channel = channels.byId.get(r.channelId);
                return (
                  <Table.Tr
                    key={r.id}
                    data-testid="delivery-row"
                    data-status={r.status}
                    data-channel-name={channel?.name}
                  >
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{formatDateTime(r.createdAt, lang)}</Text>
                      {r.sentAt && (
                        <Text size="xs" c="dimmed">
                          {t('notifications.sentAt', { time: formatDateTime(r.sentAt, lang) })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap" align="flex-start">
                        <SeverityBadge severity={r.alert.severity} size="sm" />
                        <Stack gap={0} miw={0}>
                          <Anchor
                            component={Link}
                            to={`/alerts/${r.alertId}`}
                            size="sm"
                            fw={600}
                            c="dark"
                            lineClamp={2}
                          >
                            {alertTitle(t, r.alert)}
                          </Anchor>
                          <Text size="xs" c="dimmed">
                            {facilities.byId.get(r.alert.facilityId)?.name ?? t('common.unknown')}
                          </Text>
                        </Stack>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={2} align="flex-start">
                        <Text size="sm">{channel?.name ?? t('notifications.deletedChannel')}</Text>
                        {channel && <ChannelKindBadge kind={channel.kind} />}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        variant="outline"
                        color={r.reason === 'escalation' ? 'orange' : 'gray'}
                        styles={{ label: { overflow: 'visible' } }}
                      >
                        {t(`notifications.reason.${r.reason}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        color={DELIVERY_STATUS_COLOR[r.status]}
                        variant={r.status === 'failed' ? 'filled' : 'light'}
                        styles={{ label: { overflow: 'visible' } }}
                        data-testid="delivery-status"
                      >
                        {t(`notifications.status.${r.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Text size="sm">{r.attempts}</Text>
                    </Table.Td>
                    <Table.Td maw={280}>
                      {r.lastError ? (
                        <Tooltip label={r.lastError} multiline w={360} withinPortal>
                          <Text size="xs" c="red.8" ff="monospace" lineClamp={2} style={{ wordBreak: 'break-all' }}>
                            {r.lastError}
                          </Text>
                        </Tooltip>
                      ) : (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <TableState
          loading={history.isLoading}
          empty={!!history.data && rows.length === 0}
          emptyText={t(narrowed ? 'notifications.emptyHistoryFiltered' : 'notifications.emptyHistory')}
        />
        {pages > 1 && (
          <Group justify="center" mt="md" gap="sm">
            <Pagination
              total={pages}
              value={page}
              onChange={(p) => filters.set({ page: p })}
              data-testid="deliveries-pagination"
            />
          </Group>
        )}
        <SimpleGrid cols={1} mt="sm">
          <Text size="xs" c="dimmed">
            {t('notifications.historyScope', { count: ALERTS_PER_PAGE })}
          </Text>
        </SimpleGrid>
      </Card>
    </Stack>
  );
}
