import type { SensorInteraction, SensorSessionDetail } from '@mamori/contracts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft, IconBell, IconBug, IconListSearch } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useFacilityDirectory } from '../api/queries.ts';
import { sensorApi, sensorKeys } from '../api/sensors.ts';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { ListPagination } from '../components/list-pagination.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryError } from '../components/query-error.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTimeSeconds } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { cvesOf, replaySteps } from './sensors-model.ts';
import { offsetLabel, SessionReplay } from './sensors-replay.tsx';
import { formatDuration, personaLabel, StageBadge, useSensorLiveRefresh } from './sensors-shared.tsx';

const TABLE_PAGE = 100;
// An open session is re-read this often, so its replay grows while the attacker types.
const LIVE_POLL_MS = 5000;

const INTERACTION_COLOR: Record<SensorInteraction['interaction'], string> = {
  connect: 'gray',
  disconnect: 'gray',
  scan: 'grape',
  request: 'blue',
  malformed: 'pink',
  login: 'yellow',
  exploit: 'red',
  command: 'red',
  download: 'orange',
};

// Info fields shown elsewhere in the row (or too long to help in one line).
const INFO_SHOWN = new Set(['cve', 'ports', 'parts']);

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group align="flex-start" wrap="nowrap" gap="md">
      <Text size="xs" c="dimmed" w={120} style={{ flexShrink: 0 }} pt={2}>
        {label}
      </Text>
      <div style={{ minWidth: 0, flex: 1 }}>{children}</div>
    </Group>
  );
}

/** The rest of an interaction's protocol details, as "key: value" in one small line. */
function InfoLine({ info }: { info: Record<string, unknown> }) {
  const entries = Object.entries(info).filter(([k]) => !INFO_SHOWN.has(k));
  if (!entries.length) return null;
  const text = entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
  return (
    <Text size="xs" c="dimmed" lineClamp={2} title={text} style={{ wordBreak: 'break-all' }}>
      {text}
    </Text>
  );
}

/** What one interaction was, in a table cell: the login, the command, the URL (never fetched), the exploit. */
function InteractionContent({ i }: { i: SensorInteraction }) {
  const { t } = useTranslation();
  switch (i.interaction) {
    case 'login':
      return (
        <Group gap="xs" wrap="wrap">
          <Text size="sm">
            {t('sensors.session.loginWith')}{' '}
            <Text span ff="monospace" fw={600}>
              {i.username ?? '—'}
            </Text>{' '}
            /{' '}
            <Text span ff="monospace" fw={600} c="orange.9">
              {i.password ?? '—'}
            </Text>
          </Text>
          <Badge size="sm" color={i.success ? 'orange' : 'gray'} variant={i.success ? 'filled' : 'light'}>
            {t(i.success ? 'sensors.session.loginOk' : 'sensors.session.loginFailed')}
          </Badge>
        </Group>
      );
    case 'command':
      return (
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {i.command ?? ''}
        </Code>
      );
    case 'download':
      return (
        <Stack gap={4}>
          <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }} data-testid="sensor-download-url">
            {i.url ?? i.summary ?? ''}
          </Text>
          <Tooltip label={t('sensors.session.notFetchedHelp')} multiline w={300} withArrow>
            <Badge size="sm" color="teal" variant="light" w="fit-content" data-testid="sensor-download-not-fetched">
              {t('sensors.session.notFetched')}
            </Badge>
          </Tooltip>
        </Stack>
      );
    case 'exploit': {
      const cves = cvesOf(i.info);
      return (
        <Stack gap={4}>
          <Text size="sm" fw={600} style={{ wordBreak: 'break-all' }}>
            {i.summary ?? i.url ?? ''}
          </Text>
          {cves.length > 0 && (
            <Group gap={4}>
              {cves.map((c) => (
                <Badge key={c} size="sm" color="red" variant="filled" data-testid="sensor-exploit-cve">
                  {c}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
      );
    }
    case 'scan': {
      const ports = Array.isArray(i.info.ports) ? (i.info.ports as unknown[]).map(String) : [];
      return (
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          {t('sensors.session.scanPorts', { count: ports.length, ports: ports.slice(0, 40).join(', ') })}
        </Text>
      );
    }
    case 'connect':
      return <Text size="sm">{t('sensors.session.connected')}</Text>;
    case 'disconnect':
      return (
        <Text size="sm">
          {typeof i.info.seconds === 'number'
            ? t('sensors.replay.disconnectAfter', { duration: formatDuration(t, i.info.seconds * 1000) })
            : t('sensors.replay.disconnect')}
        </Text>
      );
    default:
      return (
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          {i.summary ?? i.url ?? '—'}
        </Text>
      );
  }
}

/** Every interaction of the session in order, with times, in pages of 100. */
function InteractionsTable({ session }: { session: SensorSessionDetail }) {
  const { t } = useTranslation();
  const lang = currentLang();
  const [page, setPage] = useState(1);
  const steps = useMemo(() => replaySteps(session.interactions), [session.interactions]);
  const from = (page - 1) * TABLE_PAGE;
  const shown = session.interactions.slice(from, from + TABLE_PAGE);
  return (
    <Card withBorder radius="md" padding="lg" style={{ gridArea: 'more' }}>
      <Title order={2} fz="h4">
        {t('sensors.session.tableTitle')}
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        {t('sensors.session.tableHelp', { count: session.interactions.length })}
      </Text>
      <Table.ScrollContainer minWidth={600}>
        <Table striped verticalSpacing="xs" data-testid="sensor-interactions">
          <Table.Thead>
            <Table.Tr style={{ whiteSpace: 'nowrap' }}>
              <Table.Th>{t('sensors.session.columns.at')}</Table.Th>
              <Table.Th>{t('sensors.session.columns.kind')}</Table.Th>
              <Table.Th>{t('sensors.session.columns.what')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((i, k) => (
              // Interactions have no id; their order is fixed.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <Table.Tr key={from + k} data-testid="sensor-interaction-row" data-kind={i.interaction}>
                <Table.Td style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
                  <Text size="sm">{formatDateTimeSeconds(i.at, lang)}</Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {offsetLabel(steps[from + k]?.offsetMs ?? 0)}
                  </Text>
                </Table.Td>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Badge
                    color={INTERACTION_COLOR[i.interaction]}
                    variant="light"
                    styles={{ label: { overflow: 'visible' } }}
                  >
                    {t(`sensors.interaction.${i.interaction}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    <InteractionContent i={i} />
                    <InfoLine info={i.info} />
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {session.interactions.length === 0 && (
        <Text size="sm" c="dimmed" ta="center" py="lg">
          {t('sensors.replay.nothing')}
        </Text>
      )}
      <ListPagination
        total={session.interactions.length}
        pageSize={TABLE_PAGE}
        page={page}
        onChange={setPage}
        testId="sensor-interactions-pagination"
      />
    </Card>
  );
}

/** One attacker session: who, which decoy, how far they got, what to do, the replay and every interaction. */
export function SensorSessionPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow(5000);
  const facilities = useFacilityDirectory();
  useSensorLiveRefresh();
  const queryClient = useQueryClient();
  const key = [...sensorKeys.all, 'session', id];
  const query = useQuery({
    queryKey: key,
    // The first read is the user's; the re-reads of an open session are not (idle sign-out still applies).
    queryFn: () => sensorApi.session(id, { background: queryClient.getQueryData(key) !== undefined }),
    refetchInterval: (q) => (q.state.data && !q.state.data.endedAt ? LIVE_POLL_MS : false),
  });
  const s = query.data;

  const back = (
    <Anchor component={Link} to="/sensors?tab=sessions" size="sm" data-testid="sensor-session-back">
      <Group gap={4} component="span">
        <IconArrowLeft size={16} />
        {t('sensors.session.back')}
      </Group>
    </Anchor>
  );
  if (query.error) {
    return (
      <Stack gap="md">
        {back}
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  if (!s) {
    return (
      <Stack gap="md">
        {back}
        <Skeleton h={40} w="50%" />
        <Skeleton h={300} />
      </Stack>
    );
  }
  const live = !s.endedAt;
  const facility = facilities.byId.get(s.facilityId)?.name;
  const exploits = s.interactions.filter((i) => i.interaction === 'exploit');
  const cves = [...new Set(exploits.flatMap((i) => cvesOf(i.info)))];
  const end = s.endedAt ?? s.lastAt;

  return (
    <>
      <Group justify="space-between" mb="xs">
        {back}
        <LiveIndicator />
      </Group>
      <PageHeader
        title={t('sensors.session.title', { ip: s.srcIp })}
        description={[
          t('sensors.session.subtitle', { persona: personaLabel(t, s.persona), port: s.dstPort, host: s.hostname }),
          facility,
        ]
          .filter(Boolean)
          .join(' · ')}
      />
      <Group gap="xs" mb="lg" mt={-8}>
        <StageBadge stage={s.stage} size="lg" data-testid="sensor-session-stage" />
        <SeverityBadge severity={s.severity} size="lg" />
        {live ? (
          <Badge size="lg" color="red" variant="dot" data-testid="sensor-session-live">
            {t('sensors.session.live')}
          </Badge>
        ) : (
          <Badge size="lg" color="gray" variant="light">
            {t('sensors.session.ended')}
          </Badge>
        )}
      </Group>

      <div className="mamori-alert-layout">
        <div style={{ gridArea: 'main', minWidth: 0 }}>
          <SessionReplay session={s} />
        </div>

        <Stack gap="lg" style={{ gridArea: 'side' }}>
          <Alert
            color={s.stage === 'command' || s.stage === 'login_success' ? 'red' : 'blue'}
            variant="light"
            icon={<IconAlertTriangle />}
            title={t('sensors.session.whatTitle')}
            data-testid="sensor-session-advice"
          >
            <Text size="sm">{t(`sensors.advice.${s.stage}.what`)}</Text>
            <Text size="sm" fw={700} mt="sm">
              {t('sensors.session.todoTitle')}
            </Text>
            <Text size="sm">{t(`sensors.advice.${s.stage}.todo`)}</Text>
          </Alert>
          {exploits.length > 0 && (
            <Alert
              color="red"
              variant="light"
              icon={<IconBug />}
              title={t('sensors.session.exploitTitle')}
              data-testid="sensor-session-exploit"
            >
              <Text size="sm">
                {cves.length
                  ? t('sensors.session.exploitNote', { cves: cves.join(', ') })
                  : t('sensors.session.exploitNoteNoCve')}
              </Text>
            </Alert>
          )}
          <Card withBorder radius="md" padding="lg">
            <Title order={2} fz="h4" mb="sm">
              {t('sensors.session.facts')}
            </Title>
            <Stack gap={8}>
              <Fact label={t('sensors.session.source')}>
                <Text size="sm" ff="monospace" fw={600}>
                  {s.srcIp}
                  <Text span c="dimmed" size="xs">
                    {' '}
                    {t('sensors.session.srcPort', { port: s.srcPort })}
                  </Text>
                </Text>
              </Fact>
              <Fact label={t('sensors.session.persona')}>
                <Text size="sm">
                  {personaLabel(t, s.persona)} {t('sensors.session.port', { port: s.dstPort })}
                </Text>
                <Text size="xs" c="dimmed">
                  {t(`sensors.persona.${s.persona}.help`)}
                </Text>
              </Fact>
              <Fact label={t('sensors.session.sensor')}>
                <Text size="sm" ff="monospace">
                  {s.hostname}
                </Text>
                {facility && (
                  <Text size="xs" c="dimmed">
                    {facility}
                  </Text>
                )}
              </Fact>
              <Fact label={t('sensors.session.started')}>
                <Text size="sm">{formatDateTimeSeconds(s.startedAt, lang)}</Text>
              </Fact>
              <Fact label={t('sensors.session.lastAt')}>
                <Text size="sm">{formatDateTimeSeconds(s.lastAt, lang)}</Text>
              </Fact>
              <Fact label={t('sensors.session.duration')}>
                <Text size="sm">
                  {live
                    ? t('sensors.sessions.liveFor', {
                        duration: formatDuration(t, now.getTime() - Date.parse(s.startedAt)),
                      })
                    : formatDuration(t, Date.parse(end) - Date.parse(s.startedAt))}
                </Text>
              </Fact>
              <SimpleGrid cols={2} spacing="sm" mt={4}>
                <Stack gap={0}>
                  <Text size="xs" c="dimmed">
                    {t('sensors.sessions.columns.logins')}
                  </Text>
                  <Text fw={700} fz="xl" data-testid="sensor-session-logins">
                    {s.logins}
                  </Text>
                </Stack>
                <Stack gap={0}>
                  <Text size="xs" c="dimmed">
                    {t('sensors.sessions.columns.commands')}
                  </Text>
                  <Text fw={700} fz="xl" c={s.commands ? 'red.8' : undefined} data-testid="sensor-session-commands">
                    {s.commands}
                  </Text>
                </Stack>
              </SimpleGrid>
              {s.usernames.length > 0 && (
                <Fact label={t('sensors.sessions.columns.usernames')}>
                  <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {s.usernames.join(', ')}
                  </Text>
                </Fact>
              )}
            </Stack>
            <Group gap="xs" mt="md">
              {s.alertId && (
                <Button
                  component={Link}
                  to={`/alerts/${s.alertId}`}
                  size="compact-sm"
                  variant="light"
                  leftSection={<IconBell size={14} />}
                  data-testid="sensor-session-alert"
                >
                  {t('sensors.session.openAlert')}
                </Button>
              )}
              <Button
                component={Link}
                to={`/sensors?tab=sessions&srcIp=${encodeURIComponent(s.srcIp)}`}
                size="compact-sm"
                variant="default"
                leftSection={<IconListSearch size={14} />}
                data-testid="sensor-session-same-source"
              >
                {t('sensors.session.sameSource')}
              </Button>
            </Group>
          </Card>
        </Stack>

        <InteractionsTable session={s} />
      </div>
    </>
  );
}
