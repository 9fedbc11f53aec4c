import { Alert } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { type ErrorOverrides, errorMessage } from '../lib/errors.ts';

/** A failed action explained in plain words; renders nothing without an error. */
export function ErrorAlert({
  error,
  overrides,
  testId = 'form-error',
}: {
  error: unknown;
  overrides?: ErrorOverrides;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" icon={<IconAlertCircle />} data-testid={testId} role="alert">
      {errorMessage(t, error, overrides)}
    </Alert>
  );
}
