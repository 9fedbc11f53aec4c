import type { IsolationState, TimelineEntry } from '@mamori/contracts';
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
  Textarea,
  Timeline,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowLeft,
  IconArrowRight,
  IconBroadcast,
  IconFileAlert,
  IconFishHook,
  IconFolders,
  IconNetwork,
  IconNetworkOff,
  IconShieldX,
} from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type ComponentType, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { decoyApi } from '../api/decoys.ts';
import { queryKeys, useFacilityDirectory, useRefreshAfterChange } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryError } from '../components/query-error.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { currentLang } from '../i18n/index.ts';
import { SEVERITY_COLOR } from '../lib/alerts.ts';
import {
  coverageStatus,
  type Evidence,
  evidenceOf,
  fileName,
  formatBytes,
  formatEntropy,
  isolationView,
  kindKey,
  shortHash,
} from '../lib/decoys.ts';
import { formatDateTime, formatDateTimeSeconds, formatRelative } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { usePagedQuery } from '../lib/use-paged-query.ts';
import { useCoverage } from './decoys-coverage.tsx';
import { AgentStatusBadge, CoverageBadge, IsolationBadge, useDecoyLiveRefresh } from './decoys-shared.tsx';

const DECOY_PAGE = 50;

function kindIcon(kind: string): ComponentType<{ size?: number }> {
  if (kind.startsWith('tree.')) return IconFolders;
  if (kind === 'containment.isolated' || kind === 'containment.failed') return IconNetworkOff;
  if (kind === 'containment.released') return IconNetwork;
  if (kind.startsWith('containment.')) return IconShieldX;
  if (kind.startsWith('beacon.')) return IconBroadcast;
  if (kind.startsWith('decoys.')) return IconFishHook;
  return IconFileAlert;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group align="flex-start" wrap="nowrap" gap="md">
      <Text size="xs" c="dimmed" w={150} style={{ flexShrink: 0 }} pt={2}>
        {label}
      </Text>
      <div style={{ minWidth: 0, flex: 1 }}>{children}</div>
    </Group>
  );
}

function Hash({ value }: { value: string | null }) {
  const { t } = useTranslation();
  if (!value)
    return (
      <Text span size="sm">
        {t('decoys.evidence.gone')}
      </Text>
    );
  return (
    <Tooltip label={value} maw={560} multiline style={{ wordBreak: 'break-all' }}>
      <Text span size="sm" ff="monospace">
        {shortHash(value)}
      </Text>
    </Tooltip>
  );
}

function BeforeAfter({ before, after }: { before: ReactNode; after: ReactNode }) {
  return (
    <Group gap={6} wrap="wrap">
      {before}
      <IconArrowRight size={14} color="var(--mantine-color-dimmed)" />
      {after}
    </Group>
  );
}

/** The evidence of one timeline entry, in plain rows (file, hashes, entropy, process, user…). */
function EvidenceView({ e }: { e: Evidence }) {
  const { t } = useTranslation();
  const lang = currentLang();
  const bytes = (n: number | null) => (n === null ? '—' : t('decoys.bytes', { size: formatBytes(n, lang) }));
  const rows: ReactNode[] = [];
  if (e.file)
    rows.push(
      <Row key="file" label={t('decoys.evidence.file')}>
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {e.file}
        </Text>
      </Row>,
    );
  if (e.sha256)
    rows.push(
      <Row key="sha" label={t('decoys.evidence.sha256')}>
        <BeforeAfter before={<Hash value={e.sha256.before} />} after={<Hash value={e.sha256.after} />} />
      </Row>,
    );
  if (e.size && (e.size.before !== null || e.size.after !== null))
    rows.push(
      <Row key="size" label={t('decoys.evidence.size')}>
        <BeforeAfter
          before={<Text size="sm">{bytes(e.size.before)}</Text>}
          after={<Text size="sm">{bytes(e.size.after)}</Text>}
        />
      </Row>,
    );
  if (e.entropy) {
    const high = (e.entropy.after ?? 0) >= 7.5;
    rows.push(
      <Row key="entropy" label={t('decoys.evidence.entropy')}>
        <BeforeAfter
          before={<Text size="sm">{formatEntropy(e.entropy.before)}</Text>}
          after={
            <Text size="sm" fw={high ? 700 : undefined} c={high ? 'red.8' : undefined}>
              {formatEntropy(e.entropy.after)}
            </Text>
          }
        />
        <Text size="xs" c="dimmed">
          {t(high ? 'decoys.evidence.entropyHigh' : 'decoys.evidence.entropyHelp')}
        </Text>
      </Row>,
    );
  }
  if (e.pid !== undefined || e.cmdline)
    rows.push(
      <Row key="proc" label={t('decoys.evidence.process')}>
        <Text size="sm">
          {e.pid !== undefined && t('decoys.evidence.pid', { pid: e.pid })}
          {e.processName && ` · ${e.processName}`}
        </Text>
        {e.cmdline && (
          <Code block mt={4} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {e.cmdline}
          </Code>
        )}
      </Row>,
    );
  if (e.user)
    rows.push(
      <Row key="user" label={t('decoys.evidence.user')}>
        <Text size="sm" ff="monospace">
          {e.user}
        </Text>
      </Row>,
    );
  if (e.count !== undefined)
    rows.push(
      <Row key="count" label={t('decoys.evidence.count')}>
        <Text size="sm">
          {t('decoys.evidence.countValue', { count: e.count })}
          {e.extension && ` · .${e.extension}`}
        </Text>
        {e.examples?.map((x) => (
          <Text key={x} size="xs" ff="monospace" c="dimmed" style={{ wordBreak: 'break-all' }}>
            {x}
          </Text>
        ))}
      </Row>,
    );
  if (e.channel)
    rows.push(
      <Row key="channel" label={t('decoys.beacons.columns.channel')}>
        <Text size="sm">{t(`decoys.beacons.channel.${e.channel}`, { defaultValue: e.channel })}</Text>
      </Row>,
    );
  if (e.ip)
    rows.push(
      <Row key="ip" label={t('decoys.beacons.columns.ip')}>
        <Text size="sm" ff="monospace">
          {e.ip}
        </Text>
        <Text size="xs" c="dimmed">
          {t(e.channel === 'dns' ? 'decoys.beacons.ipResolver' : 'decoys.beacons.ipMachine')}
        </Text>
      </Row>,
    );
  if (e.userAgent)
    rows.push(
      <Row key="ua" label={t('decoys.beacons.columns.userAgent')}>
        <Text size="xs" style={{ wordBreak: 'break-all' }}>
          {e.userAgent}
        </Text>
      </Row>,
    );
  if (e.reason)
    rows.push(
      <Row key="reason" label={t('decoys.evidence.reason')}>
        <Text size="sm">{t(`decoys.evidence.reasons.${e.reason}`, { defaultValue: e.reason })}</Text>
      </Row>,
    );
  if (e.error)
    rows.push(
      <Row key="error" label={t('decoys.evidence.error')}>
        <Text size="sm" c="red.8" style={{ wordBreak: 'break-word' }}>
          {e.error}
        </Text>
      </Row>,
    );
  if (e.problems?.length)
    rows.push(
      <Row key="problems" label={t('decoys.columns.problems')}>
        {e.problems.map((p) => (
          <Text key={p.directory} size="xs" style={{ wordBreak: 'break-all' }}>
            <Text span ff="monospace" size="xs">
              {p.directory}
            </Text>
            : {p.message}
          </Text>
        ))}
      </Row>,
    );
  if (!rows.length) return null;
  return (
    <Stack gap={6} mt={6} data-testid="decoy-evidence">
      {rows}
    </Stack>
  );
}

function TimelineItemTitle({ entry }: { entry: TimelineEntry }) {
  const { t } = useTranslation();
  const lang = currentLang();
  return (
    <Group gap={8} wrap="wrap">
      <SeverityBadge severity={entry.severity} size="sm" />
      <Text size="sm" fw={700}>
        {t(`decoys.timeline.kind.${kindKey(entry.kind)}`, { defaultValue: entry.kind })}
      </Text>
      <Text size="xs" c="dimmed">
        {formatDateTimeSeconds(entry.at, lang)}
      </Text>
    </Group>
  );
}

/** Isolation: the current state in words and the SOC's buttons (with a required reason). */
function IsolationCard({
  agentId,
  hostname,
  revoked,
  host,
}: {
  agentId: string;
  hostname: string;
  revoked: boolean;
  host: { isolated: boolean; isolationDesired: IsolationState | null };
}) {
  const { t } = useTranslation();
  const { can } = useSession();
  const refresh = useRefreshAfterChange(queryKeys.decoys);
  const [asking, setAsking] = useState<IsolationState | null>(null);
  const [reason, setReason] = useState('');
  const view = isolationView(host);
  const change = useMutation({
    mutationFn: (v: { desired: IsolationState; reason: string }) => decoyApi.setIsolation(agentId, v.desired, v.reason),
    onSuccess: (_, v) => {
      refresh();
      notifications.show({
        color: v.desired === 'isolated' ? 'orange' : 'teal',
        message: t(v.desired === 'isolated' ? 'decoys.host.isolateRequested' : 'decoys.host.releaseRequested', {
          host: hostname,
        }),
      });
      setAsking(null);
    },
  });
  // After an isolation request (done or not), the next step is to release it, and vice versa.
  const next: IsolationState = view === 'isolated' || view === 'isolating' ? 'released' : 'isolated';
  const canIsolate = can('host:isolate');

  return (
    <Card withBorder radius="md" padding="lg" data-testid="decoy-host-isolation" data-isolation={view}>
      <Title order={2} fz="h4" mb="xs">
        {t('decoys.host.isolationTitle')}
      </Title>
      <IsolationBadge host={host} size="lg" mb="sm" />
      <Text size="sm" mb="sm">
        {t(`decoys.host.isolationState.${view}`)}
      </Text>
      {canIsolate && !revoked && (
        <Button
          color={next === 'isolated' ? 'red' : 'teal'}
          variant={next === 'isolated' ? 'filled' : 'light'}
          leftSection={next === 'isolated' ? <IconNetworkOff size={18} /> : <IconNetwork size={18} />}
          fullWidth
          onClick={() => {
            change.reset();
            setReason('');
            setAsking(next);
          }}
          data-testid={next === 'isolated' ? 'decoy-host-isolate' : 'decoy-host-release'}
        >
          {t(next === 'isolated' ? 'decoys.host.isolate' : 'decoys.host.release')}
        </Button>
      )}
      {canIsolate && revoked && (
        <Text size="xs" c="dimmed">
          {t('decoys.host.revokedNoIsolation')}
        </Text>
      )}
      {!canIsolate && (
        <Text size="xs" c="dimmed">
          {t('decoys.host.isolationReadOnly')}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt="sm">
        {t('decoys.host.isolationHow')}
      </Text>
      <ConfirmDialog
        opened={!!asking}
        title={t(asking === 'isolated' ? 'decoys.host.isolateTitle' : 'decoys.host.releaseTitle', { host: hostname })}
        body={t(asking === 'isolated' ? 'decoys.host.isolateBody' : 'decoys.host.releaseBody', { host: hostname })}
        confirmLabel={t(asking === 'isolated' ? 'decoys.host.isolateOk' : 'decoys.host.releaseOk')}
        color={asking === 'isolated' ? 'red' : 'teal'}
        loading={change.isPending}
        error={change.error}
        confirmDisabled={!reason.trim()}
        onConfirm={() => asking && reason.trim() && change.mutate({ desired: asking, reason: reason.trim() })}
        onClose={() => setAsking(null)}
      >
        <Textarea
          label={t('decoys.host.reason')}
          description={t('decoys.host.reasonHelp')}
          placeholder={t(
            asking === 'isolated' ? 'decoys.host.reasonPlaceholder' : 'decoys.host.reasonReleasePlaceholder',
          )}
          required
          autosize
          minRows={2}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-autofocus
          data-testid="decoy-host-reason"
        />
      </ConfirmDialog>
    </Card>
  );
}

/** One host: its decoys, its attack timeline with evidence, and network isolation by the SOC. */
export function DecoyHostPage() {
  const { agentId = '' } = useParams();
  const { t } = useTranslation();
  const lang = currentLang();
  const now = useNow();
  const facilities = useFacilityDirectory();
  const [page, setPage] = useState(1);
  useDecoyLiveRefresh();
  const coverage = useCoverage(null);
  const host = coverage.data?.hosts.find((h) => h.agentId === agentId);
  const timeline = useQuery({
    queryKey: [...queryKeys.decoys, 'timeline', agentId],
    queryFn: () => decoyApi.timeline(agentId),
    enabled: !!host,
  });
  const { query: decoys, pagination: decoysPages } = usePagedQuery({
    queryKey: [...queryKeys.decoys, 'host-decoys', agentId],
    fetchPage: (paging) => decoyApi.decoys({ agentId, ...paging }),
    page,
    pageSize: DECOY_PAGE,
    onPage: setPage,
    enabled: !!host,
  });

  const back = (
    <Anchor component={Link} to="/decoys" size="sm" data-testid="decoy-host-back">
      <Group gap={4} component="span">
        <IconArrowLeft size={16} />
        {t('decoys.host.back')}
      </Group>
    </Anchor>
  );
  if (coverage.error || (coverage.data && !host)) {
    return (
      <Stack gap="md">
        {back}
        <QueryError
          error={coverage.error ?? new ApiError(404, 'not_found', 'Agent not found')}
          onRetry={() => void coverage.refetch()}
        />
      </Stack>
    );
  }
  if (!host) {
    return (
      <Stack gap="md">
        {back}
        <Skeleton h={40} w="50%" />
        <Skeleton h={200} />
      </Stack>
    );
  }
  const entries = timeline.data?.entries ?? [];
  const status = coverageStatus(host, now);

  return (
    <>
      <Group justify="space-between" mb="xs">
        {back}
        <LiveIndicator />
      </Group>
      <PageHeader
        title={host.hostname}
        description={`${facilities.byId.get(host.facilityId)?.name ?? ''} · ${t('decoys.host.subtitle')}`}
      />
      <Group gap="xs" mb="lg" mt={-8}>
        <AgentStatusBadge status={host.agentStatus} size="lg" />
        <CoverageBadge status={status} size="lg" />
        <IsolationBadge host={host} size="lg" data-testid="decoy-host-isolation-badge" />
      </Group>

      <div className="mamori-alert-layout">
        <Card withBorder radius="md" padding="lg" style={{ gridArea: 'main' }}>
          <Group justify="space-between" mb="md">
            <Title order={2} fz="h4">
              {t('decoys.host.timeline')}
            </Title>
            <Text size="xs" c="dimmed">
              {t('decoys.host.timelineHelp')}
            </Text>
          </Group>
          {timeline.error && <QueryError error={timeline.error} onRetry={() => void timeline.refetch()} />}
          {timeline.isLoading && <Skeleton h={160} />}
          {timeline.data && entries.length === 0 && (
            <Text size="sm" c="dimmed" data-testid="decoy-timeline-empty">
              {t('decoys.host.timelineEmpty')}
            </Text>
          )}
          {entries.length > 0 && (
            <Timeline active={entries.length} bulletSize={28} lineWidth={2} data-testid="decoy-timeline">
              {entries.map((e, i) => {
                const Icon = kindIcon(e.kind);
                return (
                  <Timeline.Item
                    // Entries have no id; the newest come first and the list is replaced as a whole.
                    // biome-ignore lint/suspicious/noArrayIndexKey: see above
                    key={`${e.at}-${e.kind}-${i}`}
                    bullet={<Icon size={16} />}
                    color={SEVERITY_COLOR[e.severity]}
                    title={<TimelineItemTitle entry={e} />}
                    data-testid="decoy-timeline-item"
                    data-kind={e.kind}
                    data-severity={e.severity}
                  >
                    <Text size="sm" c="dimmed" style={{ wordBreak: 'break-word' }}>
                      {e.title}
                    </Text>
                    <EvidenceView e={evidenceOf(e.details)} />
                    {e.alertId && (
                      <Anchor
                        component={Link}
                        to={`/alerts/${e.alertId}`}
                        size="sm"
                        mt={6}
                        display="inline-block"
                        data-testid="decoy-timeline-alert"
                      >
                        {t('decoys.host.openAlert')}
                      </Anchor>
                    )}
                  </Timeline.Item>
                );
              })}
            </Timeline>
          )}
        </Card>

        <Stack gap="lg" style={{ gridArea: 'side' }}>
          <IsolationCard
            agentId={agentId}
            hostname={host.hostname}
            revoked={host.agentStatus === 'revoked'}
            host={host}
          />
          <Card withBorder radius="md" padding="lg">
            <Title order={2} fz="h4" mb="sm">
              {t('decoys.host.summary')}
            </Title>
            <SimpleGrid cols={2} spacing="sm">
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('decoys.columns.decoys')}
                </Text>
                <Text fw={700} fz="xl" data-testid="decoy-host-decoy-count">
                  {host.decoys}
                </Text>
              </Stack>
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('decoys.columns.directories')}
                </Text>
                <Text fw={700} fz="xl">
                  {host.directories}
                </Text>
              </Stack>
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('decoys.columns.beacons')}
                </Text>
                <Text fw={700} fz="xl">
                  {host.beacons}
                </Text>
              </Stack>
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('decoys.columns.verified')}
                </Text>
                <Text size="sm" fw={600}>
                  {host.verifiedAt ? formatRelative(host.verifiedAt, lang, now) : t('decoys.neverVerified')}
                </Text>
              </Stack>
            </SimpleGrid>
            {host.problems.length > 0 && (
              <Alert color="yellow" variant="light" mt="md" p="xs" title={t('decoys.columns.problems')}>
                {host.problems.map((p) => (
                  <Text key={p.directory} size="xs" style={{ wordBreak: 'break-all' }}>
                    {p.directory}: {p.message}
                  </Text>
                ))}
              </Alert>
            )}
          </Card>
        </Stack>

        <Card withBorder radius="md" padding="lg" style={{ gridArea: 'more' }}>
          <Title order={2} fz="h4">
            {t('decoys.host.decoys')}
          </Title>
          <Text size="xs" c="dimmed" mb="sm">
            {t('decoys.host.decoysHelp')}
          </Text>
          <QueryTable
            pagination={{ ...decoysPages, testId: 'decoy-host-decoys-pagination' }}
            query={decoys}
            emptyText={t('decoys.host.decoysEmpty')}
            minWidth={640}
            testId="decoy-host-decoys"
            striped
            verticalSpacing="xs"
            head={
              <>
                <Table.Th>{t('decoys.host.columns.path')}</Table.Th>
                <Table.Th>{t('decoys.host.columns.kind')}</Table.Th>
                <Table.Th ta="right">{t('decoys.host.columns.size')}</Table.Th>
                <Table.Th>{t('decoys.host.columns.sha256')}</Table.Th>
                <Table.Th>{t('decoys.host.columns.beacon')}</Table.Th>
              </>
            }
          >
            {decoys.data?.items.map((d) => (
              <Table.Tr key={d.path} data-testid="decoy-row">
                <Table.Td>
                  <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {fileName(d.path)}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {d.directory}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {t(`decoys.kind.${d.kind}`)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{t('decoys.bytes', { size: formatBytes(d.size, lang) })}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Hash value={d.sha256} />
                </Table.Td>
                <Table.Td>
                  {d.beaconToken ? (
                    <Badge size="sm" variant="light" color="grape">
                      {t('decoys.host.beaconYes')}
                    </Badge>
                  ) : (
                    <Text size="xs" c="dimmed">
                      —
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </QueryTable>
          {host.verifiedAt && (
            <Text size="xs" c="dimmed" mt="sm">
              {t('decoys.host.verifiedAt', { at: formatDateTime(host.verifiedAt, lang) })}
            </Text>
          )}
        </Card>
      </div>
    </>
  );
}
