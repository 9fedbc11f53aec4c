import { Button, type ButtonProps } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import type { ComponentType } from 'react';

type Icon = ComponentType<{ size?: number }>;

/** The small "edit" button at the end of a table row. */
export function EditButton({
  label,
  onClick,
  testId,
  variant = 'default',
  icon: EditIcon = IconPencil,
}: {
  label: string;
  onClick: () => void;
  testId: string;
  variant?: ButtonProps['variant'];
  icon?: Icon;
}) {
  return (
    <Button
      size="compact-sm"
      variant={variant}
      leftSection={<EditIcon size={14} />}
      onClick={onClick}
      data-testid={testId}
    >
      {label}
    </Button>
  );
}

/** The small red button at the end of a table row that asks before removing (or revoking) it. */
export function DangerButton({
  label,
  onClick,
  testId,
  icon: DangerIcon = IconTrash,
}: {
  label: string;
  onClick: () => void;
  testId: string;
  icon?: Icon;
}) {
  return (
    <Button
      size="compact-sm"
      variant="light"
      color="red"
      leftSection={<DangerIcon size={14} />}
      onClick={onClick}
      data-testid={testId}
    >
      {label}
    </Button>
  );
}
