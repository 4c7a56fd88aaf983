// Editing a ledger's survey fields (摸排信息): which fields a liaison may edit,
// the draft the form edits, the patch of what the user changed, and the
// rows of the conflict screen when someone else saved first (412). Pure
// functions, so that the merge can be tested without a browser.
import type { Enterprise } from './client'
import type { Dictionaries } from './dictionaries'
import { label } from './dictionaries'
import type { definitions } from './schema'

type Input = definitions['httpapi.EnterpriseInput']

export type SurveyKey =
  | 'employees' | 'young_employees' | 'full_members' | 'probationary_members'
  | 'union' | 'youth_league' | 'womens_federation' | 'operating_status' | 'annual_revenue'

/** Patch is the body of PATCH /enterprises/{id}: the fields changed, null clears one. */
export type Patch = { [K in SurveyKey]?: Input[K] | null }

export type Kind = 'count' | 'money' | 'bool' | 'enum'
export interface FieldSpec {
  key: SurveyKey
  label: string
  kind: Kind
  /** the dictionary an enum's codes and labels come from */
  dict?: keyof Dictionaries
}

// The survey fields a liaison may edit (docs/guide.md, 摸排信息), in the
// order of the paper survey form.
export const surveyFields: FieldSpec[] = [
  { key: 'employees', label: '职工人数', kind: 'count' },
  { key: 'young_employees', label: '35岁以下职工人数', kind: 'count' },
  { key: 'full_members', label: '正式党员人数', kind: 'count' },
  { key: 'probationary_members', label: '预备党员人数', kind: 'count' },
  { key: 'union', label: '是否建立工会', kind: 'bool' },
  { key: 'youth_league', label: '是否建立共青团组织', kind: 'bool' },
  { key: 'womens_federation', label: '是否建立妇联组织', kind: 'bool' },
  { key: 'operating_status', label: '经营状况', kind: 'enum', dict: 'operating_statuses' },
  { key: 'annual_revenue', label: '年营业收入（万元）', kind: 'money' },
]
const specOf = (k: SurveyKey) => surveyFields.find((f) => f.key === k)!

/** A form value: text for numbers ('' is 未填报), true/false/null for yes-no, a code or null for enums. */
export type DraftValue = string | boolean | null
export type Draft = Record<SurveyKey, DraftValue>

/** stored is a ledger's value of a field; null when not filled in. */
export const stored = (l: Enterprise, k: SurveyKey): unknown => (l as unknown as Record<string, unknown>)[k] ?? null

export function toDraft(l: Enterprise): Draft {
  const d = {} as Draft
  for (const f of surveyFields) {
    const v = stored(l, f.key)
    d[f.key] = f.kind === 'count' || f.kind === 'money' ? (v == null ? '' : String(v)) : (v as boolean | string | null)
  }
  return d
}

/** value is what a draft value sends: numbers parsed, '' and null clear. */
export function value(f: FieldSpec, v: DraftValue): unknown {
  if (f.kind === 'count' || f.kind === 'money') {
    const s = String(v ?? '').trim()
    return s === '' ? null : Number(s)
  }
  if (f.kind === 'enum') return v === '' ? null : v
  return v
}

/** validate checks what the form can tell alone; the server's 422 says the rest. */
export function validate(d: Draft): Partial<Record<SurveyKey, string>> {
  const errors: Partial<Record<SurveyKey, string>> = {}
  for (const f of surveyFields) {
    const s = String(d[f.key] ?? '').trim()
    if (s === '') continue
    if (f.kind === 'count' && !/^\d+$/.test(s)) errors[f.key] = '请填写不小于 0 的整数'
    if (f.kind === 'money' && !/^\d+(\.\d+)?$/.test(s)) errors[f.key] = '请填写不小于 0 的数字'
  }
  const e = value(specOf('employees'), d.employees)
  const y = value(specOf('young_employees'), d.young_employees)
  if (!errors.employees && !errors.young_employees && typeof e === 'number' && typeof y === 'number' && y > e)
    errors.young_employees = '35岁以下职工人数不能大于职工人数'
  return errors
}

/** diff is the patch of the fields the draft changes from the ledger it was read from. */
export function diff(base: Enterprise, d: Draft): Patch {
  const p: Record<string, unknown> = {}
  for (const f of surveyFields) {
    const v = value(f, d[f.key])
    if (v !== stored(base, f.key)) p[f.key] = v
  }
  return p as Patch
}

/** show is a field's value as the screens print it. */
export function show(f: FieldSpec, v: unknown, dicts?: Dictionaries | null): string {
  if (v == null || v === '') return '未填报'
  switch (f.kind) {
    case 'bool':
      return v ? '是' : '否'
    case 'enum':
      return label(f.dict && dicts ? dicts[f.dict] : undefined, String(v))
    case 'money':
      return String(v) + ' 万元'
    default:
      return String(v)
  }
}

export interface ConflictRow {
  spec: FieldSpec
  /** what the user wants */
  mine: unknown
  /** the value on the server now */
  theirs: unknown
  /** the value the user started from */
  before: unknown
  /** the other person changed this field too */
  otherChanged: boolean
}

/**
 * conflictRows lines up, for each field the user changed, their value
 * beside the server's current one; base is the version the user edited,
 * current the version that refused the save.
 */
export function conflictRows(base: Enterprise, mine: Patch, current: Enterprise): ConflictRow[] {
  return surveyFields
    .filter((f) => f.key in mine)
    .map((f) => ({
      spec: f,
      mine: (mine as Record<string, unknown>)[f.key],
      theirs: stored(current, f.key),
      before: stored(base, f.key),
      otherChanged: stored(current, f.key) !== stored(base, f.key),
    }))
}
