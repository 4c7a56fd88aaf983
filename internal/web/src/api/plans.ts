// 计划表 (一企一对策): an enterprise's plan — the draft the form edits, its
// checks, the body of PUT /enterprises/{id}/plan, the conflict rows and the
// re-application of the user's changes when someone saved first (412) —
// the registration of the party organisation that forms it (POST
// /party-orgs), and who may do what with plans and joint groups. The rules
// mirror internal/strategy (plan.go, partyorg.go); the server has the last
// word (its 422 messages go under each field). Pure functions, so that they
// can be tested without a browser.
import type { Dictionaries } from './dictionaries'
import { label } from './dictionaries'
import type { definitions } from './schema'

export type Plan = definitions['httpapi.PlanResponse']
export type PlanRequest = definitions['httpapi.PlanRequest']
export type Method = Plan['method']
export type PlanStatus = Plan['status']
export type PartyOrg = definitions['httpapi.PartyOrgResponse']
export type PartyOrgRequest = definitions['httpapi.PartyOrgRequest']
export type OrgKind = PartyOrgRequest['kind']
export type JointGroup = definitions['httpapi.JointGroupResponse']
export type JointGroupList = definitions['httpapi.JointGroupList']
export type JointGroupSuggestion = definitions['httpapi.JointGroupSuggestion']
export type JointGroupSuggestions = definitions['httpapi.JointGroupSuggestions']
export type JointGroupRequest = definitions['httpapi.JointGroupRequest']
export type PartyOrgList = definitions['httpapi.PartyOrgList']
export type Role = definitions['httpapi.UserResponse']['role']

// Who may do what (internal/httpapi/routes.go).
const admins: Role[] = ['district_admin', 'township_admin']
const staff: Role[] = ['district_admin', 'township_admin', 'auditor']
/** canEditPlan: PUT /enterprises/{id}/plan. */
export const canEditPlan = (role?: Role | null) => !!role && admins.includes(role)
/** canRegisterOrg: POST /party-orgs. */
export const canRegisterOrg = canEditPlan
/** canSeeGroups: GET /joint-groups, its suggestions, GET /party-orgs. */
export const canSeeGroups = (role?: Role | null) => !!role && staff.includes(role)
/** canChangeGroups: POST and DELETE /joint-groups. */
export const canChangeGroups = canEditPlan

/** PlanDraft is what the plan form edits: text for every field, '' when empty. */
export interface PlanDraft {
  method: string
  override_reason: string
  status: string
  planned_start_on: string
  planned_completion_on: string
  formation_details: string
  contact_name: string
  contact_phone: string
}
export type PlanKey = keyof PlanDraft
export type PlanErrors = Partial<Record<PlanKey | 'joint_group_id' | 'party_org_id' | 'formed_on', string>>

/**
 * planFields are the form's fields in order, with their labels as the
 * 全覆盖计划表 heads them: 对策 is the method (单独组建, 联合组建 …), 组建方式
 * the free text of how (the server's messages call formation_details so).
 */
export const planFields: { key: PlanKey; label: string }[] = [
  { key: 'method', label: '对策' },
  { key: 'override_reason', label: '调整理由' },
  { key: 'status', label: '推进状态' },
  { key: 'planned_start_on', label: '组建时间' },
  { key: 'planned_completion_on', label: '计划完成时间' },
  { key: 'formation_details', label: '组建方式与措施' },
  { key: 'contact_name', label: '联系人' },
  { key: 'contact_phone', label: '联系电话' },
]
export const fieldLabel = (k: PlanKey) => planFields.find((f) => f.key === k)!.label

/** organised: a registered party organisation forms the plan; its method and status are the organisation's. */
export const organised = (p: Plan) => p.party_org_id != null && p.status === 'formed'

export function toPlanDraft(p: Plan): PlanDraft {
  return {
    method: p.method,
    // An override's reason; a plan following the suggestion has none.
    override_reason: p.method_source === 'override' ? (p.override?.reason ?? '') : '',
    status: p.status,
    planned_start_on: p.planned_start_on ?? '',
    planned_completion_on: p.planned_completion_on ?? '',
    formation_details: p.formation_details ?? '',
    contact_name: p.contact_name ?? '',
    contact_phone: p.contact_phone ?? '',
  }
}

/** needsReason: the draft's method departs from the suggestion, so it is an override and needs a reason. */
export const needsReason = (p: Plan, d: PlanDraft) => !organised(p) && d.method !== '' && d.method !== p.suggested_method

// The server's pattern (strategy/plan.go): a mobile, a landline with its area code, or a local number.
const phonePattern = /^(\+?86[- ]?)?(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$/
const datePattern = /^\d{4}-\d{2}-\d{2}$/
const runes = (s: string) => [...s.trim()].length

/** statusChoices are the statuses the form offers for a method (已组建 comes only from registering the organisation). */
export function statusChoices(p: Plan, method: string): string[] {
  if (organised(p)) return ['formed']
  const out = ['not_started', 'in_progress']
  if (method === 'affiliated' || method === 'included') out.push('completed')
  out.push('not_applicable')
  return out
}

/** validatePlan checks what the form can tell alone; the server's 422 says the rest. */
export function validatePlan(p: Plan, d: PlanDraft, dicts?: Dictionaries | null): PlanErrors {
  const e: PlanErrors = {}
  if (!organised(p)) {
    if (!d.method) e.method = '请选择对策'
    if (needsReason(p, d)) {
      const suggested = label(dicts?.methods, p.suggested_method)
      if (!d.override_reason.trim()) e.override_reason = `选择与建议（${suggested}）不同的对策时，须填写理由`
      else if (runes(d.override_reason) > 500) e.override_reason = '理由不能超过500个字'
    }
    if (d.status === 'formed') e.status = '已组建由登记党组织设置：请登记党组织'
    else if (d.status && !statusChoices(p, d.method).includes(d.status))
      e.status = `${label(dicts?.plan_statuses, d.status)}只用于挂靠或纳入的计划；单独组建和联合组建以登记党组织为完成`
    else if (d.method === 'joint' && d.status === 'in_progress' && p.joint_group_id == null)
      e.status = '联合组建须先确认联合组建小组'
  }
  for (const k of ['planned_start_on', 'planned_completion_on'] as const) {
    if (d[k] && !datePattern.test(d[k])) e[k] = fieldLabel(k) + '须为 YYYY-MM-DD 格式的日期'
  }
  if (!e.planned_start_on && !e.planned_completion_on && d.planned_start_on && d.planned_completion_on && d.planned_completion_on < d.planned_start_on)
    e.planned_completion_on = '计划完成时间不能早于组建时间'
  if (runes(d.formation_details) > 500) e.formation_details = '组建方式与措施不能超过500个字'
  if (runes(d.contact_name) > 50) e.contact_name = '联系人不能超过50个字'
  if (d.contact_phone.trim() && !phonePattern.test(d.contact_phone.trim())) e.contact_phone = '联系电话须为11位手机号或带区号的固定电话'
  return e
}

/**
 * planBody is the body of PUT /enterprises/{id}/plan: the whole plan. A
 * formed plan sends neither method nor status (its organisation's); the
 * joint group is restated (confirming and dissolving groups set it);
 * empty dates and texts clear.
 */
export function planBody(p: Plan, d: PlanDraft): PlanRequest {
  const b: PlanRequest = {
    formation_details: d.formation_details.trim(),
    contact_name: d.contact_name.trim(),
    contact_phone: d.contact_phone.trim(),
  }
  if (d.planned_start_on) b.planned_start_on = d.planned_start_on
  if (d.planned_completion_on) b.planned_completion_on = d.planned_completion_on
  if (p.joint_group_id != null) b.joint_group_id = p.joint_group_id
  if (!organised(p)) {
    if (d.method) b.method = d.method as Method
    if (needsReason(p, d)) b.override_reason = d.override_reason.trim()
    if (d.status) b.status = d.status as PlanStatus
  }
  return b
}

/** changedKeys are the fields where the draft departs from the plan it was started from. */
export function changedKeys(base: Plan, d: PlanDraft): PlanKey[] {
  const b = toPlanDraft(base)
  return planFields.map((f) => f.key).filter((k) => d[k].trim() !== b[k].trim())
}

export interface PlanConflictRow {
  key: PlanKey
  label: string
  mine: string
  theirs: string
  before: string
  /** the other person changed this field too */
  otherChanged: boolean
}

/** conflictRows lines up, for each field the user changed, their value beside the current one. */
export function conflictRows(base: Plan, d: PlanDraft, current: Plan): PlanConflictRow[] {
  const b = toPlanDraft(base)
  const c = toPlanDraft(current)
  return changedKeys(base, d).map((k) => ({ key: k, label: fieldLabel(k), mine: d[k], theirs: c[k], before: b[k], otherChanged: c[k].trim() !== b[k].trim() }))
}

/**
 * othersChanges are the fields the other person changed that the user did
 * not: they stay as the other person saved them when the user re-applies.
 */
export function othersChanges(base: Plan, d: PlanDraft, current: Plan): PlanConflictRow[] {
  const b = toPlanDraft(base)
  const c = toPlanDraft(current)
  const mine = changedKeys(base, d)
  return planFields.map((f) => f.key).filter((k) => !mine.includes(k) && c[k].trim() !== b[k].trim())
    .map((k) => ({ key: k, label: fieldLabel(k), mine: d[k], theirs: c[k], before: b[k], otherChanged: true }))
}

/**
 * reapply is the draft of the user's changes on top of the current plan:
 * the fields they changed keep their values, every other field takes the
 * current one (someone else's changes are not undone). A method changed
 * carries its reason with it.
 */
export function reapply(base: Plan, d: PlanDraft, current: Plan): PlanDraft {
  const out = toPlanDraft(current)
  const keys = changedKeys(base, d)
  for (const k of keys) out[k] = d[k]
  if (keys.includes('method')) out.override_reason = d.override_reason
  return out
}

/** showValue prints a draft value as the screens do: labels from the dictionary, 未填写 when empty. */
export function showValue(k: PlanKey, v: string, dicts?: Dictionaries | null): string {
  if (!v.trim()) return '未填写'
  if (k === 'method') return label(dicts?.methods, v)
  if (k === 'status') return label(dicts?.plan_statuses, v)
  return v
}

// ---- 登记党组织 (POST /party-orgs) ----

/** minMembers is how many full members a kind needs (strategy.OrgKind.MinMembers): 党委 100, 党总支 50, a branch 3. */
export function minMembers(kind: string): number {
  if (kind === 'committee') return 100
  if (kind === 'general_branch') return 50
  return 3
}

/** registrable says whether an organisation can be registered from this plan, and if not, why. */
export function registrable(p: Plan): { ok: true; formation: 'standalone' | 'joint' } | { ok: false; why: string } {
  if (organised(p)) return { ok: false, why: '已登记党组织' }
  if (p.method === 'standalone') return { ok: true, formation: 'standalone' }
  if (p.method === 'joint') {
    if (p.joint_group_id == null) return { ok: false, why: '联合组建须先确认联合组建小组，再登记联合党支部' }
    return { ok: true, formation: 'joint' }
  }
  return { ok: false, why: '只有单独组建或联合组建的企业登记党组织' }
}

/** kindChoices are the kinds a formation may register (a standalone organisation is no joint branch). */
export const kindChoices = (formation: string): OrgKind[] =>
  formation === 'standalone' ? ['branch', 'general_branch', 'committee'] : ['joint_branch', 'branch', 'general_branch', 'committee']

export interface OrgDraft {
  name: string
  kind: string
  founded_on: string
  secretary: string
  member_count: string
}
export type OrgKey = keyof OrgDraft | 'enterprise_ids' | 'formation_type'

/** newOrgDraft starts the form: the usual kind for the formation, a name from the enterprise (or township) and the kind. */
export function newOrgDraft(formation: 'standalone' | 'joint', owner: string, fullMembers: number, today: string, dicts?: Dictionaries | null): OrgDraft {
  const kind = kindChoices(formation)[0]
  return { name: owner ? owner + label(dicts?.party_org_kinds, kind) : '', kind, founded_on: today, secretary: '', member_count: fullMembers > 0 ? String(fullMembers) : '' }
}

/** validateOrg checks the form as strategy.CheckOrg does; ledgerMembers are the covered ledgers' full members together. */
export function validateOrg(d: OrgDraft, formation: string, today: string, ledgerMembers?: number, dicts?: Dictionaries | null): Partial<Record<OrgKey, string>> {
  const e: Partial<Record<OrgKey, string>> = {}
  const n = runes(d.name)
  if (n === 0) e.name = '须填写党组织名称'
  else if (n > 100) e.name = '党组织名称不能超过100个字'
  const kindLabel = label(dicts?.party_org_kinds, d.kind)
  if (!kindChoices(formation).includes(d.kind as OrgKind)) e.kind = d.kind ? `${label(dicts?.methods, formation)}的党组织不能是${kindLabel}` : '请选择类别'
  if (!datePattern.test(d.founded_on)) e.founded_on = '请选择成立日期'
  else if (d.founded_on > today) e.founded_on = '成立日期不能晚于今天'
  if (runes(d.secretary) > 50) e.secretary = '书记姓名不能超过50个字'
  const m = d.member_count.trim()
  const min = minMembers(d.kind)
  if (m === '') e.member_count = '须填写党员人数'
  else if (!/^\d+$/.test(m)) e.member_count = '请填写正整数'
  else if (Number(m) > 100000) e.member_count = '党员人数不正确'
  else if (Number(m) < min) e.member_count = `成立${kindLabel}至少需要${min}名正式党员`
  if (!e.kind && ledgerMembers != null && ledgerMembers < min)
    e.kind = `${kindLabel}须有${min}名以上正式党员，所覆盖企业的台账共有正式党员${ledgerMembers}名，请先核实台账`
  return e
}

/** orgBody is the body of POST /party-orgs. */
export function orgBody(d: OrgDraft, formation: 'standalone' | 'joint', enterpriseIds: number[]): PartyOrgRequest {
  const b: PartyOrgRequest = {
    name: d.name.trim(),
    kind: d.kind as OrgKind,
    formation_type: formation,
    founded_on: d.founded_on,
    member_count: Number(d.member_count.trim()),
    enterprise_ids: [...enterpriseIds].sort((a, b) => a - b),
  }
  if (d.secretary.trim()) b.secretary = d.secretary.trim()
  return b
}

/** groupBody is the body of POST /joint-groups for a suggestion, as the API takes it. */
export const groupBody = (s: JointGroupSuggestion): JointGroupRequest => ({ township_code: s.township_code, enterprise_ids: [...s.enterprise_ids] })

/** activeOrgOfGroup finds the active organisation standing on a joint group (such a group cannot be dissolved). */
export const activeOrgOfGroup = (orgs: PartyOrg[], groupId: number) => orgs.find((o) => o.joint_group_id === groupId && o.status === 'active')
