import type { DecoyKind, DecoyPolicy, DecoyPolicyInput } from '@mamori/contracts';
import {
  Alert,
  Checkbox,
  Divider,
  List,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { decoyApi } from '../api/decoys.ts';
import { agentApi } from '../api/endpoints.ts';
import { queryKeys, useFacilityDirectory, useRefreshAfterChange } from '../api/queries.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import { DECOY_KIND_ORDER, directoryErrors, splitDirectories } from '../lib/decoys.ts';
import { serverFieldErrors } from '../lib/errors.ts';

type PolicyForm = {
  facilityId: string | null;
  name: string;
  enabled: boolean;
  agentIds: string[];
  directoriesText: string;
  perDirectory: number | string;
  kinds: string[];
  beacons: boolean;
  kill: boolean;
  isolate: boolean;
};

function toForm(p: DecoyPolicy | null, facilityId: string | null): PolicyForm {
  return {
    facilityId: p?.facilityId ?? facilityId,
    name: p?.name ?? '',
    enabled: p?.enabled ?? true,
    agentIds: p?.agentIds ?? [],
    directoriesText: p?.directories.join('\n') ?? '',
    perDirectory: p?.perDirectory ?? 6,
    kinds: p?.kinds ?? [...DECOY_KIND_ORDER],
    beacons: p?.beacons ?? true,
    kill: p?.response.kill ?? true,
    isolate: p?.response.isolate ?? false,
  };
}

function toInput(v: PolicyForm): DecoyPolicyInput {
  return {
    name: v.name.trim(),
    enabled: v.enabled,
    agentIds: v.agentIds,
    directories: splitDirectories(v.directoriesText).directories,
    perDirectory: Number(v.perDirectory),
    kinds: v.kinds as DecoyKind[],
    beacons: v.beacons,
    response: { kill: v.kill, isolate: v.isolate },
  };
}

/** Create or edit a decoy policy: where decoys go, how many, which kinds, beacons and the automatic response. */
export function DecoyPolicyFormModal({
  opened,
  policy,
  initialFacilityId,
  onClose,
}: {
  opened: boolean;
  /** The policy to edit, or null to create one. */
  policy: DecoyPolicy | null;
  initialFacilityId: string | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const refresh = useRefreshAfterChange(queryKeys.decoys);
  const facilities = useFacilityDirectory();
  // The server's problems with single directories, by line of the text box (0 = the whole list).
  const [dirErrors, setDirErrors] = useState<Map<number, string>>(new Map());
  const form = useForm<PolicyForm>({
    initialValues: toForm(null, null),
    validate: (v) => {
      const errors: Record<string, string> = {};
      if (!v.facilityId) errors.facilityId = t('validation.choose');
      if (!v.name.trim()) errors.name = t('validation.required');
      if (!splitDirectories(v.directoriesText).directories.length)
        errors.directoriesText = t('decoys.form.directoriesRequired');
      const n = Number(v.perDirectory);
      if (!Number.isInteger(n) || n < 2) errors.perDirectory = t('validation.minNumber', { min: 2 });
      else if (n > 50) errors.perDirectory = t('validation.maxNumber', { max: 50 });
      if (!v.kinds.length) errors.kinds = t('decoys.form.kindsRequired');
      return errors;
    },
  });
  const facilityId = form.values.facilityId;
  const agents = useQuery({
    queryKey: [...queryKeys.agents, 'list', { facilityId }, 'all'],
    queryFn: () => agentApi.list({ facilityId: facilityId ?? undefined, limit: 500 }),
    enabled: opened && !!facilityId,
  });

  const save = useMutation({
    mutationFn: (v: PolicyForm) => {
      const input = toInput(v);
      return policy
        ? decoyApi.updatePolicy(policy.id, input)
        : decoyApi.createPolicy({ ...input, facilityId: v.facilityId ?? '' });
    },
    onSuccess: (saved) => {
      refresh();
      notifications.show({
        color: 'teal',
        message: t(policy ? 'decoys.policies.updated' : 'decoys.policies.created', { name: saved.name }),
      });
      onClose();
    },
    onError: (err, v) => {
      setDirErrors(directoryErrors(t, err, splitDirectories(v.directoriesText).lines));
      const fields = serverFieldErrors(t, err);
      form.setErrors(
        Object.fromEntries(Object.entries(fields).filter(([k]) => !k.startsWith('directories') && k !== 'agentIds')),
      );
    },
  });

  // Load the policy being edited (or a blank form) each time the modal opens.
  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened) return;
    const initial = toForm(policy, initialFacilityId ?? (facilities.list.length === 1 ? facilities.list[0]!.id : null));
    form.setValues(initial);
    form.resetDirty(initial);
    form.clearErrors();
    setDirErrors(new Map());
    save.reset();
  }, [opened, policy]);

  const agentOptions = (agents.data?.items ?? [])
    .filter((a) => a.status !== 'revoked' || form.values.agentIds.includes(a.id))
    .map((a) => ({ value: a.id, label: a.hostname }));
  const dirErrorList = [...dirErrors.entries()].sort((a, b) => a[0] - b[0]);
  const dirError =
    form.errors.directoriesText ??
    (dirErrorList.length ? (
      <List size="xs" spacing={2} data-testid="decoy-policy-dir-errors">
        {dirErrorList.map(([line, message]) => (
          <List.Item key={line} data-line={line}>
            {line > 0 ? t('decoys.form.lineError', { line, message }) : message}
          </List.Item>
        ))}
      </List>
    ) : undefined);
  const hasInlineErrors = dirErrors.size > 0 || Object.keys(form.errors).length > 0;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t(policy ? 'decoys.policies.editTitle' : 'decoys.policies.createTitle')}
      size="xl"
      data-testid="decoy-policy-form"
    >
      <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
        <Stack gap="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label={t('decoys.form.facility')}
              placeholder={t('common.choose')}
              required
              searchable
              disabled={!!policy}
              data={facilities.list.map((f) => ({ value: f.id, label: f.name }))}
              allowDeselect={false}
              nothingFoundMessage={t('common.nothingFound')}
              data-testid="decoy-policy-facility"
              {...form.getInputProps('facilityId')}
              onChange={(v) => {
                form.setFieldValue('facilityId', v);
                form.setFieldValue('agentIds', []);
              }}
            />
            <TextInput
              label={t('decoys.form.name')}
              placeholder={t('decoys.form.namePlaceholder')}
              required
              data-testid="decoy-policy-name"
              {...form.getInputProps('name')}
            />
          </SimpleGrid>
          <MultiSelect
            label={t('decoys.form.hosts')}
            description={t('decoys.form.hostsHelp')}
            placeholder={form.values.agentIds.length ? undefined : t('decoys.form.hostsAll')}
            data={agentOptions}
            searchable
            clearable
            disabled={!facilityId}
            nothingFoundMessage={t('common.nothingFound')}
            data-testid="decoy-policy-hosts"
            {...form.getInputProps('agentIds')}
          />
          <Textarea
            label={t('decoys.form.directories')}
            description={t('decoys.form.directoriesHelp')}
            placeholder={'/srv/share/医事課\nC:\\Users\\Public\\Documents'}
            required
            autosize
            minRows={3}
            maxRows={12}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            data-testid="decoy-policy-directories"
            {...form.getInputProps('directoriesText')}
            error={dirError}
            onChange={(e) => {
              form.setFieldValue('directoriesText', e.currentTarget.value);
              setDirErrors(new Map());
            }}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <NumberInput
              label={t('decoys.form.perDirectory')}
              description={t('decoys.form.perDirectoryHelp')}
              min={2}
              max={50}
              allowDecimal={false}
              data-testid="decoy-policy-per-directory"
              {...form.getInputProps('perDirectory')}
            />
            <Switch
              label={t('decoys.form.enabled')}
              description={t('decoys.form.enabledHelp')}
              mt="lg"
              data-testid="decoy-policy-enabled"
              {...form.getInputProps('enabled', { type: 'checkbox' })}
            />
          </SimpleGrid>

          <Checkbox.Group
            label={t('decoys.form.kinds')}
            description={t('decoys.form.kindsHelp')}
            data-testid="decoy-policy-kinds"
            {...form.getInputProps('kinds')}
          >
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={6} mt="xs">
              {DECOY_KIND_ORDER.map((k) => (
                <Checkbox key={k} value={k} label={t(`decoys.kind.${k}`)} data-testid={`decoy-policy-kind-${k}`} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>

          <Switch
            label={t('decoys.form.beacons')}
            description={t('decoys.form.beaconsHelp')}
            data-testid="decoy-policy-beacons"
            {...form.getInputProps('beacons', { type: 'checkbox' })}
          />

          <Divider label={t('decoys.form.responseSection')} labelPosition="left" />
          <Text size="xs" c="dimmed" mt={-8}>
            {t('decoys.form.responseHelp')}
          </Text>
          <Checkbox
            label={t('decoys.form.kill')}
            description={t('decoys.form.killHelp')}
            data-testid="decoy-policy-kill"
            {...form.getInputProps('kill', { type: 'checkbox' })}
          />
          <Checkbox
            label={t('decoys.form.isolate')}
            description={t('decoys.form.isolateHelp')}
            data-testid="decoy-policy-isolate"
            {...form.getInputProps('isolate', { type: 'checkbox' })}
          />
          {form.values.isolate && (
            <Alert
              color="orange"
              variant="light"
              icon={<IconAlertTriangle />}
              title={t('decoys.form.isolateWarningTitle')}
              data-testid="decoy-policy-isolate-warning"
            >
              <Text size="sm">{t('decoys.form.isolateWarning')}</Text>
            </Alert>
          )}

          {!hasInlineErrors && <ErrorAlert error={save.error} />}
          <FormFooter
            onCancel={onClose}
            submitLabel={t(policy ? 'common.save' : 'decoys.policies.create')}
            loading={save.isPending}
            testId="decoy-policy-submit"
          />
        </Stack>
      </form>
    </Modal>
  );
}
