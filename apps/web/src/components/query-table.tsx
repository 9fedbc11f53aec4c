import { Table, type TableProps } from '@mantine/core';
import type { ComponentProps, CSSProperties, ReactNode } from 'react';
import { ListPagination } from './list-pagination.tsx';
import { QueryError } from './query-error.tsx';
import { TableState } from './table-state.tsx';

/** The query answered with a page of no items (`{ items: [] }`). */
function answeredEmpty(data: object | undefined): boolean {
  return !!data && 'items' in data && Array.isArray(data.items) && data.items.length === 0;
}

/**
 * A list's table with what surrounds it everywhere: the load error (with retry) above, and the
 * spinner or "nothing here" line below. The rows are the children; `head` is the header cells.
 */
export function QueryTable({
  query,
  empty = answeredEmpty(query.data),
  showError = true,
  pagination,
  emptyText,
  minWidth,
  testId,
  head,
  headStyle,
  striped,
  highlightOnHover,
  verticalSpacing = 'sm',
  children,
}: {
  /** The query the rows come from: its error, whether it is loading, how to retry, and its items. */
  query: { error: unknown; isLoading: boolean; refetch: () => unknown; data?: object };
  /** The query answered and there is nothing to show (by default: it answered with no items). */
  empty?: boolean;
  /** Page numbers below the list (shown when there is more than one page). */
  pagination?: ComponentProps<typeof ListPagination>;
  /** False where the page shows the load error elsewhere. */
  showError?: boolean;
  emptyText: string;
  minWidth: number;
  testId: string;
  head: ReactNode;
  headStyle?: CSSProperties;
  striped?: boolean;
  highlightOnHover?: boolean;
  verticalSpacing?: TableProps['verticalSpacing'];
  children: ReactNode;
}) {
  return (
    <>
      {showError && !!query.error && <QueryError error={query.error} onRetry={() => void query.refetch()} />}
      <Table.ScrollContainer minWidth={minWidth}>
        <Table
          striped={striped}
          highlightOnHover={highlightOnHover}
          verticalSpacing={verticalSpacing}
          data-testid={testId}
        >
          <Table.Thead>
            <Table.Tr style={headStyle}>{head}</Table.Tr>
          </Table.Thead>
          <Table.Tbody>{children}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <TableState loading={query.isLoading} empty={empty} emptyText={emptyText} />
      {pagination && <ListPagination {...pagination} />}
    </>
  );
}
