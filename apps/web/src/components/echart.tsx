import { Skeleton } from '@mantine/core';
import type { EChartsCoreOption } from 'echarts/core';
import { lazy, Suspense } from 'react';

const EChartImpl = lazy(() => import('./echart-impl.tsx'));

/** A chart; ECharts is fetched only when the first chart appears. */
export function EChart(props: { option: EChartsCoreOption; height: number; testId?: string }) {
  return (
    <Suspense fallback={<Skeleton h={props.height} />}>
      <EChartImpl {...props} />
    </Suspense>
  );
}
