import type { Channel, CreateChannelRequest } from '@mamori/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import {
  IconBrandSlack,
  IconBrandTeams,
  IconCheck,
  IconCopy,
  IconKey,
  IconMail,
  IconPlus,
  IconServer,
  IconShieldLock,
  IconTrash,
  IconWebhook,
} from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ComponentType, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notificationApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useNotificationChannels, useNotificationRules } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { QueryError } from '../components/query-error.tsx';
import { TableState } from '../components/table-state.tsx';
import { currentLang } from '../i18n/index.ts';
import { formatDateTime } from '../lib/format.ts';
import {
  CHANNEL_KINDS,
  type ChannelForm,
  channelServerErrors,
  emptyChannelForm,
  generateSecret,
  toChannelRequest,
  validateChannelForm,
} from '../lib/notifications.ts';

/** The icon of each kind of channel. */
export const CHANNEL_ICON: Record<Channel['kind'], ComponentType<{ size?: number }>> = {
  email: IconMail,
  webhook: IconWebhook,
  slack: IconBrandSlack,
  teams: IconBrandTeams,
  syslog: IconServer,
};

// Select value standing for "no facility": a region-level channel.
const REGION = 'region';

/** A channel's kind as a small badge with its icon. */
export function ChannelKindBadge({ kind }: { kind: Channel['kind'] }) {
  const { t } = useTranslation();
  const Icon = CHANNEL_ICON[kind];
  return (
    <Badge
      variant="light"
      color="gray"
      leftSection={<Icon size={12} />}
      styles={{ label: { overflow: 'visible' } }}
      data-kind={kind}
    >
      {t(`notifications.kind.${kind}`)}
    </Badge>
  );
}

/** The webhook key, shown once after the channel is created, with a copy button. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Text size="sm">{t('notifications.secretOnce.body')}</Text>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          value={secret}
          readOnly
          label={t('notifications.form.secret')}
          style={{ flex: 1 }}
          ff="monospace"
          onFocus={(e) => e.currentTarget.select()}
          data-testid="channel-secret"
        />
        <CopyButton value={secret}>
          {({ copied, copy }) => (
            <Button
              color={copied ? 'teal' : 'blue'}
              leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              onClick={copy}
            >
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Alert color="blue" icon={<IconShieldLock />}>
        <Text size="sm" fw={600}>
          {t('notifications.secretOnce.warning')}
        </Text>
      </Alert>
      <Group justify="flex-end">
        <Button onClick={onDone} data-testid="channel-secret-done">
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}

/** Adds a channel: the fields of the chosen kind, checked as the server checks them. */
function ChannelModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  const isRegion = session?.user.role === 'region_admin';
  const ownFacility = session?.user.facilityId ?? null;
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  const form = useForm<ChannelForm>({
    initialValues: emptyChannelForm(isRegion ? null : ownFacility),
    validate: validateChannelForm(t),
  });

  const save = useMutation({
    mutationFn: (req: CreateChannelRequest) => notificationApi.createChannel(req),
    onSuccess: (saved, req) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
      void queryClient.invalidateQueries({ queryKey: queryKeys.audit });
      notifications.show({ color: 'teal', message: t('notifications.channelCreated', { name: saved.name }) });
      const secret = req.kind === 'webhook' ? req.config.secret : undefined;
      if (secret) setShownSecret(secret);
      else onClose();
    },
    onError: (err) => form.setErrors(channelServerErrors(t, err)),
  });

  // A blank form each time the modal opens; the key is forgotten when it closes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened) return;
    const blank = emptyChannelForm(isRegion ? null : ownFacility);
    form.setValues(blank);
    form.resetDirty(blank);
    form.clearErrors();
    save.reset();
    setShownSecret(null);
  }, [opened]);

  const kind = form.values.kind;
  const kinds = isRegion ? CHANNEL_KINDS : (['email'] as const);
  const facilityOptions = [
    ...(isRegion ? [{ value: REGION, label: t('notifications.form.regionWide') }] : []),
    ...facilities.list.map((f) => ({ value: f.id, label: f.name })),
  ];

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(shownSecret ? 'notifications.secretOnce.title' : 'notifications.createChannelTitle')}
      size="lg"
      data-testid="channel-form"
    >
      {shownSecret ? (
        <SecretOnce secret={shownSecret} onDone={onClose} />
      ) : (
        <form onSubmit={form.onSubmit((v) => save.mutate(toChannelRequest(v)))} noValidate>
          <Stack gap="md">
            <Stack gap={6}>
              <Text size="sm" fw={500}>
                {t('notifications.form.kind')}
              </Text>
              {kinds.length > 1 ? (
                <SegmentedControl
                  fullWidth
                  data={kinds.map((k) => ({ value: k, label: t(`notifications.kind.${k}`) }))}
                  value={kind}
                  onChange={(v) => {
                    form.setFieldValue('kind', v as Channel['kind']);
                    form.clearErrors();
                  }}
                  data-testid="channel-form-kind"
                />
              ) : (
                <Text size="sm" c="dimmed">
                  {t('notifications.form.emailOnly')}
                </Text>
              )}
              <Text size="xs" c="dimmed" data-testid="channel-form-kind-help">
                {t(`notifications.kindHelp.${kind}`)}
              </Text>
            </Stack>
            <TextInput
              label={t('notifications.form.name')}
              description={t('notifications.form.nameHelp')}
              placeholder={t('notifications.form.namePlaceholder')}
              required
              data-autofocus
              data-testid="channel-form-name"
              {...form.getInputProps('name')}
            />
            <Select
              label={t('notifications.form.facility')}
              description={t('notifications.form.facilityHelp')}
              data={facilityOptions}
              value={form.values.facilityId ?? REGION}
              onChange={(v) => form.setFieldValue('facilityId', !v || v === REGION ? null : v)}
              error={form.errors.facilityId}
              disabled={!isRegion}
              allowDeselect={false}
              searchable
              nothingFoundMessage={t('common.nothingFound')}
              data-testid="channel-form-facility"
            />

            {kind === 'email' && (
              <Textarea
                label={t('notifications.form.recipients')}
                description={t('notifications.form.recipientsHelp')}
                placeholder="joho@clinic.example.jp"
                required
                autosize
                minRows={2}
                maxRows={6}
                data-testid="channel-form-recipients"
                {...form.getInputProps('recipients')}
              />
            )}
            {kind !== 'email' && (
              <TextInput
                label={t(kind === 'syslog' ? 'notifications.form.syslogUrl' : 'notifications.form.url')}
                description={t(`notifications.form.urlHelp.${kind}`)}
                placeholder={kind === 'syslog' ? 'tcp://siem.example.jp:514' : 'https://'}
                required
                ff="monospace"
                data-testid="channel-form-url"
                {...form.getInputProps('url')}
              />
            )}
            {kind === 'webhook' && (
              <Group gap="xs" align="flex-start" wrap="nowrap">
                <PasswordInput
                  label={t('notifications.form.secret')}
                  description={t('notifications.form.secretHelp')}
                  style={{ flex: 1 }}
                  autoComplete="new-password"
                  data-testid="channel-form-secret"
                  {...form.getInputProps('secret')}
                />
                <Button
                  variant="light"
                  leftSection={<IconKey size={16} />}
                  mt={50}
                  onClick={() => form.setFieldValue('secret', generateSecret())}
                  data-testid="channel-form-secret-generate"
                >
                  {t('notifications.form.secretGenerate')}
                </Button>
              </Group>
            )}
            {kind === 'syslog' && form.values.url.trim().startsWith('tls://') && (
              <Textarea
                label={t('notifications.form.caPem')}
                description={t('notifications.form.caPemHelp')}
                placeholder="-----BEGIN CERTIFICATE-----"
                autosize
                minRows={3}
                maxRows={8}
                ff="monospace"
                data-testid="channel-form-ca"
                {...form.getInputProps('caPem')}
              />
            )}

            <ErrorAlert error={save.error} testId="channel-form-error" overrides={{ invalid: 'errors.fixFields' }} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={save.isPending} data-testid="channel-form-submit">
                {t('notifications.createChannelSubmit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** The channels: where alerts are sent, with adding and removing. */
export function ChannelsTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const queryClient = useQueryClient();
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const rules = useNotificationRules();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Channel | null>(null);
  const ruleCount = new Map<string, number>();
  for (const r of rules.data?.items ?? []) ruleCount.set(r.channelId, (ruleCount.get(r.channelId) ?? 0) + 1);

  const remove = useMutation({
    mutationFn: (c: Channel) => notificationApi.deleteChannel(c.id),
    onSuccess: (_ok, c) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
      void queryClient.invalidateQueries({ queryKey: queryKeys.audit });
      notifications.show({ color: 'teal', message: t('notifications.channelDeleted', { name: c.name }) });
      setDeleting(null);
    },
  });

  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" align="flex-start" mb="md" gap="sm">
        <Text size="sm" c="dimmed" maw={720}>
          {t('notifications.channelsHelp')}
        </Text>
        <Button leftSection={<IconPlus size={18} />} onClick={() => setAdding(true)} data-testid="channel-add">
          {t('notifications.addChannel')}
        </Button>
      </Group>
      {channels.error && <QueryError error={channels.error} onRetry={() => void channels.refetch()} />}
      <Table.ScrollContainer minWidth={860}>
        <Table striped highlightOnHover verticalSpacing="sm" data-testid="channels-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('notifications.columns.name')}</Table.Th>
              <Table.Th>{t('notifications.columns.kind')}</Table.Th>
              <Table.Th>{t('notifications.columns.target')}</Table.Th>
              <Table.Th>{t('notifications.columns.scope')}</Table.Th>
              <Table.Th ta="right">{t('notifications.columns.rules')}</Table.Th>
              <Table.Th>{t('notifications.columns.created')}</Table.Th>
              <Table.Th w={90} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {channels.list.map((c) => (
              <Table.Tr key={c.id} data-testid="channel-row" data-channel-name={c.name}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {c.name}
                    </Text>
                    {!c.enabled && (
                      <Badge size="xs" color="gray">
                        {t('notifications.disabled')}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <ChannelKindBadge kind={c.kind} />
                </Table.Td>
                <Table.Td>
                  {/* E-mail targets are "a, b, c": one address a line, so none is cut in the middle. */}
                  {(c.kind === 'email' ? c.target.split(', ') : [c.target]).slice(0, 3).map((line) => (
                    <Text key={line} size="sm" ff="monospace" maw={320} truncate="end" title={c.target}>
                      {line}
                    </Text>
                  ))}
                  {c.kind === 'email' && c.target.split(', ').length > 3 && (
                    <Text size="xs" c="dimmed">
                      +{c.target.split(', ').length - 3}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {c.facilityId ? (
                    <Text size="sm">{facilities.byId.get(c.facilityId)?.name ?? t('common.unknown')}</Text>
                  ) : (
                    <Stack gap={2} align="flex-start">
                      <Text size="sm">{t('notifications.regionWide')}</Text>
                      <Badge size="xs" color="orange" variant="light" styles={{ label: { overflow: 'visible' } }}>
                        {t('notifications.escalationTarget')}
                      </Badge>
                    </Stack>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" c={ruleCount.get(c.id) ? undefined : 'orange'} fw={600} data-testid="channel-rules">
                    {ruleCount.get(c.id) ?? 0}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{formatDateTime(c.createdAt, lang)}</Text>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant="light"
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => {
                      remove.reset();
                      setDeleting(c);
                    }}
                    data-testid="channel-delete"
                  >
                    {t('notifications.delete')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <TableState
        loading={channels.isLoading}
        empty={!!channels.data && channels.list.length === 0}
        emptyText={t('notifications.emptyChannels')}
      />
      <ChannelModal opened={adding} onClose={() => setAdding(false)} />
      <ConfirmDialog
        opened={!!deleting}
        title={t('notifications.deleteChannelTitle')}
        body={t('notifications.deleteChannelBody', {
          name: deleting?.name ?? '',
          count: deleting ? (ruleCount.get(deleting.id) ?? 0) : 0,
        })}
        confirmLabel={t('notifications.deleteChannelOk')}
        color="red"
        loading={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
    </Card>
  );
}
