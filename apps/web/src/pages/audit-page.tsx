import '@mantine/dates/styles.css';
import 'dayjs/locale/ja';
import type { AuditEntry } from '@mamori/contracts';
import { Alert, Badge, Button, Card, Code, Group, Modal, Stack, Table, Text, Tooltip } from '@mantine/core';
import { DatePickerInput, DatesProvider } from '@mantine/dates';
import { IconDownload, IconInfoCircle, IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { auditApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useUserDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FacilityFilter, FilterBar, SelectFilter } from '../components/list-filters.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { AUDIT_ACTIONS, actionLabel, actorName, describeEntry } from '../lib/audit.ts';
import { formatDateTimeSeconds, jstDayEndIso, jstDayStartIso } from '../lib/format.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';

const PAGE_SIZE = 50;

type DateRange = [string | null, string | null];

function DetailRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group align="flex-start" wrap="nowrap" gap="md">
      <Text size="sm" c="dimmed" w={140} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <div style={{ minWidth: 0, flex: 1 }}>{children}</div>
    </Group>
  );
}

/** The tamper-evident audit log: who did what, when, from where; export and chain verification. */
export function AuditPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { can } = useSession();
  const facilities = useFacilityDirectory();
  const users = useUserDirectory();
  const [action, setAction] = useState<string | null>(null);
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [range, setRange] = useState<DateRange>([null, null]);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<AuditEntry | null>(null);

  const filters = {
    action: action ?? undefined,
    facilityId: facilityId ?? undefined,
    from: range[0] ? jstDayStartIso(range[0]) : undefined,
    to: range[1] ? jstDayEndIso(range[1]) : range[0] ? jstDayEndIso(range[0]) : undefined,
  };
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.audit, 'list', filters],
    fetchPage: (paging) => auditApi.list({ ...filters, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: setPage,
  });
  const verify = useMutation({ mutationFn: auditApi.verify });
  const facilityName = (id: string | null) =>
    id ? (facilities.byId.get(id)?.name ?? t('common.unknown')) : t('audit.regionLevel');

  return (
    <DatesProvider settings={{ locale: lang, firstDayOfWeek: 0 }}>
      <PageHeader
        title={t('audit.title')}
        description={t('audit.description')}
        actions={
          <>
            {can('audit:export') && (
              <Button
                component="a"
                href={auditApi.exportUrl(filters)}
                download
                variant="default"
                leftSection={<IconDownload size={18} />}
                data-testid="audit-export"
              >
                {t('audit.export')}
              </Button>
            )}
            {can('settings:update') && (
              <Tooltip label={t('audit.verifyHelp')} multiline w={280} withArrow>
                <Button
                  leftSection={<IconShieldCheck size={18} />}
                  loading={verify.isPending}
                  onClick={() => verify.mutate()}
                  data-testid="audit-verify"
                >
                  {t('audit.verify')}
                </Button>
              </Tooltip>
            )}
          </>
        }
      />
      <Stack gap="md">
        <ErrorAlert error={verify.error} testId="audit-verify-error" />
        {verify.data && (
          <Alert
            color={verify.data.ok ? 'teal' : 'red'}
            icon={verify.data.ok ? <IconShieldCheck /> : <IconShieldX />}
            title={t(verify.data.ok ? 'audit.verifyOkTitle' : 'audit.verifyBadTitle')}
            withCloseButton
            onClose={() => verify.reset()}
            data-testid="audit-verify-result"
            data-ok={verify.data.ok}
          >
            {verify.data.ok
              ? t('audit.verifyOk', { count: verify.data.checked })
              : t('audit.verifyBad', { seq: verify.data.firstBadSeq ?? '?', count: verify.data.checked })}
          </Alert>
        )}
        <Card withBorder radius="md" padding="md">
          <FilterBar total={t('common.total', { count: total })} totalTestId="audit-total">
            <SelectFilter
              label={t('audit.filterAction')}
              data={AUDIT_ACTIONS.map((a) => ({ value: a, label: actionLabel(t, a) }))}
              value={action}
              onChange={(v) => {
                setAction(v);
                setPage(1);
              }}
              searchable
              width={240}
              testId="audit-filter-action"
            />
            <FacilityFilter
              label={t('audit.filterFacility')}
              value={facilityId}
              onChange={(v) => {
                setFacilityId(v);
                setPage(1);
              }}
              testId="audit-filter-facility"
            />
            <DatePickerInput
              type="range"
              label={t('audit.filterDates')}
              placeholder={t('audit.filterDatesPlaceholder')}
              value={range}
              onChange={(v) => {
                setRange(v as DateRange);
                setPage(1);
              }}
              valueFormat={lang === 'ja' ? 'YYYY/MM/DD' : 'DD MMM YYYY'}
              monthLabelFormat={lang === 'ja' ? 'YYYY年M月' : 'MMMM YYYY'}
              yearLabelFormat={lang === 'ja' ? 'YYYY年' : 'YYYY'}
              clearable
              allowSingleDateInRange
              maxDate={new Date()}
              w={{ base: '100%', sm: 280 }}
              data-testid="audit-filter-dates"
            />
          </FilterBar>

          <QueryTable
            pagination={{ ...pagination, testId: 'audit-pagination' }}
            query={list}
            emptyText={t('audit.empty')}
            minWidth={900}
            testId="audit-table"
            striped
            highlightOnHover
            verticalSpacing="xs"
            head={
              <>
                <Table.Th>{t('audit.columns.at')}</Table.Th>
                <Table.Th>{t('audit.columns.actor')}</Table.Th>
                <Table.Th>{t('audit.columns.facility')}</Table.Th>
                <Table.Th>{t('audit.columns.action')}</Table.Th>
                <Table.Th>{t('audit.columns.outcome')}</Table.Th>
                <Table.Th>{t('audit.columns.ip')}</Table.Th>
                <Table.Th w={70} />
              </>
            }
          >
            {list.data?.items.map((e) => (
              <Table.Tr key={e.seq} data-testid="audit-row" data-action={e.action}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{formatDateTimeSeconds(e.at, lang)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{actorName(t, e, users.byId)}</Text>
                  {e.actorEmail && users.byId.has(e.actorId ?? '') && (
                    <Text size="xs" c="dimmed">
                      {e.actorEmail}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{facilityName(e.facilityId)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{actionLabel(t, e.action)}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={e.outcome === 'success' ? 'teal' : 'red'} variant="light">
                    {t(`audit.outcome.${e.outcome}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {e.ip ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setSelected(e)} data-testid="audit-detail">
                    {t('audit.detail')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </QueryTable>
        </Card>
        <Text size="xs" c="dimmed">
          <IconInfoCircle size={14} style={{ verticalAlign: 'middle' }} /> {t('audit.retentionNote')}
        </Text>
      </Stack>

      <Modal opened={!!selected} onClose={() => setSelected(null)} title={t('audit.detailTitle')} size="lg">
        {selected && (
          <Stack gap="sm" data-testid="audit-detail-panel">
            <Text fw={600}>{describeEntry(t, selected, facilities.byId, users.byId)}</Text>
            <DetailRow label={t('audit.columns.at')}>
              <Text size="sm">{formatDateTimeSeconds(selected.at, lang)}</Text>
            </DetailRow>
            <DetailRow label={t('audit.columns.actor')}>
              <Text size="sm">{selected.actorEmail ?? t('common.system')}</Text>
            </DetailRow>
            <DetailRow label={t('audit.columns.facility')}>
              <Text size="sm">{facilityName(selected.facilityId)}</Text>
            </DetailRow>
            <DetailRow label={t('audit.columns.action')}>
              <Text size="sm">
                {actionLabel(t, selected.action)} <Code>{selected.action}</Code>
              </Text>
            </DetailRow>
            <DetailRow label={t('audit.columns.ip')}>
              <Text size="sm">{selected.ip ?? '—'}</Text>
            </DetailRow>
            <DetailRow label={t('audit.details')}>
              <Code block>{JSON.stringify(selected.details, null, 2)}</Code>
            </DetailRow>
            <DetailRow label={t('audit.seq')}>
              <Text size="sm">#{selected.seq}</Text>
            </DetailRow>
            <DetailRow label={t('audit.hash')}>
              <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                {selected.hash}
              </Text>
            </DetailRow>
          </Stack>
        )}
      </Modal>
    </DatesProvider>
  );
}
