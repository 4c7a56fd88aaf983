import { describe, expect, it } from 'vitest'
import type { CoverageRow } from './coverage'
import { chartData, chartHeight, chartSummary } from './coverageChart'

const row = (name: string, enterprises: number, org: number, work: number) =>
  ({ code: name, name, enterprises, organization_coverage_rate: org, work_coverage_rate: work }) as unknown as CoverageRow

describe('the coverage chart', () => {
  const rows = [row('梅湾街道', 40, 0.4567, 0.8), row('空乡', 0, 0, 0), row('未划分街道/乡镇', 3, 0, 1 / 3)]
  it('gives each township with a base its two rates in percent, one decimal', () => {
    expect(chartData(rows)).toEqual({ names: ['梅湾街道', '未划分街道/乡镇'], organization: [45.7, 0], work: [80, 33.3], bases: [40, 3] })
  })
  it('says the same in words', () => {
    expect(chartSummary(rows)).toBe('各街道/乡镇覆盖率柱状图（共2个）：梅湾街道组织覆盖率45.7%、工作覆盖率80.0%；未划分街道/乡镇组织覆盖率0.0%、工作覆盖率33.3%')
    expect(chartSummary([row('空乡', 0, 0, 0)])).toContain('没有应覆盖的企业')
  })
  it('grows with the rows', () => {
    expect(chartHeight(1)).toBe(200)
    expect(chartHeight(20)).toBe(960)
  })
})
