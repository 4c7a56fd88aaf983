// The data of 覆盖情况's bar chart, kept apart from ECharts (which is loaded
// only when the chart is shown): per street/township (and the unassigned),
// the organisation and work coverage rates in percent, and the same in
// words for the chart's accessible name.
import { percent, type CoverageRow } from './coverage'

export interface ChartData {
  /** the rows' names, top to bottom */
  names: string[]
  /** 组织覆盖率 per row, in percent with one decimal */
  organization: number[]
  /** 工作覆盖率 per row, in percent with one decimal */
  work: number[]
  /** the rows' bases (应覆盖企业) */
  bases: number[]
}

const pct1 = (rate: number | undefined | null) => Math.round((rate ?? 0) * 1000) / 10

/** chartData is the chart's series for rows; rows with no enterprise to cover are left out. */
export function chartData(rows: CoverageRow[]): ChartData {
  const shown = rows.filter((r) => r.enterprises > 0)
  return {
    names: shown.map((r) => r.name),
    organization: shown.map((r) => pct1(r.organization_coverage_rate)),
    work: shown.map((r) => pct1(r.work_coverage_rate)),
    bases: shown.map((r) => r.enterprises),
  }
}

/** chartSummary says what the chart shows, for a screen reader (its aria-label). */
export function chartSummary(rows: CoverageRow[]): string {
  const shown = rows.filter((r) => r.enterprises > 0)
  if (!shown.length) return '各街道/乡镇覆盖率柱状图：没有应覆盖的企业'
  const parts = shown.map((r) => `${r.name}组织覆盖率${percent(r.organization_coverage_rate)}、工作覆盖率${percent(r.work_coverage_rate)}`)
  return `各街道/乡镇覆盖率柱状图（共${shown.length}个）：` + parts.join('；')
}

/** chartHeight gives each row room for its two bars (at least 200 px). */
export const chartHeight = (rows: number): number => Math.max(200, 80 + rows * 44)
