import { describe, expect, it } from 'vitest'
import { exportKinds, exportUrl, mayExport } from './exports'

describe('export links', () => {
  it('adds a chosen township, and nothing for the whole district', () => {
    expect(exportUrl('coverage.xlsx', '', '')).toBe('/api/v1/exports/coverage.xlsx')
    expect(exportUrl('coverage-plan.xlsx', '431103001', '')).toBe('/api/v1/exports/coverage-plan.xlsx?township=431103001')
    expect(exportUrl('coverage.xlsx', 'none', '')).toBe('/api/v1/exports/coverage.xlsx')
  })
  it('needs a gap for the gap list and ignores it elsewhere', () => {
    expect(exportUrl('gaps.xlsx', '', '')).toBeNull()
    expect(exportUrl('gaps.xlsx', '431103001', 'no_liaison')).toBe('/api/v1/exports/gaps.xlsx?gap=no_liaison&township=431103001')
    expect(exportUrl('coverage.xlsx', '', 'no_liaison')).toBe('/api/v1/exports/coverage.xlsx')
  })
  it('is for staff, not liaisons', () => {
    expect(['district_admin', 'township_admin', 'auditor'].every((r) => mayExport(r as never))).toBe(true)
    expect(mayExport('liaison')).toBe(false)
    expect(mayExport(undefined)).toBe(false)
  })
  it('says what each export holds', () => {
    expect(exportKinds.map((k) => k.path)).toEqual(['coverage.xlsx', 'coverage-plan.xlsx', 'gaps.xlsx'])
    expect(exportKinds.every((k) => k.note.length > 10)).toBe(true)
  })
})
