// 覆盖情况: GET /coverage (the district, each street/township, the
// unassigned) and the gap lists it links to (GET /enterprises?gap=…&township=…).
// Types from schema.ts; labels from the dictionary.
import { api } from './client'
import type { definitions } from './schema'

export type CoverageTable = definitions['coverage.Table']
export type CoverageRow = definitions['coverage.Row']

export const coverage = () => api<CoverageTable>('GET', '/coverage').then((r) => r.data)

/** percent shows a rate (a fraction, 4 decimals) as a percentage with one decimal. */
export const percent = (rate: number | undefined | null): string => ((rate ?? 0) * 100).toFixed(1) + '%'

/** townshipParam is a row's township= filter: its 9-digit code, or none for the unassigned row. */
export const townshipParam = (row: CoverageRow): string => (/^\d{9}$/.test(row.code) ? row.code : 'none')
