import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './error-alert.tsx';

/** Asks "are you sure?" in plain words before an action that affects someone else. */
export function ConfirmDialog({
  opened,
  title,
  body,
  confirmLabel,
  color = 'blue',
  loading,
  error,
  onConfirm,
  onClose,
  children,
  confirmDisabled,
}: {
  opened: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  color?: string;
  loading?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  /** More of the question below the text (e.g. a required reason). */
  children?: ReactNode;
  /** Keeps the confirm button off until the extra fields are filled in. */
  confirmDisabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered data-testid="confirm-dialog">
      <Stack gap="md">
        <Text size="sm">{body}</Text>
        {children}
        <ErrorAlert error={error} testId="confirm-error" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-testid="confirm-cancel">
            {t('common.cancel')}
          </Button>
          <Button
            color={color}
            loading={loading}
            disabled={confirmDisabled}
            onClick={onConfirm}
            data-testid="confirm-ok"
          >
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
