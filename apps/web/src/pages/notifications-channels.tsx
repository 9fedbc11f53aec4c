import type { Channel, ChannelTestResponse } from '@mamori/contracts';
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import {
  IconAlertTriangle,
  IconBrandSlack,
  IconBrandTeams,
  IconCheck,
  IconCircleCheck,
  IconCopy,
  IconKey,
  IconMail,
  IconPlus,
  IconSend,
  IconServer,
  IconShieldLock,
  IconWebhook,
} from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { type ComponentType, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notificationApi } from '../api/endpoints.ts';
import {
  queryKeys,
  useFacilityDirectory,
  useNotificationChannels,
  useNotificationRules,
  useRefreshAfterChange,
} from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { DangerButton, EditButton } from '../components/row-actions.tsx';
import { currentLang } from '../i18n/index.ts';
import { errorMessage } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import {
  CHANNEL_KINDS,
  type ChannelForm,
  channelFormFrom,
  channelServerErrors,
  emptyChannelForm,
  generateSecret,
  toChannelRequest,
  toChannelUpdate,
  validateChannelForm,
} from '../lib/notifications.ts';
import { useAddEdit } from '../lib/use-add-edit.ts';
import { useConfirmedMutation } from '../lib/use-confirmed-mutation.ts';

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

/**
 * Adds a channel, or edits one: the fields of the chosen kind, checked as the server checks them.
 * When editing, the kind and facility stay; a webhook URL or key left blank is kept.
 */
function ChannelModal({ opened, editing, onClose }: { opened: boolean; editing: Channel | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const refresh = useRefreshAfterChange(queryKeys.notifications);
  const facilities = useFacilityDirectory();
  const isRegion = session?.user.role === 'region_admin';
  const ownFacility = session?.user.facilityId ?? null;
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  const form = useForm<ChannelForm>({
    initialValues: emptyChannelForm(isRegion ? null : ownFacility),
    validate: validateChannelForm(t, !!editing),
  });

  const save = useMutation({
    mutationFn: (v: ChannelForm) => {
      if (!editing) return notificationApi.createChannel(toChannelRequest(v));
      const { config, ...rest } = toChannelUpdate(v);
      // Facility administrators change only the name and on/off of a webhook or syslog channel.
      return notificationApi.updateChannel(editing.id, isRegion || v.kind === 'email' ? { ...rest, config } : rest);
    },
    onSuccess: (saved, v) => {
      refresh();
      notifications.show({
        color: 'teal',
        message: t(editing ? 'notifications.channelUpdated' : 'notifications.channelCreated', { name: saved.name }),
      });
      const secret = v.kind === 'webhook' && !v.removeSecret ? v.secret.trim() : '';
      if (secret) setShownSecret(secret);
      else onClose();
    },
    onError: (err) => form.setErrors(channelServerErrors(t, err)),
  });

  // A fresh form each time the modal opens (blank, or the channel being edited); the key is forgotten when it closes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened) return;
    const blank = editing ? channelFormFrom(editing) : emptyChannelForm(isRegion ? null : ownFacility);
    form.setValues(blank);
    form.resetDirty(blank);
    form.clearErrors();
    save.reset();
    setShownSecret(null);
  }, [opened]);

  const kind = form.values.kind;
  const kinds = isRegion ? CHANNEL_KINDS : (['email'] as const);
  // Only region administrators may change where a webhook or syslog channel sends (the server checks too).
  const canRetarget = isRegion || kind === 'email';
  const keptHint = editing && kind !== 'email' && kind !== 'syslog';
  const facilityOptions = [
    ...(isRegion ? [{ value: REGION, label: t('notifications.form.regionWide') }] : []),
    ...facilities.list.map((f) => ({ value: f.id, label: f.name })),
  ];

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(
        shownSecret
          ? 'notifications.secretOnce.title'
          : editing
            ? 'notifications.editChannelTitle'
            : 'notifications.createChannelTitle',
      )}
      size="lg"
      data-testid="channel-form"
    >
      {shownSecret ? (
        <SecretOnce secret={shownSecret} onDone={onClose} />
      ) : (
        <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
          <Stack gap="md">
            <Stack gap={6}>
              <Text size="sm" fw={500}>
                {t('notifications.form.kind')}
              </Text>
              {editing ? (
                <Group gap="xs">
                  <ChannelKindBadge kind={kind} />
                  <Text size="xs" c="dimmed">
                    {t('notifications.form.kindFixed')}
                  </Text>
                </Group>
              ) : kinds.length > 1 ? (
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
              disabled={!isRegion || !!editing}
              allowDeselect={false}
              searchable
              nothingFoundMessage={t('common.nothingFound')}
              data-testid="channel-form-facility"
            />

            {editing && (
              <Switch
                label={t('notifications.form.enabled')}
                description={t('notifications.form.enabledHelp')}
                data-testid="channel-form-enabled"
                {...form.getInputProps('enabled', { type: 'checkbox' })}
              />
            )}
            {!canRetarget && (
              <Alert color="gray" variant="light" data-testid="channel-form-region-only">
                <Text size="sm">{t('notifications.form.regionOnlyTarget')}</Text>
              </Alert>
            )}

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
            {kind !== 'email' && canRetarget && (
              <TextInput
                label={t(kind === 'syslog' ? 'notifications.form.syslogUrl' : 'notifications.form.url')}
                description={
                  keptHint
                    ? t('notifications.form.urlKept', { host: editing?.target ?? '' })
                    : t(`notifications.form.urlHelp.${kind}`)
                }
                placeholder={
                  kind === 'syslog' ? 'tcp://siem.example.jp:514' : keptHint ? t('notifications.form.keep') : 'https://'
                }
                required={!keptHint}
                ff="monospace"
                data-testid="channel-form-url"
                {...form.getInputProps('url')}
              />
            )}
            {kind === 'webhook' && canRetarget && (
              <Group gap="xs" align="flex-start" wrap="nowrap">
                <PasswordInput
                  label={t('notifications.form.secret')}
                  description={t(
                    editing?.hasSecret ? 'notifications.form.secretKept' : 'notifications.form.secretHelp',
                  )}
                  placeholder={editing?.hasSecret ? t('notifications.form.keep') : undefined}
                  style={{ flex: 1 }}
                  autoComplete="new-password"
                  disabled={form.values.removeSecret}
                  data-testid="channel-form-secret"
                  {...form.getInputProps('secret')}
                />
                <Button
                  variant="light"
                  leftSection={<IconKey size={16} />}
                  mt={50}
                  onClick={() => form.setFieldValue('secret', generateSecret())}
                  disabled={form.values.removeSecret}
                  data-testid="channel-form-secret-generate"
                >
                  {t('notifications.form.secretGenerate')}
                </Button>
              </Group>
            )}
            {kind === 'webhook' && canRetarget && editing?.hasSecret && (
              <Checkbox
                label={t('notifications.form.secretRemove')}
                data-testid="channel-form-secret-remove"
                {...form.getInputProps('removeSecret', { type: 'checkbox' })}
              />
            )}
            {kind === 'syslog' && canRetarget && form.values.url.trim().startsWith('tls://') && (
              <Textarea
                label={t('notifications.form.caPem')}
                description={t(editing?.hasCaPem ? 'notifications.form.caPemKept' : 'notifications.form.caPemHelp')}
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
            <FormFooter
              onCancel={onClose}
              submitLabel={t(editing ? 'notifications.editChannelSubmit' : 'notifications.createChannelSubmit')}
              loading={save.isPending}
              testId="channel-form-submit"
            />
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** What a test send did, in plain words: arrived at the receiver, or the reason it did not. */
function TestResultModal({
  result,
  channel,
  onClose,
}: {
  result: ChannelTestResponse | null;
  channel: Channel | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const sent = result?.status === 'sent';
  return (
    <Modal
      opened={!!result}
      onClose={onClose}
      title={t('notifications.test.title', { name: channel?.name ?? '' })}
      size="lg"
      data-testid="channel-test-result"
    >
      {result && (
        <Stack gap="md" data-status={result.status}>
          <Alert
            color={sent ? 'teal' : 'red'}
            variant="light"
            icon={sent ? <IconCircleCheck /> : <IconAlertTriangle />}
            title={t(sent ? 'notifications.test.sentTitle' : 'notifications.test.failedTitle')}
          >
            <Text size="sm">
              {t(sent ? `notifications.test.sentBody.${channel?.kind ?? 'webhook'}` : 'notifications.test.failedBody')}
            </Text>
          </Alert>
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              {t(sent ? 'notifications.test.answer' : 'notifications.test.error')}
            </Text>
            <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="channel-test-detail">
              {result.detail}
            </Code>
          </Stack>
          {!sent && (
            <Text size="sm" c="dimmed">
              {t('notifications.test.hint')}
            </Text>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="channel-test-close">
              {t('common.close')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** The channels: where alerts are sent, with adding, editing, a test send and removing. */
export function ChannelsTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const refresh = useRefreshAfterChange(queryKeys.notifications);
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const rules = useNotificationRules();
  const editor = useAddEdit<Channel>();
  const [tested, setTested] = useState<{ channel: Channel; result: ChannelTestResponse } | null>(null);
  const ruleCount = new Map<string, number>();
  for (const r of rules.data?.items ?? []) ruleCount.set(r.channelId, (ruleCount.get(r.channelId) ?? 0) + 1);

  const remove = useConfirmedMutation({
    mutationFn: (c: Channel) => notificationApi.deleteChannel(c.id),
    onSuccess: (_ok, c) => {
      refresh();
      notifications.show({ color: 'teal', message: t('notifications.channelDeleted', { name: c.name }) });
    },
  });
  const deleting = remove.target;

  const test = useMutation({
    mutationFn: (c: Channel) => notificationApi.testChannel(c.id),
    onSuccess: (result, channel) => {
      refresh();
      setTested({ channel, result });
    },
    onError: (err) => notifications.show({ color: 'red', message: errorMessage(t, err) }),
  });

  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" align="flex-start" mb="md" gap="sm">
        <Text size="sm" c="dimmed" maw={720}>
          {t('notifications.channelsHelp')}
        </Text>
        <Button leftSection={<IconPlus size={18} />} onClick={editor.add} data-testid="channel-add">
          {t('notifications.addChannel')}
        </Button>
      </Group>
      <QueryTable
        query={channels}
        emptyText={t('notifications.emptyChannels')}
        minWidth={860}
        testId="channels-table"
        striped
        highlightOnHover
        head={
          <>
            <Table.Th>{t('notifications.columns.name')}</Table.Th>
            <Table.Th>{t('notifications.columns.kind')}</Table.Th>
            <Table.Th>{t('notifications.columns.target')}</Table.Th>
            <Table.Th>{t('notifications.columns.scope')}</Table.Th>
            <Table.Th ta="right">{t('notifications.columns.rules')}</Table.Th>
            <Table.Th>{t('notifications.columns.created')}</Table.Th>
            <Table.Th w={250} />
          </>
        }
      >
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
              <Group gap={6} wrap="nowrap" justify="flex-end">
                <Button
                  size="compact-sm"
                  variant="light"
                  leftSection={<IconSend size={14} />}
                  loading={test.isPending && test.variables?.id === c.id}
                  disabled={test.isPending && test.variables?.id !== c.id}
                  onClick={() => test.mutate(c)}
                  data-testid="channel-test"
                >
                  {t('notifications.test.button')}
                </Button>
                <EditButton label={t('notifications.edit')} onClick={() => editor.edit(c)} testId="channel-edit" />
                <DangerButton label={t('notifications.delete')} onClick={() => remove.ask(c)} testId="channel-delete" />
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </QueryTable>
      <ChannelModal {...editor.modal} />
      <TestResultModal
        result={tested?.result ?? null}
        channel={tested?.channel ?? null}
        onClose={() => setTested(null)}
      />
      <ConfirmDialog
        title={t('notifications.deleteChannelTitle')}
        body={t('notifications.deleteChannelBody', {
          name: deleting?.name ?? '',
          count: deleting ? (ruleCount.get(deleting.id) ?? 0) : 0,
        })}
        confirmLabel={t('notifications.deleteChannelOk')}
        color="red"
        {...remove.dialog}
      />
    </Card>
  );
}
