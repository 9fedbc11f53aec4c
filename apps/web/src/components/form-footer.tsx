import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** The bottom of a form in a modal: "cancel" and the submit button, on the right. */
export function FormFooter({
  onCancel,
  submitLabel,
  loading,
  testId,
  leftSection,
}: {
  onCancel: () => void;
  submitLabel: string;
  loading: boolean;
  /** The submit button's test id. */
  testId: string;
  leftSection?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        {t('common.cancel')}
      </Button>
      <Button type="submit" leftSection={leftSection} loading={loading} data-testid={testId}>
        {submitLabel}
      </Button>
    </Group>
  );
}
