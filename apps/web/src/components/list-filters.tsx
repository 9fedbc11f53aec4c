import type { Severity } from '@mamori/contracts';
import { type ComboboxData, Group, type MantineSpacing, Select, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFacilityDirectory } from '../api/queries.ts';
import { SEVERITIES } from '../lib/alerts.ts';

/** A choice above a list: empty means "all"; clearable; with `searchable`, typed to narrow the choices. */
export function SelectFilter({
  label,
  data,
  value,
  onChange,
  searchable,
  width,
  testId,
}: {
  label: string;
  data: ComboboxData;
  value: string | null;
  onChange: (value: string | null) => void;
  searchable?: boolean;
  /** Its width from the small breakpoint up (full width below). */
  width: number;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={label}
      placeholder={t('common.all')}
      data={data}
      value={value}
      onChange={onChange}
      searchable={searchable}
      clearable
      nothingFoundMessage={searchable ? t('common.nothingFound') : undefined}
      w={{ base: '100%', sm: width }}
      data-testid={testId}
    />
  );
}

/** A search box above a list. */
export function SearchFilter({
  label,
  placeholder,
  value,
  onChange,
  testId,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <TextInput
      label={label}
      placeholder={placeholder}
      leftSection={<IconSearch size={16} />}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      w={{ base: '100%', sm: 260 }}
      data-testid={testId}
    />
  );
}

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
  const facilities = useFacilityDirectory();
  if (facilities.list.length <= 1) return null;
  return (
    <SelectFilter
      label={label}
      data={facilities.list.map((f) => ({ value: f.id, label: f.name }))}
      value={value}
      onChange={onChange}
      searchable
      width={240}
      testId={testId}
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
    <SelectFilter
      label={label}
      data={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
      value={value}
      onChange={onChange}
      width={150}
      testId={testId}
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
