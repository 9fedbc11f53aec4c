import type { Severity } from '@mamori/contracts';
import { Group, type MantineSpacing, Select, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFacilityDirectory } from '../api/queries.ts';
import { SEVERITIES } from '../lib/alerts.ts';

/**
 * The "facility" filter above a list: every facility the user sees, searchable; hidden when the
 * user sees only one facility (there is nothing to choose).
 */
export function FacilityFilter({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: string | null;
  onChange: (facilityId: string | null) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const facilities = useFacilityDirectory();
  if (facilities.list.length <= 1) return null;
  return (
    <Select
      label={label}
      placeholder={t('common.all')}
      data={facilities.list.map((f) => ({ value: f.id, label: f.name }))}
      value={value}
      onChange={onChange}
      searchable
      clearable
      nothingFoundMessage={t('common.nothingFound')}
      w={{ base: '100%', sm: 240 }}
      data-testid={testId}
    />
  );
}

/** The "severity" filter above a list, most urgent first. */
export function SeverityFilter({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: Severity | null;
  onChange: (severity: string | null) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={label}
      placeholder={t('common.all')}
      data={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
      value={value}
      onChange={onChange}
      clearable
      w={{ base: '100%', sm: 150 }}
      data-testid={testId}
    />
  );
}

/** The row above a list: its filters on the left, how many there are (and any buttons) on the right. */
export function FilterBar({
  children,
  total,
  totalTestId,
  actions,
  mb = 'md',
}: {
  children: ReactNode;
  /** The count, already in words ("12 items"). */
  total: string;
  totalTestId?: string;
  actions?: ReactNode;
  mb?: MantineSpacing;
}) {
  return (
    <Group gap="sm" mb={mb} align="flex-end">
      {children}
      <Text size="sm" c="dimmed" ml="auto" data-testid={totalTestId}>
        {total}
      </Text>
      {actions}
    </Group>
  );
}
