import { keepPreviousData, useQuery } from '@tanstack/react-query';

export type Paging = { limit: number; offset: number };

/**
 * One page of a list the server pages (`{ items, total }`): the page number goes last in the query
 * key, the last page stays on screen while the next loads, and `pagination` is what the page
 * numbers below the list need.
 */
export function usePagedQuery<T extends { total: number }>({
  queryKey,
  fetchPage,
  page,
  pageSize,
  onPage,
  enabled,
}: {
  queryKey: readonly unknown[];
  fetchPage: (paging: Paging) => Promise<T>;
  /** From 1. */
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  enabled?: boolean;
}) {
  const query = useQuery({
    queryKey: [...queryKey, page],
    queryFn: () => fetchPage({ limit: pageSize, offset: (page - 1) * pageSize }),
    enabled,
    placeholderData: keepPreviousData,
  });
  const total = query.data?.total ?? 0;
  return { query, total, pagination: { total, pageSize, page, onChange: onPage } };
}
