import type { DecoyPolicy } from '@mamori/contracts';
import { Badge, Button, Card, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconEdit, IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { decoyApi } from '../api/decoys.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { FacilityFilter, FilterBar } from '../components/list-filters.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { DangerButton, EditButton } from '../components/row-actions.tsx';
import { currentLang } from '../i18n/index.ts';
import { DECOY_KIND_ORDER } from '../lib/decoys.ts';
import { formatDateTime } from '../lib/format.ts';
import { useConfirmedMutation } from '../lib/use-confirmed-mutation.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { DecoyPolicyFormModal } from './decoy-policy-form.tsx';

const PAGE_SIZE = 50;
const SHOWN_DIRECTORIES = 3;

/** Decoy policies: where each facility plants decoys, and what happens when one is touched. */
export function PoliciesTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  const filters = useSearchFilters();
  const facilityId = filters.get('facilityId');
  const { page } = filters;
  const canManage = can('decoy:manage');
  const [editing, setEditing] = useState<DecoyPolicy | null>(null);
  const [formOpen, setFormOpen] = useState(false);

  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.decoys, 'policies', facilityId],
    fetchPage: (paging) => decoyApi.policies({ facilityId: facilityId ?? undefined, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: (p) => filters.set({ page: p }),
  });
  const remove = useConfirmedMutation({
    mutationFn: (p: DecoyPolicy) => decoyApi.deletePolicy(p.id),
    onSuccess: (_, p) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.decoys });
      notifications.show({ color: 'teal', message: t('decoys.policies.deleted', { name: p.name }) });
    },
  });
  const deleting = remove.target;
  const open = (p: DecoyPolicy | null) => {
    setEditing(p);
    setFormOpen(true);
  };

  return (
    <Card withBorder radius="md" padding="md">
      <FilterBar
        total={t('common.total', { count: total })}
        actions={
          canManage && (
            <Button leftSection={<IconPlus size={18} />} onClick={() => open(null)} data-testid="decoy-policy-create">
              {t('decoys.policies.create')}
            </Button>
          )
        }
      >
        <FacilityFilter
          label={t('decoys.filterFacility')}
          value={facilityId}
          onChange={(v) => filters.set({ facilityId: v })}
          testId="decoys-policies-filter-facility"
        />
      </FilterBar>
      <QueryTable
        pagination={{ ...pagination, testId: 'decoy-policies-pagination' }}
        query={list}
        emptyText={t(canManage ? 'decoys.policies.emptyManage' : 'decoys.policies.empty')}
        minWidth={1050}
        testId="decoy-policies-table"
        striped
        headStyle={{ whiteSpace: 'nowrap' }}
        head={
          <>
            <Table.Th>{t('decoys.policies.columns.name')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.facility')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.hosts')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.directories')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.kinds')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.response')}</Table.Th>
            <Table.Th>{t('decoys.policies.columns.updated')}</Table.Th>
            {canManage && <Table.Th w={200} />}
          </>
        }
      >
        {list.data?.items.map((p) => (
          <Table.Tr key={p.id} data-testid="decoy-policy-row" data-name={p.name}>
            <Table.Td miw={160}>
              <Stack gap={4} align="flex-start">
                <Text size="sm" fw={600}>
                  {p.name}
                </Text>
                {!p.enabled && (
                  <Badge size="xs" color="gray" variant="filled">
                    {t('decoys.policies.disabled')}
                  </Badge>
                )}
              </Stack>
            </Table.Td>
            <Table.Td miw={140}>
              <Text size="sm">{facilities.byId.get(p.facilityId)?.name ?? t('common.unknown')}</Text>
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              <Text size="sm">
                {p.agentIds.length
                  ? t('decoys.policies.someHosts', { count: p.agentIds.length })
                  : t('decoys.policies.allHosts')}
              </Text>
            </Table.Td>
            <Table.Td>
              {p.directories.slice(0, SHOWN_DIRECTORIES).map((d) => (
                <Text key={d} size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {d}
                </Text>
              ))}
              {p.directories.length > SHOWN_DIRECTORIES && (
                <Tooltip label={p.directories.join('\n')} multiline w={360} style={{ whiteSpace: 'pre-line' }}>
                  <Text size="xs" c="dimmed">
                    {t('decoys.policies.moreDirectories', { count: p.directories.length - SHOWN_DIRECTORIES })}
                  </Text>
                </Tooltip>
              )}
              <Text size="xs" c="dimmed">
                {t('decoys.policies.perDirectory', { count: p.perDirectory })}
              </Text>
            </Table.Td>
            <Table.Td maw={240}>
              {p.kinds.length === DECOY_KIND_ORDER.length ? (
                <Text size="sm">{t('decoys.policies.allKinds')}</Text>
              ) : (
                <Group gap={4}>
                  {DECOY_KIND_ORDER.filter((k) => p.kinds.includes(k)).map((k) => (
                    <Badge key={k} size="xs" variant="light" color="indigo" styles={{ label: { overflow: 'visible' } }}>
                      {t(`decoys.kindShort.${k}`)}
                    </Badge>
                  ))}
                </Group>
              )}
              <Text size="xs" c="dimmed" mt={4}>
                {t(p.beacons ? 'decoys.policies.beaconsOn' : 'decoys.policies.beaconsOff')}
              </Text>
            </Table.Td>
            <Table.Td>
              <Stack gap={4} align="flex-start">
                {p.response.kill && (
                  <Badge size="sm" variant="light" color="orange" styles={{ label: { overflow: 'visible' } }}>
                    {t('decoys.policies.kill')}
                  </Badge>
                )}
                {p.response.isolate && (
                  <Badge size="sm" variant="light" color="red" styles={{ label: { overflow: 'visible' } }}>
                    {t('decoys.policies.isolate')}
                  </Badge>
                )}
                {!p.response.kill && !p.response.isolate && (
                  <Text size="xs" c="dimmed">
                    {t('decoys.policies.notifyOnly')}
                  </Text>
                )}
              </Stack>
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              <Text size="sm">{formatDateTime(p.updatedAt, lang)}</Text>
              <Text size="xs" c="dimmed">
                {p.createdBy}
              </Text>
            </Table.Td>
            {canManage && (
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <EditButton
                    label={t('common.edit')}
                    onClick={() => open(p)}
                    testId="decoy-policy-edit"
                    variant="light"
                    icon={IconEdit}
                  />
                  <DangerButton
                    label={t('decoys.policies.delete')}
                    onClick={() => remove.ask(p)}
                    testId="decoy-policy-delete"
                  />
                </Group>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </QueryTable>

      <DecoyPolicyFormModal
        opened={formOpen}
        policy={editing}
        initialFacilityId={facilityId}
        onClose={() => setFormOpen(false)}
      />
      <ConfirmDialog
        title={t('decoys.policies.deleteTitle')}
        body={t('decoys.policies.deleteBody', { name: deleting?.name ?? '' })}
        confirmLabel={t('decoys.policies.deleteOk')}
        color="red"
        {...remove.dialog}
      />
    </Card>
  );
}
