import { PERSONA_DEFAULT_PORTS, PERSONA_KINDS, type Sensor, SensorConfigInputSchema } from '@mamori/contracts';
import {
  Accordion,
  ActionIcon,
  Alert,
  Box,
  Button,
  Drawer,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { randomId } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPlus, IconRotate, IconTrash } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useFacilityDirectory, useRefreshAfterChange } from '../api/queries.ts';
import { sensorApi, sensorKeys } from '../api/sensors.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { FormFooter } from '../components/form-footer.tsx';
import {
  LIMIT_FIELDS,
  type Msg,
  type SensorConfigForm,
  serverConfigErrors,
  toConfigForm,
  toConfigInput,
  validateConfigForm,
} from './sensors-model.ts';
import { personaLabel, SensorProblems, useMsg } from './sensors-shared.tsx';

const MAX_LOGINS = 20;
const BLANK = toConfigForm(SensorConfigInputSchema.parse({ personas: [] }), randomId);

/**
 * A sensor's configuration: which personas run on which ports, the address they listen on, the
 * logins the fake services accept, and (folded away) the limits. Read-only without decoy:manage.
 */
export function SensorConfigDrawer({
  sensor,
  opened,
  onClose,
}: {
  sensor: Sensor | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { can } = useSession();
  const msg = useMsg();
  const facilities = useFacilityDirectory();
  const refresh = useRefreshAfterChange(sensorKeys.all);
  const translate = (errors: Record<string, Msg>) =>
    Object.fromEntries(Object.entries(errors).map(([k, m]) => [k, msg(m) ?? '']));
  const form = useForm<SensorConfigForm>({
    initialValues: BLANK,
    validate: (v) => translate(validateConfigForm(v)),
  });
  const revoked = sensor?.status === 'revoked';
  const readOnly = !can('decoy:manage') || revoked;

  const save = useMutation({
    mutationFn: (v: SensorConfigForm) => sensorApi.updateConfig(sensor?.agentId ?? '', toConfigInput(v)),
    onSuccess: (saved) => {
      refresh();
      notifications.show({ color: 'teal', message: t('sensors.config.saved', { host: saved.hostname }) });
      onClose();
    },
    onError: (err, v) => {
      if (err instanceof ApiError) form.setErrors(translate(serverConfigErrors(err.fields, v)));
    },
  });

  // Load the sensor's configuration each time the drawer opens.
  // biome-ignore lint/correctness/useExhaustiveDependencies: form is a new object each render
  useEffect(() => {
    if (!opened || !sensor) return;
    const initial = toConfigForm(sensor.config, randomId);
    form.setValues(initial);
    form.resetDirty(initial);
    form.clearErrors();
    save.reset();
  }, [opened, sensor]);

  const v = form.values;
  const noneOn = PERSONA_KINDS.every((k) => !v.personas[k].enabled);
  const { form: formError, ...fieldErrors } = form.errors;
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  const facilityName = sensor ? facilities.byId.get(sensor.facilityId)?.name : undefined;

  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size="lg"
      title={
        <Stack gap={0}>
          <Text fw={700}>{t('sensors.config.title')}</Text>
          <Text size="sm" c="dimmed" ff="monospace">
            {[sensor?.hostname, facilityName].filter(Boolean).join(' · ')}
          </Text>
        </Stack>
      }
      data-testid="sensor-config"
    >
      <form onSubmit={form.onSubmit((values) => save.mutate(values))} noValidate>
        <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <Stack gap="md">
            <Text size="sm">{t('sensors.config.intro')}</Text>
            {revoked && (
              <Alert color="gray" variant="light" icon={<IconAlertTriangle />}>
                {t('sensors.config.revoked')}
              </Alert>
            )}
            {!revoked && readOnly && (
              <Text size="xs" c="dimmed">
                {t('sensors.config.readOnly')}
              </Text>
            )}
            {sensor && sensor.problems.length > 0 && (
              <Alert color="red" variant="light" icon={<IconAlertTriangle />} title={t('sensors.config.problemsTitle')}>
                <SensorProblems problems={sensor.problems} />
              </Alert>
            )}

            <Group justify="space-between" align="flex-end" mt="xs">
              <Title order={3} fz="h5">
                {t('sensors.config.personas')}
              </Title>
              {!readOnly && (
                <Button
                  variant="subtle"
                  size="compact-sm"
                  leftSection={<IconRotate size={14} />}
                  onClick={() => {
                    for (const kind of PERSONA_KINDS)
                      form.setFieldValue(`personas.${kind}.port`, PERSONA_DEFAULT_PORTS[kind]);
                  }}
                  data-testid="sensor-config-default-ports"
                >
                  {t('sensors.config.defaultPorts')}
                </Button>
              )}
            </Group>
            <Text size="xs" c="dimmed" mt={-8}>
              {t('sensors.config.personasHelp')}
            </Text>
            <Stack gap={6}>
              {PERSONA_KINDS.map((kind) => {
                const on = v.personas[kind].enabled;
                return (
                  <Paper
                    key={kind}
                    withBorder
                    radius="sm"
                    px="sm"
                    py={8}
                    bg={on ? 'var(--mantine-color-indigo-0)' : undefined}
                    data-testid={`sensor-config-persona-${kind}`}
                  >
                    <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
                      <Switch
                        label={personaLabel(t, kind)}
                        description={t(`sensors.persona.${kind}.help`)}
                        styles={{ label: { fontWeight: 600 } }}
                        data-testid={`sensor-config-enable-${kind}`}
                        {...form.getInputProps(`personas.${kind}.enabled`, { type: 'checkbox' })}
                      />
                      <NumberInput
                        aria-label={t('sensors.config.portOf', { persona: personaLabel(t, kind) })}
                        placeholder={String(PERSONA_DEFAULT_PORTS[kind])}
                        leftSection={
                          <Text size="xs" c="dimmed">
                            {t('sensors.config.port')}
                          </Text>
                        }
                        leftSectionWidth={52}
                        w={150}
                        style={{ flexShrink: 0 }}
                        min={1}
                        max={65_535}
                        allowDecimal={false}
                        allowNegative={false}
                        hideControls
                        disabled={!on}
                        data-testid={`sensor-config-port-${kind}`}
                        {...form.getInputProps(`personas.${kind}.port`)}
                      />
                    </Group>
                  </Paper>
                );
              })}
            </Stack>
            {noneOn && (
              <Alert color="orange" variant="light" icon={<IconAlertTriangle />} data-testid="sensor-config-none">
                {t('sensors.config.noneOn')}
              </Alert>
            )}

            <TextInput
              label={t('sensors.config.bind')}
              description={t('sensors.config.bindHelp')}
              placeholder="0.0.0.0"
              ff="monospace"
              data-testid="sensor-config-bind"
              {...form.getInputProps('bind')}
            />

            <Stack gap={6}>
              <Title order={3} fz="h5">
                {t('sensors.config.logins')}
              </Title>
              <Text size="xs" c="dimmed">
                {t('sensors.config.loginsHelp')}
              </Text>
              {v.acceptedLogins.length === 0 && (
                <Text size="sm" c="dimmed" data-testid="sensor-config-logins-auto">
                  {t('sensors.config.loginsAuto')}
                </Text>
              )}
              {v.acceptedLogins.map((row, i) => (
                <Group key={row.key} gap="xs" align="flex-start" wrap="nowrap" data-testid="sensor-config-login">
                  <TextInput
                    placeholder={t('sensors.config.username')}
                    aria-label={t('sensors.config.username')}
                    ff="monospace"
                    style={{ flex: 1 }}
                    data-testid="sensor-config-login-username"
                    {...form.getInputProps(`acceptedLogins.${i}.username`)}
                  />
                  <TextInput
                    placeholder={t('sensors.config.password')}
                    aria-label={t('sensors.config.password')}
                    ff="monospace"
                    style={{ flex: 1 }}
                    data-testid="sensor-config-login-password"
                    {...form.getInputProps(`acceptedLogins.${i}.password`)}
                  />
                  {!readOnly && (
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      size="lg"
                      aria-label={t('sensors.config.removeLogin')}
                      onClick={() => form.removeListItem('acceptedLogins', i)}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  )}
                </Group>
              ))}
              {!readOnly && (
                <Group>
                  <Button
                    variant="light"
                    size="compact-sm"
                    leftSection={<IconPlus size={14} />}
                    disabled={v.acceptedLogins.length >= MAX_LOGINS}
                    onClick={() =>
                      form.insertListItem('acceptedLogins', { key: randomId(), username: '', password: '' })
                    }
                    data-testid="sensor-config-add-login"
                  >
                    {t('sensors.config.addLogin')}
                  </Button>
                </Group>
              )}
            </Stack>

            <Accordion variant="contained" radius="md">
              <Accordion.Item value="limits">
                <Accordion.Control data-testid="sensor-config-advanced">
                  <Text size="sm" fw={600}>
                    {t('sensors.config.advanced')}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('sensors.config.advancedHelp')}
                  </Text>
                </Accordion.Control>
                <Accordion.Panel>
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                    {LIMIT_FIELDS.map((f) => (
                      <NumberInput
                        key={f}
                        label={t(`sensors.config.limits.${f}`)}
                        description={t(`sensors.config.limits.${f}Help`)}
                        allowDecimal={false}
                        allowNegative={false}
                        thousandSeparator=","
                        data-testid={`sensor-config-limit-${f}`}
                        {...form.getInputProps(`limits.${f}`)}
                      />
                    ))}
                  </SimpleGrid>
                </Accordion.Panel>
              </Accordion.Item>
            </Accordion>

            {formError && (
              <Alert color="red" variant="light" data-testid="sensor-config-form-error">
                {formError}
              </Alert>
            )}
            {!hasFieldErrors && <ErrorAlert error={save.error} />}
            {hasFieldErrors && (
              <Text size="sm" c="red.8" data-testid="sensor-config-field-errors">
                {t('sensors.config.fixFields')}
              </Text>
            )}
            {!readOnly && (
              <Text size="xs" c="dimmed">
                {t('sensors.config.applyNote')}
              </Text>
            )}
          </Stack>
        </fieldset>
        {/* The buttons stay in view at the bottom of the drawer while the long form scrolls. */}
        <Box
          pos="sticky"
          bottom={0}
          mt="md"
          py="sm"
          bg="var(--mantine-color-body)"
          style={{ zIndex: 2, borderTop: '1px solid var(--mantine-color-gray-3)' }}
        >
          {!readOnly ? (
            <FormFooter
              onCancel={onClose}
              submitLabel={t('common.save')}
              loading={save.isPending}
              testId="sensor-config-submit"
            />
          ) : (
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('common.close')}
              </Button>
            </Group>
          )}
        </Box>
      </form>
    </Drawer>
  );
}
