import { PasswordInput, Progress, Stack, Text } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';

type WithPasswords = { password: string; passwordConfirm: string };

/** New password + confirmation with the policy explained and a simple length meter. */
export function PasswordFields<T extends WithPasswords>({
  form,
  testIdPrefix,
}: {
  form: UseFormReturnType<T>;
  testIdPrefix: string;
}) {
  const { t } = useTranslation();
  const length = [...form.getValues().password].length;
  const strength = Math.min(100, (length / 16) * 100);
  const color = length >= 16 ? 'teal' : length >= 12 ? 'blue' : 'orange';
  return (
    <Stack gap="xs">
      <PasswordInput
        label={t('password.label')}
        autoComplete="new-password"
        required
        data-testid={`${testIdPrefix}-password`}
        {...form.getInputProps('password')}
      />
      <Progress value={strength} color={color} size="xs" aria-hidden="true" />
      <Text size="xs" c="dimmed">
        {t('password.hint')}
      </Text>
      <PasswordInput
        label={t('password.confirm')}
        autoComplete="new-password"
        required
        data-testid={`${testIdPrefix}-password-confirm`}
        {...form.getInputProps('passwordConfirm')}
      />
    </Stack>
  );
}

/** The "both passwords match" check for forms that use PasswordFields. */
export function passwordsMatch(t: (key: string) => string) {
  return (values: WithPasswords): Record<string, string> =>
    values.passwordConfirm && values.password !== values.passwordConfirm
      ? { passwordConfirm: t('validation.passwordMismatch') }
      : values.passwordConfirm
        ? {}
        : { passwordConfirm: t('validation.passwordConfirmRequired') };
}
