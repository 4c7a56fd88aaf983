// 导出: the xlsx downloads (GET /exports/…), links the browser follows with
// the session cookie. Staff (district and township admins, auditors) may
// export; a township-bound user's export is of its own township whatever it
// asks. Divisions (the townships to choose from) from GET /divisions.
import { api } from './client'
import type { definitions } from './schema'

export type Divisions = definitions['httpapi.DivisionsResponse']
type Role = definitions['httpapi.UserResponse']['role']

/** The exports, what each holds, and whether it needs a gap. */
export const exportKinds = [
  { path: 'coverage.xlsx', title: '覆盖情况汇总表', note: '每个街道/乡镇一行：应覆盖企业、各对策方式的户数、组织覆盖率、单独组建率、工作覆盖率、工会/共青团/妇联和各类缺口数，末行合计。' },
  { path: 'coverage-plan.xlsx', title: '全覆盖计划表', note: '每家应覆盖企业一行，按街道/乡镇分组并有小计、合计：职工和正式党员人数、对策方式、组建时间与方式、党组织、联系人、联络员、状态。' },
  { path: 'gaps.xlsx', title: '缺口清单', note: '有所选缺口的企业，版式同全覆盖计划表，另加“缺口”一列。', gap: true },
] as const

export type ExportPath = (typeof exportKinds)[number]['path']

export const mayExport = (role: Role | undefined) => role === 'district_admin' || role === 'township_admin' || role === 'auditor'

/**
 * exportUrl is the link of an export: township (a 9-digit code) when one
 * is chosen, gap for the gap list (which needs one; null without).
 */
export function exportUrl(path: ExportPath, township: string, gap: string): string | null {
  const p = new URLSearchParams()
  if (path === 'gaps.xlsx') {
    if (!gap) return null
    p.set('gap', gap)
  }
  if (/^\d{9}$/.test(township)) p.set('township', township)
  const q = p.toString()
  return '/api/v1/exports/' + path + (q ? '?' + q : '')
}

export const divisions = () => api<Divisions>('GET', '/divisions').then((r) => r.data)
