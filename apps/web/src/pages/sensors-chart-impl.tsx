import { HeatmapChart } from 'echarts/charts';
import { LegendComponent, VisualMapContinuousComponent } from 'echarts/components';
import { use } from 'echarts/core';
import EChartImpl from '../components/echart-impl.tsx';

// The decoy-server screens also draw a heatmap (sources × facilities) and stacked bars with a
// legend; these pieces are registered here so the shared chart chunk stays small for other pages.
use([HeatmapChart, VisualMapContinuousComponent, LegendComponent]);

export default EChartImpl;
