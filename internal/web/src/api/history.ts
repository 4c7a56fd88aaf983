// 变更记录 on the 企业台账: GET /enterprises/{id}/history turned into lines a
// person reads — who changed which field from what to what, and when.
// Field names in Chinese (the survey fields' labels from ledger.ts, the
// registration and derived fields' here, as internal/enterprise/fields.go
// names them); enum values by the dictionary's labels.
import type { Dictionaries } from './dictionaries'
import { label } from './dictionaries'
import { surveyFields } from './ledger'
import type { definitions } from './schema'

export type Revision = definitions['httpapi.RevisionResponse']
export type History = definitions['httpapi.HistoryResponse']
export type Change = definitions['enterprise.Change']

/** fieldLabels name every field the history records (enterprise.diffFields). */
export const fieldLabels: Record<string, string> = {
  credit_code: '统一社会信用代码',
  name: '企业名称',
  entity_type: '市场主体类型',
  legal_representative: '法定代表人',
  registered_capital: '注册资本（万元）',
  founded_on: '成立日期',
  registration_status: '登记状态',
  registered_address: '住所（注册地址）',
  registration_authority: '登记机关',
  industry: '所属行业',
  business_scope: '经营范围',
  operating_address: '实际经营地址',
  township_code: '所属街道/乡镇',
  assignment: '街道/乡镇划分方式',
  assignment_reason: '未划分原因',
  member_sources: '党员来源',
  owner_identity: '业主身份',
  above_scale: '是否规模以上企业',
  needs: '企业所需',
  nature: '企业性质',
  in_scope: '是否纳入覆盖基数',
  out_of_scope_reason: '不纳入原因',
  check_digit_warning: '信用代码校验位待核实',
  priority: '重点培育',
  suggested_method: '建议组建方式',
  ...Object.fromEntries(surveyFields.map((f) => [f.key, f.label])),
}

/** The dictionary each coded field's values come from. */
const dictOf: Record<string, keyof Dictionaries> = {
  assignment: 'assignments',
  assignment_reason: 'unassigned_reasons',
  owner_identity: 'owner_identities',
  operating_status: 'operating_statuses',
  nature: 'natures',
  out_of_scope_reason: 'out_of_scope_reasons',
  suggested_method: 'methods',
  needs: 'needs',
}
const money = new Set(['registered_capital', 'annual_revenue'])

export const fieldLabel = (field: string): string => fieldLabels[field] ?? field

/**
 * showValue prints one old or new value: 空 for none, 是/否, amounts in 万元,
 * codes by their dictionary label, 党员来源 as "source 2名", a township code
 * by its name when townships (code → name) knows it.
 */
export function showValue(field: string, v: unknown, dicts?: Dictionaries | null, townships?: Record<string, string>): string {
  if (v == null || v === '' || (Array.isArray(v) && !v.length)) return '空'
  const dict = dictOf[field] && dicts ? dicts[dictOf[field]] : undefined
  if (Array.isArray(v)) return v.map((c) => label(dict, String(c))).join('、')
  if (field === 'member_sources' && typeof v === 'object') {
    const parts = Object.entries(v as Record<string, number>).map(([k, n]) => `${label(dicts?.member_sources, k)} ${n}名`)
    return parts.length ? parts.join('、') : '空'
  }
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (field === 'township_code') return townships?.[String(v)] ?? String(v)
  if (money.has(field)) return `${v} 万元`
  if (dictOf[field]) return label(dict, String(v))
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/** districtTime prints an instant as the district reads it (UTC+8): 2026-12-01 14:03. */
export function districtTime(at: string): string {
  const t = new Date(at)
  if (Number.isNaN(t.getTime())) return at
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')
}

export interface ChangeLine {
  field: string
  label: string
  from: string
  to: string
}
export interface RevisionView {
  id: number
  at: string
  who: string
  source: string
  changes: ChangeLine[]
}

/** revisions lists the history newest first, each change as a line to print. */
export function revisions(h: Revision[], dicts?: Dictionaries | null, townships?: Record<string, string>): RevisionView[] {
  return [...h]
    .sort((a, b) => b.version - a.version || b.id - a.id)
    .map((r) => ({
      id: r.id,
      at: districtTime(r.at),
      who: r.actor || '系统',
      source: label(dicts?.history_sources, r.source),
      changes: (r.changes ?? []).map((c) => ({
        field: c.field,
        label: fieldLabel(c.field),
        from: showValue(c.field, c.old, dicts, townships),
        to: showValue(c.field, c.new, dicts, townships),
      })),
    }))
}

/** needsTownships tells whether the history names a township code (worth reading GET /divisions). */
export const needsTownships = (h: Revision[]): boolean => h.some((r) => (r.changes ?? []).some((c) => c.field === 'township_code'))
