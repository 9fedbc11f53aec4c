import type { Alert } from '@mamori/contracts';
import { Anchor, Card, Select, Stack, Table, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { alertApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { AlertStatusBadge, SeverityBadge } from '../components/alert-badges.tsx';
import { FacilityFilter, FilterBar, SelectFilter, SeverityFilter } from '../components/list-filters.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { ALERT_STATUSES, alertTitle, isAlertStatus, isSeverity, KNOWN_SOURCES } from '../lib/alerts.ts';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';

const PAGE_SIZE = 50;
const FLASH_MS = 4000;

/**
 * Alerts that arrived since the list was first shown with these filters, for a short highlight.
 * Changing filters or pages starts over without highlighting.
 */
function useFreshIds(items: Alert[] | undefined, viewKey: string): Set<string> {
  const seen = useRef<{ key: string; ids: Set<string> } | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!items) return;
    if (seen.current?.key !== viewKey) {
      seen.current = { key: viewKey, ids: new Set(items.map((a) => a.id)) };
      setFresh(new Set());
      return;
    }
    const known = seen.current.ids;
    const added = items.filter((a) => !known.has(a.id)).map((a) => a.id);
    for (const id of added) known.add(id);
    if (!added.length) return;
    setFresh(new Set(added));
    const timer = window.setTimeout(() => setFresh(new Set()), FLASH_MS);
    return () => window.clearTimeout(timer);
  }, [items, viewKey]);
  return fresh;
}

/** The alerts inbox: every module's alerts with filters, paging and live updates. */
export function AlertsPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const navigate = useNavigate();
  const now = useNow();
  const facilities = useFacilityDirectory();
  const filters = useSearchFilters();

  // Status: "open" (default), "all", or one status.
  const statusParam = filters.get('status');
  const status = statusParam === 'all' || isAlertStatus(statusParam) ? statusParam : 'open';
  const severityParam = filters.get('severity');
  const severity = isSeverity(severityParam) ? severityParam : null;
  const facilityId = filters.get('facilityId');
  const source = filters.get('source');
  const { page } = filters;

  const query = {
    open: status === 'open' ? ('true' as const) : undefined,
    status: isAlertStatus(status) ? status : undefined,
    severity: severity ?? undefined,
    facilityId: facilityId ?? undefined,
    source: source ?? undefined,
  };
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.alerts, 'list', query],
    fetchPage: (paging) => alertApi.list({ ...query, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: (p) => filters.set({ page: p }),
  });
  const fresh = useFreshIds(list.data?.items, JSON.stringify([query, page]));
  const narrowed = !!(severity || facilityId || source || isAlertStatus(status));
  const sources: string[] = [...KNOWN_SOURCES];
  if (source && !sources.includes(source)) sources.push(source);

  return (
    <>
      <PageHeader title={t('alerts.title')} description={t('alerts.description')} actions={<LiveIndicator />} />
      <Card withBorder radius="md" padding="md">
        <FilterBar total={t('common.total', { count: total })} totalTestId="alerts-total">
          <Select
            label={t('alerts.filterStatus')}
            data={[
              { value: 'open', label: t('alerts.statusOpen') },
              { value: 'all', label: t('alerts.statusAll') },
              ...ALERT_STATUSES.map((s) => ({ value: s, label: t(`alertStatus.${s}`) })),
            ]}
            value={status}
            onChange={(v) => filters.set({ status: v === 'open' ? null : v })}
            allowDeselect={false}
            w={{ base: '100%', sm: 190 }}
            data-testid="alerts-filter-status"
          />
          <SeverityFilter
            label={t('alerts.filterSeverity')}
            value={severity}
            onChange={(v) => filters.set({ severity: v })}
            testId="alerts-filter-severity"
          />
          <FacilityFilter
            label={t('alerts.filterFacility')}
            value={facilityId}
            onChange={(v) => filters.set({ facilityId: v })}
            testId="alerts-filter-facility"
          />
          <SelectFilter
            label={t('alerts.filterSource')}
            data={sources.map((s) => ({ value: s, label: t(`alerts.source.${s}`, { defaultValue: s }) }))}
            value={source}
            onChange={(v) => filters.set({ source: v })}
            width={170}
            testId="alerts-filter-source"
          />
        </FilterBar>

        <QueryTable
          pagination={{ ...pagination, testId: 'alerts-pagination' }}
          query={list}
          emptyText={t(narrowed ? 'alerts.emptyFiltered' : status === 'open' ? 'alerts.emptyOpen' : 'alerts.emptyAll')}
          minWidth={980}
          testId="alerts-table"
          highlightOnHover
          head={
            <>
              <Table.Th w={90}>{t('alerts.columns.severity')}</Table.Th>
              <Table.Th>{t('alerts.columns.title')}</Table.Th>
              <Table.Th>{t('alerts.columns.facility')}</Table.Th>
              <Table.Th>{t('alerts.columns.host')}</Table.Th>
              <Table.Th w={70} ta="right">
                {t('alerts.columns.count')}
              </Table.Th>
              <Table.Th w={110}>{t('alerts.columns.status')}</Table.Th>
              <Table.Th w={170}>{t('alerts.columns.lastSeen')}</Table.Th>
            </>
          }
        >
          {list.data?.items.map((a) => (
            <Table.Tr
              key={a.id}
              onClick={() => navigate(`/alerts/${a.id}`)}
              style={{ cursor: 'pointer' }}
              className={fresh.has(a.id) ? 'mamori-fresh-row' : undefined}
              data-testid="alert-row"
              data-alert-id={a.id}
              data-severity={a.severity}
              data-status={a.status}
            >
              <Table.Td>
                <SeverityBadge severity={a.severity} />
              </Table.Td>
              <Table.Td>
                <Stack gap={0}>
                  <Anchor
                    component={Link}
                    to={`/alerts/${a.id}`}
                    fw={600}
                    size="sm"
                    c="dark"
                    onClick={(e) => e.stopPropagation()}
                  >
                    {alertTitle(t, a)}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {t(`alerts.source.${a.source}`, { defaultValue: a.source })} · {a.kind}
                  </Text>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{facilities.byId.get(a.facilityId)?.name ?? t('common.unknown')}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {a.hostname ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" fw={a.count > 1 ? 600 : undefined} data-testid="alert-count">
                  {t('alerts.times', { count: a.count })}
                </Text>
              </Table.Td>
              <Table.Td>
                <AlertStatusBadge status={a.status} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatDateTime(a.lastSeenAt, lang)}</Text>
                <Text size="xs" c="dimmed">
                  {formatRelative(a.lastSeenAt, lang, now)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </QueryTable>
      </Card>
    </>
  );
}
