import { Anchor, Badge, Card, Group, List, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { decoyApi } from '../api/decoys.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { FacilityFilter, FilterBar } from '../components/list-filters.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { fileName } from '../lib/decoys.ts';
import { formatDateTimeSeconds, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { useCoverage } from './decoys-coverage.tsx';

const PAGE_SIZE = 50;
const VIEWER_NOTES = ['office', 'libreoffice', 'pdf', 'html', 'dns'] as const;

/** Which document viewers fire a beacon and which do not: a missing opening proves nothing. */
export function BeaconViewerNotes() {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="md" padding="lg" data-testid="beacon-viewer-notes">
      <Group gap="xs" mb={4}>
        <IconInfoCircle size={20} color="var(--mantine-color-blue-7)" />
        <Title order={2} fz="h4">
          {t('decoys.beacons.notesTitle')}
        </Title>
      </Group>
      <Text size="sm" mb="sm">
        {t('decoys.beacons.notesIntro')}
      </Text>
      <List size="sm" spacing={8}>
        {VIEWER_NOTES.map((k) => (
          <List.Item key={k}>
            <Text span size="sm" fw={600}>
              {t(`decoys.beacons.notes.${k}.title`)}
            </Text>
            <Text span size="sm">
              {' — '}
              {t(`decoys.beacons.notes.${k}.body`)}
            </Text>
          </List.Item>
        ))}
      </List>
      <Text size="sm" mt="sm" fw={600}>
        {t('decoys.beacons.notesConclusion')}
      </Text>
    </Card>
  );
}

/** Beacon openings: decoy documents opened somewhere that could reach the platform. */
export function BeaconsTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const facilities = useFacilityDirectory();
  const filters = useSearchFilters();
  const facilityId = filters.get('facilityId');
  const { page } = filters;
  const hosts = useCoverage(null);
  const hostname = new Map((hosts.data?.hosts ?? []).map((h) => [h.agentId, h.hostname]));
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.decoys, 'beacons', facilityId],
    fetchPage: (paging) => decoyApi.beaconHits({ facilityId: facilityId ?? undefined, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: (p) => filters.set({ page: p }),
  });

  return (
    <Stack gap="lg">
      <Card withBorder radius="md" padding="md">
        <Text size="sm" mb="md">
          {t('decoys.beacons.explain')}
        </Text>
        <FilterBar total={t('common.total', { count: total })} totalTestId="beacon-hits-total">
          <FacilityFilter
            label={t('decoys.filterFacility')}
            value={facilityId}
            onChange={(v) => filters.set({ facilityId: v })}
            testId="decoys-beacons-filter-facility"
          />
        </FilterBar>
        <QueryTable
          pagination={{ ...pagination, testId: 'beacon-hits-pagination' }}
          query={list}
          emptyText={t('decoys.beacons.empty')}
          minWidth={1000}
          testId="beacon-hits-table"
          striped
          headStyle={{ whiteSpace: 'nowrap' }}
          head={
            <>
              <Table.Th>{t('decoys.beacons.columns.at')}</Table.Th>
              <Table.Th>{t('decoys.beacons.columns.file')}</Table.Th>
              <Table.Th>{t('decoys.beacons.columns.host')}</Table.Th>
              <Table.Th>{t('decoys.beacons.columns.channel')}</Table.Th>
              <Table.Th>{t('decoys.beacons.columns.ip')}</Table.Th>
              <Table.Th>{t('decoys.beacons.columns.userAgent')}</Table.Th>
            </>
          }
        >
          {list.data?.items.map((h) => (
            <Table.Tr key={h.id} data-testid="beacon-hit-row" data-channel={h.channel}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatDateTimeSeconds(h.at, lang)}</Text>
                <Text size="xs" c="dimmed">
                  {formatRelative(h.at, lang, now)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Tooltip label={h.path} multiline w={360}>
                  <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {fileName(h.path)}
                  </Text>
                </Tooltip>
                <Text size="xs" c="dimmed">
                  {t(`decoys.kind.${h.kind}`)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Anchor
                  component={Link}
                  to={`/decoys/hosts/${h.agentId}`}
                  size="sm"
                  ff="monospace"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  {hostname.get(h.agentId) ?? t('common.unknown')}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {facilities.byId.get(h.facilityId)?.name ?? ''}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge
                  variant="light"
                  color={h.channel === 'http' ? 'red' : 'grape'}
                  styles={{ label: { overflow: 'visible' } }}
                >
                  {t(`decoys.beacons.channel.${h.channel}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {h.ip}
                </Text>
                <Text size="xs" c="dimmed">
                  {t(h.channel === 'dns' ? 'decoys.beacons.ipResolver' : 'decoys.beacons.ipMachine')}
                </Text>
              </Table.Td>
              <Table.Td maw={320}>
                <Text size="xs" c="dimmed" lineClamp={2} title={h.userAgent} style={{ wordBreak: 'break-all' }}>
                  {h.userAgent || '—'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </QueryTable>
      </Card>
      <BeaconViewerNotes />
    </Stack>
  );
}
