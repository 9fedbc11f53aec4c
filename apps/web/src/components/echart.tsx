import { Skeleton } from '@mantine/core';
import type { EChartsCoreOption } from 'echarts/core';
import { lazy, Suspense } from 'react';

const EChartImpl = lazy(() => import('./echart-impl.tsx'));

/** What a click on a chart hit: a series item (`dataIndex`) or an axis label (`value`). */
export type ChartClick = { componentType: string; dataIndex?: number; value?: unknown };

/** A chart; ECharts is fetched only when the first chart appears. */
export function EChart(props: {
  option: EChartsCoreOption;
  height: number;
  testId?: string;
  onClick?: (event: ChartClick) => void;
}) {
  return (
    <Suspense fallback={<Skeleton h={props.height} />}>
      <EChartImpl {...props} />
    </Suspense>
  );
}
