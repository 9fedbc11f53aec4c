import { Skeleton } from '@mantine/core';
import type { EChartsCoreOption } from 'echarts/core';
import { lazy, Suspense } from 'react';
import type { ChartClick } from '../components/echart.tsx';

const SensorChartImpl = lazy(() => import('./sensors-chart-impl.tsx'));

/** A chart of the decoy-server screens (bars with a legend, heatmaps); ECharts loads with the first one. */
export function SensorChart(props: {
  option: EChartsCoreOption;
  height: number;
  testId?: string;
  onClick?: (event: ChartClick) => void;
}) {
  return (
    <Suspense fallback={<Skeleton h={props.height} />}>
      <SensorChartImpl {...props} />
    </Suspense>
  );
}
