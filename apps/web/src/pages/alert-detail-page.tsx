import type { AlertDetail, AlertStatus } from '@mamori/contracts';
import {
  Alert,
  Anchor,
  Button,
  Card,
  Code,
  Group,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconAlertTriangle,
  IconArrowLeft,
  IconBulb,
  IconCheck,
  IconCircleCheck,
  IconCircleX,
  IconEye,
  IconFlag,
  IconMessageCircle,
  IconSearch,
  IconUserCheck,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ComponentType, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { alertApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useUserDirectory } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { AlertStatusBadge, SeverityBadge } from '../components/alert-badges.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { QueryError } from '../components/query-error.tsx';
import { currentLang } from '../i18n/index.ts';
import {
  alertAdvice,
  alertTitle,
  describeTimelineEntry,
  isOpen,
  looksLikeTimestamp,
  nextStatuses,
  SEVERITY_COLOR,
} from '../lib/alerts.ts';
import { formatDateTime, formatDateTimeSeconds, formatRelative } from '../lib/format.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STATUS_ACTION: Record<
  Exclude<AlertStatus, 'new'>,
  { testId: string; icon: ComponentType<{ size?: number }>; color: string }
> = {
  acknowledged: { testId: 'alert-status-ack', icon: IconEye, color: 'yellow' },
  investigating: { testId: 'alert-status-investigating', icon: IconSearch, color: 'blue' },
  resolved: { testId: 'alert-status-resolve', icon: IconCircleCheck, color: 'teal' },
  false_positive: { testId: 'alert-status-false-positive', icon: IconCircleX, color: 'gray' },
};

const TIMELINE_ICON: Record<AlertDetail['timeline'][number]['type'], ComponentType<{ size?: number }>> = {
  occurred: IconAlertTriangle,
  status: IconFlag,
  assigned: IconUserCheck,
  comment: IconMessageCircle,
};

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <div>{children}</div>
    </Stack>
  );
}

function DetailValue({ value }: { value: unknown }) {
  const lang = currentLang();
  if (value === null || value === undefined || value === '') return <Text size="sm">—</Text>;
  if (looksLikeTimestamp(value)) {
    return (
      <Text size="sm">
        {formatDateTime(value, lang)}{' '}
        <Text span size="xs" c="dimmed">
          ({formatRelative(value, lang)})
        </Text>
      </Text>
    );
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return (
      <Text size="sm" style={{ wordBreak: 'break-word' }}>
        {String(value)}
      </Text>
    );
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return <Text size="sm">{value.join(', ')}</Text>;
  }
  return <Code block>{JSON.stringify(value, null, 2)}</Code>;
}

/** One alert: what happened and what to do, the facts, triage, comments and the timeline (live). */
export function AlertDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const lang = currentLang();
  const { session, can } = useSession();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  const users = useUserDirectory();
  const [comment, setComment] = useState('');
  const key = [...queryKeys.alerts, 'detail', id];
  // An address that cannot name an alert is "not found", not a form error.
  const wellFormed = UUID.test(id);
  const detail = useQuery({ queryKey: key, queryFn: () => alertApi.get(id), enabled: wellFormed });
  const canTriage = can('alert:triage');

  const saved = (a: AlertDetail) => {
    queryClient.setQueryData(key, a);
    void queryClient.invalidateQueries({ queryKey: queryKeys.alerts, predicate: (q) => q.queryKey[1] !== 'detail' });
  };
  const setStatus = useMutation({
    mutationFn: (status: AlertStatus) => alertApi.update(id, { status }),
    onSuccess: (a) => {
      saved(a);
      notifications.show({
        color: 'teal',
        message: t('alerts.detail.updated', { status: t(`alertStatus.${a.status}`) }),
        autoClose: 3000,
      });
    },
  });
  const assign = useMutation({
    mutationFn: (assigneeId: string | null) => alertApi.update(id, { assigneeId }),
    onSuccess: (a) => {
      saved(a);
      notifications.show({ color: 'teal', message: t('alerts.detail.assigned'), autoClose: 3000 });
    },
  });
  const addComment = useMutation({
    mutationFn: (body: string) => alertApi.comment(id, body),
    onSuccess: (a) => {
      saved(a);
      setComment('');
      notifications.show({ color: 'teal', message: t('alerts.detail.commented'), autoClose: 3000 });
    },
  });

  const back = (
    <Anchor component={Link} to="/alerts" size="sm" data-testid="alert-back">
      <Group gap={4} component="span">
        <IconArrowLeft size={16} />
        {t('alerts.detail.back')}
      </Group>
    </Anchor>
  );

  if (detail.error || !wellFormed) {
    return (
      <Stack gap="md">
        {back}
        <QueryError
          error={detail.error ?? new ApiError(404, 'not_found', 'Alert not found')}
          onRetry={wellFormed ? () => void detail.refetch() : undefined}
        />
      </Stack>
    );
  }
  const a = detail.data;
  if (!a) {
    return (
      <Stack gap="md">
        {back}
        <Skeleton h={40} w="60%" />
        <Skeleton h={160} />
        <Skeleton h={240} />
      </Stack>
    );
  }

  const facilityName = facilities.byId.get(a.facilityId)?.name ?? t('common.unknown');
  const advice = alertAdvice(t, a.kind);
  const userById = (uid: string) =>
    users.byId.get(uid)?.displayName ?? (uid === session?.user.id ? session.user.displayName : undefined);
  const actorName = (email: string | null) => {
    if (!email) return t('common.system');
    return users.list.find((u) => u.email === email)?.displayName ?? email;
  };
  const assigneeOptions = (
    can('user:read')
      ? users.list
          .filter((u) => !u.disabled || u.id === a.assigneeId)
          .map((u) => ({ value: u.id, label: u.displayName }))
      : session
        ? [{ value: session.user.id, label: session.user.displayName }]
        : []
  ).concat(
    a.assigneeId && !users.byId.has(a.assigneeId) && a.assigneeId !== session?.user.id
      ? [{ value: a.assigneeId, label: t('common.unknown') }]
      : [],
  );
  const detailEntries = Object.entries(a.details);
  const busy = setStatus.isPending || assign.isPending;

  return (
    <>
      <Group justify="space-between" mb="xs">
        {back}
        <LiveIndicator />
      </Group>
      <Group gap="xs" mb={6}>
        <SeverityBadge severity={a.severity} size="lg" data-testid="alert-severity" />
        <AlertStatusBadge status={a.status} size="lg" data-testid="alert-status" data-status={a.status} />
      </Group>
      <PageHeader title={alertTitle(t, a)} description={[facilityName, a.hostname].filter(Boolean).join(' · ')} />

      <div className="mamori-alert-layout">
        <Stack gap="lg" style={{ gridArea: 'main' }}>
          <Alert
            color={SEVERITY_COLOR[a.severity]}
            variant="light"
            icon={<IconBulb />}
            title={t('alerts.detail.what')}
            data-testid="alert-advice"
          >
            <Text size="sm">{advice.what}</Text>
            <Text size="sm" fw={700} mt="sm">
              {t('alerts.detail.todo')}
            </Text>
            <Text size="sm">{advice.todo}</Text>
          </Alert>

          <Card withBorder radius="md" padding="lg">
            <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="md" verticalSpacing="md" data-testid="alert-facts">
              <Fact label={t('alerts.detail.facility')}>
                <Text size="sm" fw={600}>
                  {facilityName}
                </Text>
              </Fact>
              <Fact label={t('alerts.detail.host')}>
                <Text size="sm" ff="monospace">
                  {a.hostname ?? '—'}
                </Text>
              </Fact>
              <Fact label={t('alerts.detail.count')}>
                <Text size="sm" fw={600}>
                  {t('alerts.detail.countValue', { count: a.count })}
                </Text>
              </Fact>
              <Fact label={t('alerts.detail.firstSeen')}>
                <Text size="sm">{formatDateTime(a.firstSeenAt, lang)}</Text>
              </Fact>
              <Fact label={t('alerts.detail.lastSeen')}>
                <Text size="sm">{formatDateTime(a.lastSeenAt, lang)}</Text>
                <Text size="xs" c="dimmed">
                  {formatRelative(a.lastSeenAt, lang)}
                </Text>
              </Fact>
              <Fact label={t('alerts.detail.source')}>
                <Text size="sm">
                  {t(`alerts.source.${a.source}`, { defaultValue: a.source })}{' '}
                  <Text span size="xs" c="dimmed" ff="monospace">
                    {a.kind}
                  </Text>
                </Text>
              </Fact>
            </SimpleGrid>
          </Card>
        </Stack>

        <Card withBorder radius="md" padding="lg" style={{ gridArea: 'side' }} data-testid="alert-triage">
          <Title order={2} fz="h4">
            {t('alerts.detail.triage')}
          </Title>
          {canTriage ? (
            <Stack gap="sm" mt="xs">
              <Text size="xs" c="dimmed">
                {t('alerts.detail.triageHelp')}
              </Text>
              {!isOpen(a.status) && (
                <Alert color="teal" variant="light" icon={<IconCircleCheck />} p="xs">
                  <Text size="sm">{t('alerts.detail.closedNote')}</Text>
                </Alert>
              )}
              {nextStatuses(a.status).map((s) => {
                if (s === 'new') return null;
                const action = STATUS_ACTION[s];
                const current = a.status === s;
                return (
                  <Button
                    key={s}
                    variant={current ? 'filled' : 'light'}
                    color={action.color}
                    leftSection={<action.icon size={18} />}
                    rightSection={current ? <IconCheck size={18} /> : undefined}
                    justify="flex-start"
                    fullWidth
                    // The current status is shown pressed; pressing it again changes nothing.
                    aria-pressed={current}
                    disabled={busy && !current}
                    loading={setStatus.isPending && setStatus.variables === s}
                    onClick={() => !current && setStatus.mutate(s)}
                    data-testid={action.testId}
                  >
                    {t(`alerts.actions.${s}`)}
                  </Button>
                );
              })}
              <ErrorAlert error={setStatus.error ?? assign.error} testId="alert-triage-error" />
              <Select
                label={t('alerts.detail.assignee')}
                placeholder={t('alerts.detail.assigneePlaceholder')}
                data={assigneeOptions}
                value={a.assigneeId}
                onChange={(v) => assign.mutate(v)}
                clearable
                searchable
                nothingFoundMessage={t('common.nothingFound')}
                disabled={busy}
                mt="xs"
                data-testid="alert-assignee"
              />
            </Stack>
          ) : (
            <Stack gap="sm" mt="sm">
              <Fact label={t('alerts.detail.status')}>
                <AlertStatusBadge status={a.status} />
              </Fact>
              <Fact label={t('alerts.detail.assignee')}>
                <Text size="sm">
                  {a.assigneeId
                    ? (userById(a.assigneeId) ?? t('common.unknown'))
                    : t('alerts.detail.assigneePlaceholder')}
                </Text>
              </Fact>
              <Text size="xs" c="dimmed">
                {t('alerts.detail.readOnly')}
              </Text>
            </Stack>
          )}
        </Card>

        <Stack gap="lg" style={{ gridArea: 'more' }}>
          <Card withBorder radius="md" padding="lg">
            <Title order={2} fz="h4" mb="sm">
              {t('alerts.detail.details')}
            </Title>
            {detailEntries.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('alerts.detail.noDetails')}
              </Text>
            ) : (
              <Stack gap="xs" data-testid="alert-details">
                {detailEntries.map(([k, v]) => (
                  <Group key={k} align="flex-start" wrap="nowrap" gap="md">
                    <Text size="sm" c="dimmed" w={180} style={{ flexShrink: 0 }}>
                      {t(`alerts.detailKeys.${k}`, { defaultValue: k })}
                    </Text>
                    <div style={{ minWidth: 0, flex: 1 }}>
                      <DetailValue value={v} />
                    </div>
                  </Group>
                ))}
              </Stack>
            )}
          </Card>

          <Card withBorder radius="md" padding="lg">
            <Title order={2} fz="h4" mb="md">
              {t('alerts.detail.timeline')}
            </Title>
            {a.timeline.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('alerts.detail.timelineEmpty')}
              </Text>
            ) : (
              <Timeline active={a.timeline.length} bulletSize={26} lineWidth={2} data-testid="alert-timeline">
                {a.timeline.map((e, i) => {
                  const Icon = TIMELINE_ICON[e.type];
                  return (
                    <Timeline.Item
                      // Entries have no id; their order never changes.
                      // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
                      key={i}
                      bullet={<Icon size={14} />}
                      color={
                        e.type === 'comment' ? 'blue' : e.type === 'occurred' ? SEVERITY_COLOR[a.severity] : 'gray'
                      }
                      title={
                        <Group gap={8} wrap="wrap">
                          <Text size="sm" fw={600}>
                            {t(`alerts.timeline.type.${e.type}`)}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {actorName(e.actorEmail)} · {formatDateTimeSeconds(e.at, lang)}
                          </Text>
                        </Group>
                      }
                      data-testid="alert-timeline-item"
                      data-type={e.type}
                    >
                      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                        {describeTimelineEntry(t, e, userById)}
                      </Text>
                      {e.type === 'occurred' && e.body && (
                        <Text size="xs" c="dimmed">
                          {alertTitle(t, { kind: a.kind, title: e.body, hostname: a.hostname })}
                        </Text>
                      )}
                    </Timeline.Item>
                  );
                })}
              </Timeline>
            )}
            {canTriage && (
              <form
                onSubmit={(ev) => {
                  ev.preventDefault();
                  if (comment.trim()) addComment.mutate(comment.trim());
                }}
              >
                <Stack gap="xs" mt="lg">
                  <Textarea
                    label={t('alerts.detail.comment')}
                    placeholder={t('alerts.detail.commentPlaceholder')}
                    value={comment}
                    onChange={(ev) => setComment(ev.currentTarget.value)}
                    autosize
                    minRows={2}
                    maxRows={8}
                    maxLength={5000}
                    data-testid="alert-comment"
                  />
                  <ErrorAlert error={addComment.error} testId="alert-comment-error" />
                  <Group justify="flex-end">
                    <Button
                      type="submit"
                      leftSection={<IconMessageCircle size={16} />}
                      loading={addComment.isPending}
                      disabled={!comment.trim()}
                      data-testid="alert-comment-submit"
                    >
                      {t('alerts.detail.commentSubmit')}
                    </Button>
                  </Group>
                </Stack>
              </form>
            )}
          </Card>
        </Stack>
      </div>
    </>
  );
}
