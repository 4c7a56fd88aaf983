// The bar chart of 覆盖情况 (组织覆盖率 and 工作覆盖率 per street/township),
// drawn by ECharts on a canvas. Only what it uses is imported from ECharts
// (core, the bar chart, grid and legend, the canvas renderer), and this
// module is loaded with import() when the chart is first shown, so none of
// it is in the initial bundle. No tooltip: its HTML would need inline
// styles the Content-Security-Policy refuses; the values are on the bars
// and in the table.
import { init, use, type ComposeOption } from 'echarts/core'
import { BarChart, type BarSeriesOption } from 'echarts/charts'
import { GridComponent, LegendComponent, type GridComponentOption, type LegendComponentOption } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { ChartData } from '../api/coverageChart'

use([BarChart, GridComponent, LegendComponent, CanvasRenderer])

type Option = ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption>

/** A CSS variable of style.css (the palette whose contrast is checked). */
function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback
}

function option(d: ChartData): Option {
  const text = '#323233'
  const label = { show: true, position: 'right' as const, formatter: (p: { value: unknown }) => Number(p.value).toFixed(1) + '%', color: text, fontSize: 16 }
  return {
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: 16 },
    legend: { top: 0, textStyle: { color: text, fontSize: 16 }, itemWidth: 20, itemHeight: 14 },
    grid: { top: 40, left: 8, right: 64, bottom: 8 },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', color: text, fontSize: 16 }, interval: 50 },
    yAxis: { type: 'category', inverse: true, data: d.names, axisLabel: { color: text, fontSize: 16 }, axisTick: { show: false } },
    series: [
      { name: '组织覆盖率', type: 'bar', data: d.organization, itemStyle: { color: cssVar('--van-primary-color', '#0b62c4') }, label, barGap: '10%', barMaxWidth: 16 },
      { name: '工作覆盖率', type: 'bar', data: d.work, itemStyle: { color: cssVar('--van-success-color', '#067d3f') }, label, barMaxWidth: 16 },
    ],
  }
}

/** mount draws the chart in el and follows el's size; dispose removes it. */
export function mount(el: HTMLElement, d: ChartData) {
  const chart = init(el, undefined, { renderer: 'canvas' })
  chart.setOption(option(d))
  const seen = new ResizeObserver(() => chart.resize())
  seen.observe(el)
  return {
    update: (next: ChartData) => chart.setOption(option(next), { notMerge: true }),
    dispose: () => {
      seen.disconnect()
      chart.dispose()
    },
  }
}
