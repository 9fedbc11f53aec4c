import type { DeliveryListItem } from '@mamori/contracts';
import { Anchor, Badge, Box, Button, Card, Group, Select, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconRefresh, IconRepeat } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { type DeliveryHistoryQuery, notificationApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useNotificationChannels, useRefreshAfterChange } from '../api/queries.ts';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { EChart } from '../components/echart.tsx';
import { FacilityFilter, FilterBar, SelectFilter, SeverityFilter } from '../components/list-filters.tsx';
import { ListPagination } from '../components/list-pagination.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { alertTitle, isSeverity } from '../lib/alerts.ts';
import { errorMessage } from '../lib/errors.ts';
import { formatDateTime, formatShortDay } from '../lib/format.ts';
import {
  canRetry,
  chartFromCounts,
  DELIVERY_STATUS_COLOR,
  DELIVERY_STATUS_HEX,
  DELIVERY_STATUSES,
  HISTORY_PERIODS,
  isDeliveryStatus,
  isHistoryPeriod,
  periodSince,
} from '../lib/notifications.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { ChannelKindBadge } from './notifications-channels.tsx';

const PER_PAGE = 25;
const CHART_DAYS = 14;
// The history refreshes itself this often while the tab is visible (not counted as the user's activity).
const AUTO_REFRESH_MS = 15_000;

/** What was sent where, what is waiting for a retry and what failed, across every alert the user may see. */
export function DeliveriesTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const queryClient = useQueryClient();
  const refreshLists = useRefreshAfterChange(queryKeys.notifications);
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const filters = useSearchFilters();
  const statusParam = filters.get('status');
  const status = isDeliveryStatus(statusParam) ? statusParam : null;
  const channelId = filters.get('channelId');
  const severityParam = filters.get('severity');
  const severity = isSeverity(severityParam) ? severityParam : null;
  const facilityId = filters.get('facilityId');
  const periodParam = filters.get('period');
  const period = isHistoryPeriod(periodParam) ? periodParam : null;
  const { page } = filters;

  const query: DeliveryHistoryQuery = {
    status: status ?? undefined,
    channelId: channelId ?? undefined,
    severity: severity ?? undefined,
    facilityId: facilityId ?? undefined,
    since: periodSince(period),
    limit: PER_PAGE,
    offset: (page - 1) * PER_PAGE,
    chartDays: CHART_DAYS,
  };
  const queryKey = [...queryKeys.notifications, 'history', query];
  // A read of a page already on screen is the automatic refresh (or a refetch on focus), not the user;
  // the refresh button and new filters or pages are the user's.
  const userAsked = useRef(false);
  const history = useQuery({
    queryKey,
    queryFn: ({ queryKey: key }) => {
      const background = !userAsked.current && queryClient.getQueryData(key) !== undefined;
      userAsked.current = false;
      return notificationApi.deliveryHistory(query, { background });
    },
    placeholderData: keepPreviousData,
    refetchInterval: AUTO_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
  const retry = useMutation({
    mutationFn: (d: DeliveryListItem) => notificationApi.retryDelivery(d.id),
    onSuccess: () => {
      refreshLists();
      notifications.show({ color: 'teal', message: t('notifications.retryQueued') });
    },
    onError: (err) => notifications.show({ color: 'red', message: errorMessage(t, err) }),
  });

  const rows = history.data?.items ?? [];
  const total = history.data?.total ?? 0;
  const narrowed = !!(status || channelId || severity || facilityId || period);

  // The chart shows every state under the other filters (the server counts them per JST day).
  // Its option changes only when a count does (a new option object redraws the chart).
  const chart = chartFromCounts(history.data?.byDay ?? []);
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
        <FilterBar total={t('common.total', { count: total })} totalTestId="deliveries-total">
          <SelectFilter
            label={t('notifications.filters.status')}
            data={DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`notifications.status.${s}`) }))}
            value={status}
            onChange={(v) => filters.set({ status: v })}
            width={150}
            testId="deliveries-filter-status"
          />
          <SelectFilter
            label={t('notifications.filters.channel')}
            data={channels.list.map((c) => ({ value: c.id, label: c.name }))}
            value={channelId}
            onChange={(v) => filters.set({ channelId: v })}
            searchable
            width={200}
            testId="deliveries-filter-channel"
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
          <Select
            label={t('notifications.filters.period')}
            placeholder={t('notifications.period.all')}
            data={HISTORY_PERIODS.map((p) => ({ value: p, label: t(`notifications.period.${p}`) }))}
            value={period}
            onChange={(v) => filters.set({ period: v })}
            clearable
            w={{ base: '100%', sm: 150 }}
            data-testid="deliveries-filter-period"
          />
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            onClick={() => {
              userAsked.current = true;
              void history.refetch();
            }}
            loading={history.isFetching}
            data-testid="deliveries-refresh"
          >
            {t('notifications.refresh')}
          </Button>
        </FilterBar>

        <QueryTable
          query={history}
          emptyText={t(narrowed ? 'notifications.emptyHistoryFiltered' : 'notifications.emptyHistory')}
          minWidth={1000}
          testId="deliveries-table"
          highlightOnHover
          head={
            <>
              <Table.Th w={150}>{t('notifications.historyColumns.time')}</Table.Th>
              <Table.Th>{t('notifications.historyColumns.alert')}</Table.Th>
              <Table.Th>{t('notifications.historyColumns.channel')}</Table.Th>
              <Table.Th>{t('notifications.historyColumns.reason')}</Table.Th>
              <Table.Th>{t('notifications.historyColumns.status')}</Table.Th>
              <Table.Th ta="right">{t('notifications.historyColumns.attempts')}</Table.Th>
              <Table.Th>{t('notifications.historyColumns.lastError')}</Table.Th>
              <Table.Th w={90} />
            </>
          }
        >
          {rows.map((r) => (
            <Table.Tr
              key={r.id}
              data-testid="delivery-row"
              data-status={r.status}
              data-reason={r.reason}
              data-channel-name={r.channel?.name}
            >
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatDateTime(r.createdAt, lang)}</Text>
                {r.sentAt && (
                  <Text size="xs" c="dimmed">
                    {t('notifications.sentAt', { time: formatDateTime(r.sentAt, lang) })}
                  </Text>
                )}
                {r.nextAttemptAt && (
                  <Text size="xs" c="orange.8" data-testid="delivery-next-attempt">
                    {t('notifications.nextAttemptAt', { time: formatDateTime(r.nextAttemptAt, lang) })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {r.alert && r.alertId ? (
                  <Group gap="xs" wrap="nowrap" align="flex-start">
                    <SeverityBadge severity={r.alert.severity} size="sm" />
                    <Stack gap={0} miw={0}>
                      <Anchor component={Link} to={`/alerts/${r.alertId}`} size="sm" fw={600} c="dark" lineClamp={2}>
                        {alertTitle(t, r.alert)}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {facilities.byId.get(r.alert.facilityId)?.name ?? t('common.unknown')}
                      </Text>
                    </Stack>
                  </Group>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t(r.reason === 'test' ? 'notifications.testDelivery' : 'notifications.deletedAlert')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {r.channel ? (
                  <Stack gap={2} align="flex-start">
                    <Text size="sm">{r.channel.name}</Text>
                    <ChannelKindBadge kind={r.channel.kind} />
                  </Stack>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t('notifications.hiddenChannel')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge
                  variant="outline"
                  color={r.reason === 'escalation' ? 'orange' : r.reason === 'test' ? 'blue' : 'gray'}
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
              <Table.Td maw={240}>
                {r.lastError ? (
                  <Tooltip label={r.lastError} multiline w={380} withinPortal>
                    <Text
                      size="xs"
                      c="red.8"
                      ff="monospace"
                      lineClamp={2}
                      style={{ wordBreak: 'break-all' }}
                      data-testid="delivery-error"
                    >
                      {r.lastError}
                    </Text>
                  </Tooltip>
                ) : (
                  <Text size="sm" c="dimmed">
                    —
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {canRetry(r) && (
                  <Button
                    size="compact-sm"
                    variant="light"
                    leftSection={<IconRepeat size={14} />}
                    loading={retry.isPending && retry.variables?.id === r.id}
                    onClick={() => retry.mutate(r)}
                    data-testid="delivery-retry"
                  >
                    {t('notifications.retry')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </QueryTable>
        <ListPagination
          total={total}
          pageSize={PER_PAGE}
          page={page}
          onChange={(p) => filters.set({ page: p })}
          testId="deliveries-pagination"
        />
        <Text size="xs" c="dimmed" mt="sm">
          {t('notifications.historyAuto', { seconds: AUTO_REFRESH_MS / 1000 })}
        </Text>
      </Card>
    </Stack>
  );
}
