import { type Facility, FacilityTypeSchema, PREFECTURES, prefectureName } from '@mamori/contracts';
import { Badge, Button, Card, Stack, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { facilityApi } from '../api/endpoints.ts';
import { queryKeys } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { FilterBar, SearchFilter, SelectFilter } from '../components/list-filters.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { EditButton } from '../components/row-actions.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime } from '../lib/format.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { FacilityFormModal } from './facility-form-modal.tsx';

const PAGE_SIZE = 20;

function ContactCell({ contact }: { contact: Facility['contact'] | null }) {
  if (!contact) return <Text c="dimmed">—</Text>;
  return (
    <Stack gap={0}>
      <Text size="sm">{contact.name}</Text>
      <Text size="xs" c="dimmed">
        {contact.phone}
        {contact.email ? ` · ${contact.email}` : ''}
      </Text>
    </Stack>
  );
}

/** The facilities of the network: filters, search, paging, create and edit. */
export function FacilitiesPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { can } = useSession();
  const [type, setType] = useState<string | null>(null);
  const [prefecture, setPrefecture] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Facility | null>(null);
  const [formOpen, setFormOpen] = useState(false);

  const filters = {
    type: (type ?? undefined) as Facility['type'] | undefined,
    prefecture: prefecture ?? undefined,
    q: q || undefined,
  };
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.facilities, 'list', filters],
    fetchPage: (paging) => facilityApi.list({ ...filters, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: setPage,
  });
  const filtered = !!(filters.type || filters.prefecture || filters.q);

  const openForm = (f: Facility | null) => {
    setEditing(f);
    setFormOpen(true);
  };

  return (
    <>
      <PageHeader
        title={t('facilities.title')}
        description={t('facilities.description')}
        actions={
          can('facility:create') && (
            <Button leftSection={<IconPlus size={18} />} onClick={() => openForm(null)} data-testid="facility-create">
              {t('facilities.create')}
            </Button>
          )
        }
      />
      <Card withBorder radius="md" padding="md">
        <FilterBar total={t('common.total', { count: total })} totalTestId="facility-total">
          <SearchFilter
            label={t('facilities.search')}
            placeholder={t('facilities.searchPlaceholder')}
            value={search}
            onChange={(v) => {
              setSearch(v);
              setPage(1);
            }}
            testId="facility-search"
          />
          <SelectFilter
            label={t('facilities.filterType')}
            data={FacilityTypeSchema.options.map((ty) => ({ value: ty, label: t(`facilityTypes.${ty}`) }))}
            value={type}
            onChange={(v) => {
              setType(v);
              setPage(1);
            }}
            width={200}
            testId="facility-filter-type"
          />
          <SelectFilter
            label={t('facilities.filterPrefecture')}
            data={PREFECTURES.map((p) => ({ value: p.code, label: p[lang] }))}
            value={prefecture}
            onChange={(v) => {
              setPrefecture(v);
              setPage(1);
            }}
            searchable
            width={180}
            testId="facility-filter-prefecture"
          />
        </FilterBar>

        <QueryTable
          pagination={{ ...pagination, testId: 'facility-pagination' }}
          query={list}
          emptyText={t(
            filtered
              ? 'facilities.emptyFiltered'
              : can('facility:create')
                ? 'facilities.emptyAll'
                : 'facilities.emptyNone',
          )}
          minWidth={860}
          testId="facility-table"
          striped
          highlightOnHover
          head={
            <>
              <Table.Th>{t('facilities.columns.name')}</Table.Th>
              <Table.Th>{t('facilities.columns.type')}</Table.Th>
              <Table.Th>{t('facilities.columns.prefecture')}</Table.Th>
              <Table.Th>{t('facilities.columns.contact')}</Table.Th>
              <Table.Th>{t('facilities.columns.onCall')}</Table.Th>
              <Table.Th>{t('facilities.columns.updatedAt')}</Table.Th>
              {can('facility:update') && <Table.Th w={90} />}
            </>
          }
        >
          {list.data?.items.map((f) => (
            <Table.Tr key={f.id} data-testid="facility-row" data-facility-id={f.id}>
              <Table.Td fw={600}>{f.name}</Table.Td>
              <Table.Td>
                <Badge variant="light" radius="sm" style={{ textTransform: 'none' }}>
                  {t(`facilityTypes.${f.type}`)}
                </Badge>
              </Table.Td>
              <Table.Td>{prefectureName(f.prefecture, lang)}</Table.Td>
              <Table.Td>
                <ContactCell contact={f.contact} />
              </Table.Td>
              <Table.Td>
                <ContactCell contact={f.onCallContact} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {formatDateTime(f.updatedAt, lang)}
                </Text>
              </Table.Td>
              {can('facility:update') && (
                <Table.Td>
                  <EditButton
                    label={t('common.edit')}
                    onClick={() => openForm(f)}
                    testId="facility-edit"
                    variant="light"
                  />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </QueryTable>
      </Card>
      <FacilityFormModal opened={formOpen} facility={editing} onClose={() => setFormOpen(false)} />
    </>
  );
}
