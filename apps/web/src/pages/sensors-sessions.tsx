import { PERSONA_KINDS, type PersonaKind, type SensorSession } from '@mamori/contracts';
import { Anchor, Box, Card, Group, Stack, Switch, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { ComponentProps } from 'react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useFacilityDirectory } from '../api/queries.ts';
import { sensorApi, sensorKeys } from '../api/sensors.ts';
import { FacilityFilter, FilterBar, SearchFilter, SelectFilter } from '../components/list-filters.tsx';
import type { ListPagination } from '../components/list-pagination.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTimeSeconds, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useSearchFilters } from '../lib/use-search-filters.ts';
import { formatDuration, PersonaBadge, personaLabel, StageBadge } from './sensors-shared.tsx';

const PAGE_SIZE = 50;
const isPersona = (v: string | null): v is PersonaKind => !!v && (PERSONA_KINDS as readonly string[]).includes(v);

/** Attacker sessions as rows: when, how far the attacker got, from where, which decoy, how long. */
export function SessionsTable({
  query,
  sessions,
  pagination,
  emptyText,
  testId,
  showFacility,
}: {
  query: ComponentProps<typeof QueryTable>['query'];
  sessions: SensorSession[];
  pagination?: ComponentProps<typeof ListPagination>;
  emptyText: string;
  testId: string;
  showFacility: boolean;
}) {
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow(15_000);
  const navigate = useNavigate();
  const facilities = useFacilityDirectory();
  return (
    <QueryTable
      query={query}
      empty={!!query.data && sessions.length === 0}
      pagination={pagination}
      emptyText={emptyText}
      minWidth={940}
      testId={testId}
      striped
      highlightOnHover
      headStyle={{ whiteSpace: 'nowrap' }}
      head={
        <>
          <Table.Th>{t('sensors.sessions.columns.started')}</Table.Th>
          <Table.Th>{t('sensors.sessions.columns.stage')}</Table.Th>
          <Table.Th>{t('sensors.sessions.columns.source')}</Table.Th>
          <Table.Th>{t('sensors.sessions.columns.persona')}</Table.Th>
          <Table.Th>{t('sensors.sessions.columns.sensor')}</Table.Th>
          <Table.Th>{t('sensors.sessions.columns.duration')}</Table.Th>
          <Table.Th ta="right">{t('sensors.sessions.columns.loginsCommands')}</Table.Th>
        </>
      }
    >
      {sessions.map((s) => {
        const to = `/sensors/sessions/${s.id}`;
        const live = !s.endedAt;
        return (
          <Table.Tr
            key={s.id}
            onClick={() => navigate(to)}
            style={{ cursor: 'pointer' }}
            data-testid="sensor-session-row"
            data-stage={s.stage}
            data-persona={s.persona}
          >
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              <Anchor component={Link} to={to} size="sm" onClick={(e) => e.stopPropagation()}>
                {formatDateTimeSeconds(s.startedAt, lang)}
              </Anchor>
              <Text size="xs" c="dimmed">
                {formatRelative(s.startedAt, lang, now)}
              </Text>
            </Table.Td>
            <Table.Td>
              <StageBadge stage={s.stage} />
            </Table.Td>
            <Table.Td maw={200}>
              <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                {s.srcIp}
              </Text>
              {s.usernames.length > 0 && (
                <Text
                  size="xs"
                  c="dimmed"
                  lineClamp={1}
                  title={s.usernames.join(', ')}
                  style={{ wordBreak: 'break-all' }}
                >
                  {t('sensors.sessions.usernames', { names: s.usernames.join(', ') })}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <PersonaBadge kind={s.persona} port={s.dstPort} />
            </Table.Td>
            <Table.Td>
              <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                {s.hostname}
              </Text>
              {showFacility && (
                <Text size="xs" c="dimmed">
                  {facilities.byId.get(s.facilityId)?.name ?? ''}
                </Text>
              )}
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {live ? (
                <Group gap={6} wrap="nowrap" data-testid="sensor-session-live">
                  <Box w={8} h={8} bg="red.6" style={{ borderRadius: '50%', flexShrink: 0 }} />
                  <Text size="sm" c="red.8" fw={600}>
                    {t('sensors.sessions.liveFor', {
                      duration: formatDuration(t, now.getTime() - Date.parse(s.startedAt)),
                    })}
                  </Text>
                </Group>
              ) : (
                <Text size="sm">{formatDuration(t, Date.parse(s.endedAt ?? s.lastAt) - Date.parse(s.startedAt))}</Text>
              )}
            </Table.Td>
            <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
              <Text size="sm" span fw={s.logins ? 600 : undefined}>
                {s.logins}
              </Text>
              <Text size="sm" span c="dimmed">
                {' / '}
              </Text>
              <Text size="sm" span fw={s.commands ? 700 : undefined} c={s.commands ? 'red.8' : undefined}>
                {s.commands}
              </Text>
            </Table.Td>
          </Table.Tr>
        );
      })}
    </QueryTable>
  );
}

/** Every attacker session, filtered by facility, sensor, decoy kind, source address and whether it is still open. */
export function SessionsTab() {
  const { t } = useTranslation();
  const filters = useSearchFilters();
  const facilities = useFacilityDirectory();
  const facilityId = filters.get('facilityId');
  const agentId = filters.get('agentId');
  const personaParam = filters.get('persona');
  const persona = isPersona(personaParam) ? personaParam : null;
  const live = filters.get('live') === 'true';
  const srcIpParam = filters.get('srcIp') ?? '';
  // The address is typed; the list follows once typing pauses.
  const [srcIpText, setSrcIpText] = useState(srcIpParam);
  const [srcIp] = useDebouncedValue(srcIpText.trim(), 400);
  useEffect(() => setSrcIpText(srcIpParam), [srcIpParam]);
  const setFilters = filters.set;
  useEffect(() => {
    // Only once typing has settled, so an address set from elsewhere (a link) is not undone.
    if (srcIp === srcIpText.trim() && srcIp !== srcIpParam) setFilters({ srcIp });
  }, [srcIp, srcIpText, srcIpParam, setFilters]);

  const sensors = useQuery({
    queryKey: [...sensorKeys.all, 'list', 'choices', facilityId],
    queryFn: () => sensorApi.list({ facilityId: facilityId ?? undefined, limit: 500, offset: 0 }),
  });
  const { query, total, pagination } = usePagedQuery({
    queryKey: [...sensorKeys.all, 'sessions', { facilityId, agentId, persona, srcIp: srcIpParam, live }],
    fetchPage: (paging) =>
      sensorApi.sessions({
        facilityId: facilityId ?? undefined,
        agentId: agentId ?? undefined,
        persona: persona ?? undefined,
        srcIp: srcIpParam || undefined,
        live: live ? 'true' : undefined,
        ...paging,
      }),
    page: filters.page,
    pageSize: PAGE_SIZE,
    onPage: (p) => filters.set({ page: p }),
  });
  const filtered = !!(facilityId || agentId || persona || srcIpParam || live);

  return (
    <Stack gap="lg">
      <Card withBorder radius="md" padding="md">
        <Text size="sm" mb="md">
          {t('sensors.sessions.explain')}
        </Text>
        <FilterBar total={t('common.total', { count: total })} totalTestId="sensor-sessions-total">
          <FacilityFilter
            label={t('sensors.filter.facility')}
            value={facilityId}
            onChange={(v) => filters.set({ facilityId: v, agentId: null })}
            testId="sensor-sessions-filter-facility"
          />
          <SelectFilter
            label={t('sensors.filter.sensor')}
            data={(sensors.data?.items ?? []).map((s) => ({ value: s.agentId, label: s.hostname }))}
            value={agentId}
            onChange={(v) => filters.set({ agentId: v })}
            searchable
            width={200}
            testId="sensor-sessions-filter-sensor"
          />
          <SelectFilter
            label={t('sensors.filter.persona')}
            data={PERSONA_KINDS.map((k) => ({ value: k, label: personaLabel(t, k) }))}
            value={persona}
            onChange={(v) => filters.set({ persona: v })}
            width={220}
            testId="sensor-sessions-filter-persona"
          />
          <SearchFilter
            label={t('sensors.filter.srcIp')}
            placeholder={t('sensors.filter.srcIpPlaceholder')}
            value={srcIpText}
            onChange={setSrcIpText}
            testId="sensor-sessions-filter-ip"
          />
          <Switch
            label={t('sensors.filter.liveOnly')}
            checked={live}
            onChange={(e) => filters.set({ live: e.currentTarget.checked ? 'true' : null })}
            mb={8}
            data-testid="sensor-sessions-filter-live"
          />
        </FilterBar>
        <SessionsTable
          query={query}
          sessions={query.data?.items ?? []}
          pagination={{ ...pagination, testId: 'sensor-sessions-pagination' }}
          emptyText={t(filtered ? 'sensors.sessions.emptyFiltered' : 'sensors.sessions.empty')}
          testId="sensor-sessions-table"
          showFacility={facilities.list.length > 1}
        />
        <Text size="xs" c="dimmed" mt="sm">
          {t('sensors.sessions.rowHelp')}
        </Text>
      </Card>
    </Stack>
  );
}
