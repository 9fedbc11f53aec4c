import { type Settings, type UpdateSettingsRequest, UpdateSettingsRequestSchema } from '@mamori/contracts';
import { Alert, Button, Card, Group, NumberInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconLock } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { settingsApi } from '../api/endpoints.ts';
import { queryKeys, useSettings } from '../api/queries.ts';
import { useSession } from '../api/session.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { PageLoader } from '../components/page-loader.tsx';
import { QueryError } from '../components/query-error.tsx';
import { serverFieldErrors } from '../lib/errors.ts';
import { validateWith } from '../lib/validation.ts';

type SettingsForm = Pick<Settings, 'organisationName' | 'sessionIdleMinutes' | 'sessionAbsoluteHours'>;

const toRequest = (v: SettingsForm): UpdateSettingsRequest => ({
  organisationName: v.organisationName,
  sessionIdleMinutes: v.sessionIdleMinutes,
  sessionAbsoluteHours: v.sessionAbsoluteHours,
});

/** Organisation-wide settings; editable only with settings:update, read-only otherwise. */
export function SettingsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const editable = can('settings:update');
  const queryClient = useQueryClient();
  const settings = useSettings();
  const form = useForm<SettingsForm>({
    initialValues: { organisationName: '', sessionIdleMinutes: 30, sessionAbsoluteHours: 12 },
    validate: validateWith(UpdateSettingsRequestSchema, toRequest, t),
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the form when the settings arrive
  useEffect(() => {
    if (!settings.data) return;
    const values = toRequest(settings.data as SettingsForm) as SettingsForm;
    form.setValues(values);
    form.resetDirty(values);
  }, [settings.data]);

  const save = useMutation({
    mutationFn: settingsApi.update,
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKeys.settings, saved);
      void queryClient.invalidateQueries({ queryKey: queryKeys.audit });
      form.resetDirty(toRequest(saved) as SettingsForm);
      notifications.show({ color: 'teal', message: t('settings.saved') });
    },
    onError: (err) => form.setErrors(serverFieldErrors(t, err)),
  });

  if (settings.isLoading) return <PageLoader />;
  if (settings.error) return <QueryError error={settings.error} onRetry={() => void settings.refetch()} />;

  return (
    <>
      <PageHeader title={t('settings.title')} description={t('settings.description')} />
      <Card withBorder radius="md" padding="lg" maw={720}>
        <form onSubmit={form.onSubmit((v) => save.mutate(toRequest(v)))} noValidate>
          <Stack gap="lg">
            {!editable && (
              <Alert color="gray" icon={<IconLock />} data-testid="settings-readonly-note">
                {t('settings.readOnly')}
              </Alert>
            )}
            <TextInput
              label={t('settings.organisation')}
              description={t('settings.organisationHelp')}
              readOnly={!editable}
              variant={editable ? 'default' : 'filled'}
              required={editable}
              data-testid="settings-org"
              {...form.getInputProps('organisationName')}
            />
            <Stack gap="lg">
              <NumberInput
                label={t('settings.idle')}
                description={t('settings.idleHelp')}
                suffix={t('settings.minutesSuffix')}
                min={5}
                max={240}
                step={5}
                allowDecimal={false}
                readOnly={!editable}
                variant={editable ? 'default' : 'filled'}
                styles={{ wrapper: { maxWidth: 220 } }}
                clampBehavior="none"
                data-testid="settings-idle"
                {...form.getInputProps('sessionIdleMinutes')}
              />
              <NumberInput
                label={t('settings.absolute')}
                description={t('settings.absoluteHelp')}
                suffix={t('settings.hoursSuffix')}
                min={1}
                max={24}
                allowDecimal={false}
                readOnly={!editable}
                variant={editable ? 'default' : 'filled'}
                styles={{ wrapper: { maxWidth: 220 } }}
                clampBehavior="none"
                data-testid="settings-absolute"
                {...form.getInputProps('sessionAbsoluteHours')}
              />
            </Stack>
            <ErrorAlert error={save.error} testId="settings-error" overrides={{ invalid: 'errors.fixFields' }} />
            {editable && (
              <Group justify="flex-end">
                <Button
                  variant="default"
                  disabled={!form.isDirty()}
                  onClick={() => settings.data && form.setValues(toRequest(settings.data) as SettingsForm)}
                >
                  {t('settings.undo')}
                </Button>
                <Button type="submit" loading={save.isPending} disabled={!form.isDirty()} data-testid="settings-submit">
                  {t('common.save')}
                </Button>
              </Group>
            )}
          </Stack>
        </form>
      </Card>
    </>
  );
}
