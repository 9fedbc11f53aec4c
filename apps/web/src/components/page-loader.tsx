import { Center, Loader } from '@mantine/core';

/** A centred spinner while a page or its data loads. */
export function PageLoader({ minHeight = '40vh' }: { minHeight?: string | number }) {
  return (
    <Center mih={minHeight} data-testid="page-loader">
      <Loader />
    </Center>
  );
}
