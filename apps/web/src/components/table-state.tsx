import { Center, Loader, Text } from '@mantine/core';

/** Below a table: a spinner while the first page loads, or a friendly line when nothing matches. */
export function TableState({ loading, empty, emptyText }: { loading: boolean; empty: boolean; emptyText: string }) {
  if (loading) {
    return (
      <Center py="xl">
        <Loader size="sm" />
      </Center>
    );
  }
  if (empty) {
    return (
      <Text c="dimmed" ta="center" py="xl" size="sm" data-testid="table-empty">
        {emptyText}
      </Text>
    );
  }
  return null;
}
