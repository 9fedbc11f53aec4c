import type { Rule, Severity } from '@mamori/contracts';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconAlarm, IconPlus } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { notificationApi } from '../api/endpoints.ts';
import {
  queryKeys,
  useFacilityDirectory,
  useNotificationChannels,
  useNotificationRules,
  useRefreshAfterChange,
} from '../api/queries.ts';
import { SeverityBadge } from '../components/alert-badges.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { QueryTable } from '../components/query-table.tsx';
import { DangerButton, EditButton } from '../components/row-actions.tsx';
import { currentLang } from '../i18n/index.ts';
import { KNOWN_SOURCES, SEVERITIES } from '../lib/alerts.ts';
import { errorMessage, serverFieldErrors } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import {
  emptyRuleForm,
  type RuleForm,
  ruleFormFrom,
  toRuleRequest,
  toRuleUpdate,
  validateRuleForm,
} from '../lib/notifications.ts';
import { useAddEdit } from '../lib/use-add-edit.ts';
import { useConfirmedMutation } from '../lib/use-confirmed-mutation.ts';
import { ChannelKindBadge } from './notifications-channels.tsx';

// Select value standing for "every facility the channel may hear from".
const ANY = 'any';
// Least to most urgent, left to right, so "from here up" reads naturally.
const THRESHOLDS: Severity[] = [...SEVERITIES].reverse();

/** Adds or edits a rule: a channel (fixed when editing), which facility, from which severity up, which modules. */
function RuleModal({ opened, editing, onClose }: { opened: boolean; editing: Rule | null; onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshAfterChange(queryKeys.notifications);
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const form = useForm<RuleForm>({
    initialValues: emptyRuleForm(),
    validate: validateRuleForm(t, channels.list),
  });
  const save = useMutation({
    mutationFn: (v: RuleForm) =>
      editing ? notificationApi.updateRule(editing.id, toRuleUpdate(v)) : notificationApi.createRule(toRuleRequest(v)),
    onSuccess: () => {
      refresh();
      notifications.show({
        color: 'teal',
        message: t(editing ? 'notifications.ruleUpdated' : 'notifications.ruleCreated'),
      });
      onClose();
    },
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened) return;
    const blank = editing
      ? ruleFormFrom(editing)
      : emptyRuleForm(channels.list.length === 1 ? (channels.list[0]?.id ?? null) : null);
    form.setValues(blank);
    form.resetDirty(blank);
    form.clearErrors();
    save.reset();
  }, [opened]);

  const channel = channels.byId.get(form.values.channelId ?? '');
  // A facility channel only hears its own facility; a region-level one may be narrowed to any facility.
  const facilityChoices = channel?.facilityId
    ? facilities.list.filter((f) => f.id === channel.facilityId)
    : facilities.list;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(editing ? 'notifications.editRuleTitle' : 'notifications.createRuleTitle')}
      size="lg"
      data-testid="rule-form"
    >
      <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
        <Stack gap="md">
          <Select
            label={t('notifications.ruleForm.channel')}
            description={t('notifications.ruleForm.channelHelp')}
            placeholder={t('common.choose')}
            required
            data={channels.list.map((c) => ({
              value: c.id,
              label: `${c.name} · ${t(`notifications.kind.${c.kind}`)}`,
            }))}
            allowDeselect={false}
            searchable
            disabled={!!editing}
            nothingFoundMessage={t('common.nothingFound')}
            data-testid="rule-form-channel"
            {...form.getInputProps('channelId')}
            onChange={(v) => {
              form.setFieldValue('channelId', v);
              form.setFieldValue('facilityId', null);
            }}
          />
          <Select
            label={t('notifications.ruleForm.facility')}
            description={t('notifications.ruleForm.facilityHelp')}
            data={[
              { value: ANY, label: t('notifications.ruleForm.anyFacility') },
              ...facilityChoices.map((f) => ({ value: f.id, label: f.name })),
            ]}
            value={form.values.facilityId ?? ANY}
            onChange={(v) => form.setFieldValue('facilityId', !v || v === ANY ? null : v)}
            error={form.errors.facilityId}
            allowDeselect={false}
            searchable
            nothingFoundMessage={t('common.nothingFound')}
            data-testid="rule-form-facility"
          />
          <Stack gap={6}>
            <Text size="sm" fw={500}>
              {t('notifications.ruleForm.minSeverity')}
            </Text>
            <SegmentedControl
              fullWidth
              data={THRESHOLDS.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
              value={form.values.minSeverity}
              onChange={(v) => form.setFieldValue('minSeverity', v as Severity)}
              data-testid="rule-form-severity"
            />
            <Text size="xs" c="dimmed" data-testid="rule-form-severity-help">
              {t('notifications.ruleForm.minSeverityHelp', {
                list: THRESHOLDS.slice(THRESHOLDS.indexOf(form.values.minSeverity))
                  .map((s) => t(`severity.${s}`))
                  .join(t('notifications.listSeparator')),
              })}
            </Text>
          </Stack>
          <Checkbox.Group
            label={t('notifications.ruleForm.sources')}
            description={t('notifications.ruleForm.sourcesHelp')}
            {...form.getInputProps('sources')}
          >
            <Group mt="xs">
              {KNOWN_SOURCES.map((s) => (
                <Checkbox
                  key={s}
                  value={s}
                  label={t(`alerts.source.${s}`, { defaultValue: s })}
                  data-testid={`rule-form-source-${s}`}
                />
              ))}
            </Group>
          </Checkbox.Group>
          <ErrorAlert error={save.error} testId="rule-form-error" overrides={{ invalid: 'errors.fixFields' }} />
          <FormFooter
            onCancel={onClose}
            submitLabel={t(editing ? 'notifications.editRuleSubmit' : 'notifications.createRuleSubmit')}
            loading={save.isPending}
            testId="rule-form-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}

/** The rules: which alerts go to which channel, turning each on or off, and how escalation works. */
export function RulesTab() {
  const { t } = useTranslation();
  const lang = currentLang();
  const refresh = useRefreshAfterChange(queryKeys.notifications);
  const facilities = useFacilityDirectory();
  const channels = useNotificationChannels();
  const rules = useNotificationRules();
  const editor = useAddEdit<Rule>();
  const toggle = useMutation({
    mutationFn: (r: Rule) => notificationApi.updateRule(r.id, { enabled: !r.enabled }),
    onSuccess: (saved) => {
      refresh();
      notifications.show({
        color: 'teal',
        message: t(saved.enabled ? 'notifications.ruleEnabled' : 'notifications.ruleDisabled'),
      });
    },
    onError: (err) => notifications.show({ color: 'red', message: errorMessage(t, err) }),
  });
  const remove = useConfirmedMutation({
    mutationFn: (r: Rule) => notificationApi.deleteRule(r.id),
    onSuccess: () => {
      refresh();
      notifications.show({ color: 'teal', message: t('notifications.ruleDeleted') });
    },
  });
  const deleting = remove.target;
  const items = rules.data?.items ?? [];
  const noChannels = !!channels.data && channels.list.length === 0;

  return (
    <Stack gap="md">
      <Alert color="orange" variant="light" icon={<IconAlarm />} title={t('notifications.escalation.title')}>
        <Text size="sm">{t('notifications.escalation.body')}</Text>
      </Alert>
      <Card withBorder radius="md" padding="md">
        <Group justify="space-between" align="flex-start" mb="md" gap="sm">
          <Text size="sm" c="dimmed" maw={720}>
            {t('notifications.rulesHelp')}
          </Text>
          <Button
            leftSection={<IconPlus size={18} />}
            onClick={editor.add}
            disabled={noChannels}
            data-testid="rule-add"
          >
            {t('notifications.addRule')}
          </Button>
        </Group>
        <QueryTable
          query={rules}
          emptyText={t(noChannels ? 'notifications.emptyRulesNoChannels' : 'notifications.emptyRules')}
          minWidth={1040}
          testId="rules-table"
          striped
          highlightOnHover
          head={
            <>
              <Table.Th>{t('notifications.ruleColumns.channel')}</Table.Th>
              <Table.Th>{t('notifications.ruleColumns.facility')}</Table.Th>
              <Table.Th>{t('notifications.ruleColumns.severity')}</Table.Th>
              <Table.Th>{t('notifications.ruleColumns.sources')}</Table.Th>
              <Table.Th>{t('notifications.ruleColumns.created')}</Table.Th>
              <Table.Th>{t('notifications.ruleColumns.enabled')}</Table.Th>
              <Table.Th w={170} />
            </>
          }
        >
          {items.map((r) => {
            const channel = channels.byId.get(r.channelId);
            return (
              <Table.Tr key={r.id} data-testid="rule-row" data-channel-name={channel?.name}>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {channel?.name ?? t('common.unknown')}
                    </Text>
                    {channel && <ChannelKindBadge kind={channel.kind} />}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {r.facilityId
                      ? (facilities.byId.get(r.facilityId)?.name ?? t('common.unknown'))
                      : t('notifications.ruleForm.anyFacility')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <SeverityBadge severity={r.minSeverity} />
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {t('notifications.andAbove')}
                    </Text>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {r.sources
                      ? r.sources
                          .map((s) => t(`alerts.source.${s}`, { defaultValue: s }))
                          .join(t('notifications.listSeparator'))
                      : t('notifications.allSources')}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{formatDateTime(r.createdAt, lang)}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Switch
                    checked={r.enabled}
                    onChange={() => toggle.mutate(r)}
                    disabled={toggle.isPending && toggle.variables?.id === r.id}
                    label={t(r.enabled ? 'notifications.ruleOn' : 'notifications.ruleOff')}
                    data-testid="rule-enabled"
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap" justify="flex-end">
                    <EditButton label={t('notifications.edit')} onClick={() => editor.edit(r)} testId="rule-edit" />
                    <DangerButton
                      label={t('notifications.delete')}
                      onClick={() => remove.ask(r)}
                      testId="rule-delete"
                    />
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </QueryTable>
        {items.length > 0 && (
          <Text size="xs" c="dimmed" mt="md">
            {t('notifications.rulesRemoveHint')}
          </Text>
        )}
      </Card>
      <RuleModal {...editor.modal} />
      <ConfirmDialog
        title={t('notifications.deleteRuleTitle')}
        body={t('notifications.deleteRuleBody', {
          name: channels.byId.get(deleting?.channelId ?? '')?.name ?? t('common.unknown'),
        })}
        confirmLabel={t('notifications.deleteRuleOk')}
        color="red"
        {...remove.dialog}
      />
    </Stack>
  );
}
