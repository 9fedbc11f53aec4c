import { Group, Pagination } from '@mantine/core';

/** Page numbers below a list, shown only when there is more than one page. */
export function ListPagination({
  total,
  pageSize,
  page,
  onChange,
  testId,
}: {
  /** How many items the whole list has. */
  total: number;
  pageSize: number;
  page: number;
  onChange: (page: number) => void;
  testId: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <Group justify="center" mt="md">
      <Pagination total={pages} value={page} onChange={onChange} data-testid={testId} />
    </Group>
  );
}
