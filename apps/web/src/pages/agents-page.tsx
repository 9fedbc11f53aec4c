import { type Agent, AgentStatusSchema } from '@mamori/contracts';
import { Badge, Button, Card, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBan, IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { agentApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { FacilityFilter, FilterBar, SelectFilter } from '../components/list-filters.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { DangerButton } from '../components/row-actions.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { useConfirmedMutation } from '../lib/use-confirmed-mutation.ts';
import { useNow } from '../lib/use-now.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { AgentEnrolModal } from './agent-enrol-modal.tsx';

const PAGE_SIZE = 50;
const CERT_WARN_MS = 30 * 86_400_000;
const STATUS_COLOR: Record<Agent['status'], string> = { online: 'teal', offline: 'orange', revoked: 'gray' };

type AgentStatus = Agent['status'];
const isAgentStatus = (v: string | null): v is AgentStatus =>
  !!v && (AgentStatusSchema.options as readonly string[]).includes(v);

function CertExpiry({ agent, now }: { agent: Agent; now: Date }) {
  const { t } = useTranslation();
  const lang = currentLang();
  const left = Date.parse(agent.certNotAfter) - now.getTime();
  const warn = agent.status !== 'revoked' && left < CERT_WARN_MS;
  return (
    <Stack gap={2}>
      <Text size="sm" c={agent.status === 'revoked' ? 'dimmed' : undefined}>
        {formatDateTime(agent.certNotAfter, lang)}
      </Text>
      {warn && (
        <Badge size="xs" color={left < 0 ? 'red' : 'orange'} variant="light">
          {t(left < 0 ? 'agents.certExpired' : 'agents.certExpiring')}
        </Badge>
      )}
    </Stack>
  );
}

/** The facilities' agents: health at a glance, filters, revocation and enrolling new ones. */
export function AgentsPage() {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  const filters = useSearchFilters();
  const facilityId = filters.get('facilityId');
  const statusParam = filters.get('status');
  const status = isAgentStatus(statusParam) ? statusParam : null;
  const { page } = filters;
  const [enrolOpen, setEnrolOpen] = useState(false);
  const canManage = can('agent:manage');

  const query = { facilityId: facilityId ?? undefined, status: status ?? undefined };
  const {
    query: list,
    total,
    pagination,
  } = usePagedQuery({
    queryKey: [...queryKeys.agents, 'list', query],
    fetchPage: (paging) => agentApi.list({ ...query, ...paging }),
    page,
    pageSize: PAGE_SIZE,
    onPage: (p) => filters.set({ page: p }),
  });
  const revoke = useConfirmedMutation({
    mutationFn: (a: Agent) => agentApi.revoke(a.id),
    onSuccess: (a) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.agents });
      notifications.show({ color: 'teal', message: t('agents.revoked', { host: a.hostname }) });
    },
  });
  const revoking = revoke.target;
  const filtered = !!(facilityId || status);

  return (
    <>
      <PageHeader
        title={t('agents.title')}
        description={t('agents.description')}
        actions={
          canManage && (
            <Button leftSection={<IconPlus size={18} />} onClick={() => setEnrolOpen(true)} data-testid="agent-add">
              {t('agents.add')}
            </Button>
          )
        }
      />
      <Card withBorder radius="md" padding="md">
        <FilterBar total={t('common.total', { count: total })} totalTestId="agents-total">
          <FacilityFilter
            label={t('agents.filterFacility')}
            value={facilityId}
            onChange={(v) => filters.set({ facilityId: v })}
            testId="agents-filter-facility"
          />
          <SelectFilter
            label={t('agents.filterStatus')}
            data={AgentStatusSchema.options.map((s) => ({ value: s, label: t(`agents.status.${s}`) }))}
            value={status}
            onChange={(v) => filters.set({ status: v })}
            width={170}
            testId="agents-filter-status"
          />
        </FilterBar>

        <QueryTable
          pagination={{ ...pagination, testId: 'agents-pagination' }}
          query={list}
          emptyText={t(filtered ? 'agents.emptyFiltered' : canManage ? 'agents.emptyAll' : 'agents.emptyNone')}
          minWidth={1000}
          testId="agents-table"
          striped
          highlightOnHover
          head={
            <>
              <Table.Th>{t('agents.columns.host')}</Table.Th>
              <Table.Th>{t('agents.columns.facility')}</Table.Th>
              <Table.Th>{t('agents.columns.os')}</Table.Th>
              <Table.Th>{t('agents.columns.ips')}</Table.Th>
              <Table.Th>{t('agents.columns.version')}</Table.Th>
              <Table.Th>{t('agents.columns.status')}</Table.Th>
              <Table.Th>{t('agents.columns.lastSeen')}</Table.Th>
              <Table.Th>{t('agents.columns.certExpiry')}</Table.Th>
              {canManage && <Table.Th w={100} />}
            </>
          }
        >
          {list.data?.items.map((a) => (
            <Table.Tr key={a.id} data-testid="agent-row" data-agent-host={a.hostname} data-status={a.status}>
              <Table.Td>
                <Text size="sm" fw={600} ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                  {a.hostname}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{facilities.byId.get(a.facilityId)?.name ?? t('common.unknown')}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`agents.os.${a.os}`, { defaultValue: a.os })}</Text>
                <Text size="xs" c="dimmed" lineClamp={1} maw={220} title={a.osVersion}>
                  {a.osVersion || '—'}
                </Text>
              </Table.Td>
              <Table.Td>
                {a.ips.length === 0 && <Text size="sm">—</Text>}
                {a.ips.slice(0, 3).map((ip) => (
                  <Text key={ip} size="xs" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                    {ip}
                  </Text>
                ))}
                {a.ips.length > 3 && (
                  <Tooltip label={a.ips.join(', ')} multiline w={260}>
                    <Text size="xs" c="dimmed">
                      +{a.ips.length - 3}
                    </Text>
                  </Tooltip>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {a.agentVersion || '—'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge
                  color={STATUS_COLOR[a.status]}
                  variant={a.status === 'online' ? 'light' : 'filled'}
                  styles={{ label: { overflow: 'visible' } }}
                >
                  {t(`agents.status.${a.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {a.lastSeenAt ? (
                  <>
                    <Text size="sm">{formatRelative(a.lastSeenAt, lang, now)}</Text>
                    <Text size="xs" c="dimmed">
                      {formatDateTime(a.lastSeenAt, lang)}
                    </Text>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t('agents.never')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <CertExpiry agent={a} now={now} />
              </Table.Td>
              {canManage && (
                <Table.Td>
                  {a.status !== 'revoked' && (
                    <DangerButton
                      label={t('agents.revoke')}
                      onClick={() => revoke.ask(a)}
                      testId="agent-revoke"
                      icon={IconBan}
                    />
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </QueryTable>
      </Card>

      <ConfirmDialog
        title={t('agents.revokeTitle')}
        body={t('agents.revokeBody', { host: revoking?.hostname ?? '' })}
        confirmLabel={t('agents.revokeOk')}
        color="red"
        {...revoke.dialog}
      />
      <AgentEnrolModal opened={enrolOpen} initialFacilityId={facilityId} onClose={() => setEnrolOpen(false)} />
    </>
  );
}
