import { describe, expect, it } from 'vitest'
import type { Dictionaries } from './dictionaries'
import {
  activeOrgOfGroup, canChangeGroups, canEditPlan, canSeeGroups, changedKeys, conflictRows, groupBody, newOrgDraft, orgBody, planBody,
  othersChanges, reapply, registrable, showValue, statusChoices, toPlanDraft, validateOrg, validatePlan, type PartyOrg, type Plan,
} from './plans'

const plan = (over: Partial<Plan> = {}): Plan =>
  ({ enterprise_id: 7, method: 'joint', method_source: 'suggestion', suggested_method: 'joint', override: null, planned_start_on: null,
    planned_completion_on: '2026-06-30', formation_details: '与邻近企业联合', contact_name: '王书记', contact_phone: '13800000000',
    status: 'not_started', formed_on: null, party_org_id: null, joint_group_id: null, version: 3, updated_at: null, updated_by: '', ...over }) as unknown as Plan

const dicts = {
  methods: [{ code: 'standalone', label: '单独组建', order: 1 }, { code: 'joint', label: '联合组建', order: 2 },
    { code: 'affiliated', label: '挂靠', order: 3 }, { code: 'included', label: '纳入', order: 4 }],
  plan_statuses: [{ code: 'not_started', label: '未启动', order: 1 }, { code: 'in_progress', label: '推进中', order: 2 },
    { code: 'formed', label: '已组建', order: 3 }, { code: 'completed', label: '已落实', order: 4 }],
  party_org_kinds: [{ code: 'committee', label: '党委', order: 1 }, { code: 'general_branch', label: '党总支', order: 2 },
    { code: 'branch', label: '党支部', order: 3 }, { code: 'joint_branch', label: '联合党支部', order: 4 }],
} as unknown as Dictionaries

describe('the plan form', () => {
  it('starts from the plan, with an override reason only for an override', () => {
    expect(toPlanDraft(plan()).override_reason).toBe('')
    const o = plan({ method: 'affiliated', method_source: 'override', override: { method: 'affiliated', reason: '企业将迁出', needs_review: false } as never })
    expect(toPlanDraft(o)).toMatchObject({ method: 'affiliated', override_reason: '企业将迁出', planned_start_on: '', planned_completion_on: '2026-06-30' })
  })
  it('needs a reason to depart from the suggestion, naming the suggestion', () => {
    const d = toPlanDraft(plan())
    d.method = 'affiliated'
    expect(validatePlan(plan(), d, dicts).override_reason).toBe('选择与建议（联合组建）不同的对策时，须填写理由')
    d.override_reason = '   '
    expect(validatePlan(plan(), d, dicts).override_reason).toBeDefined()
    d.override_reason = '附近没有可联合的企业'
    expect(validatePlan(plan(), d, dicts)).toEqual({})
    d.override_reason = '长'.repeat(501)
    expect(validatePlan(plan(), d, dicts).override_reason).toBe('理由不能超过500个字')
  })
  it('refuses a completion before the start, a bad phone, and 已组建 set by hand', () => {
    const d = toPlanDraft(plan())
    d.planned_start_on = '2026-07-01'
    d.contact_phone = '12345'
    d.status = 'formed'
    expect(validatePlan(plan(), d, dicts)).toEqual({
      planned_completion_on: '计划完成时间不能早于组建时间',
      contact_phone: '联系电话须为11位手机号或带区号的固定电话',
      status: '已组建由登记党组织设置：请登记党组织',
    })
    d.contact_phone = '0746-8221234'
    d.planned_start_on = '2026-06-30'
    d.status = 'not_started'
    expect(validatePlan(plan(), d, dicts)).toEqual({})
  })
  it('keeps 已落实 for affiliated and included plans, and joint in progress needs a group', () => {
    const d = toPlanDraft(plan())
    d.status = 'completed'
    expect(validatePlan(plan(), d, dicts).status).toMatch(/^已落实只用于挂靠或纳入/)
    expect(statusChoices(plan(), 'included')).toContain('completed')
    expect(statusChoices(plan(), 'joint')).not.toContain('completed')
    d.status = 'in_progress'
    expect(validatePlan(plan(), d, dicts).status).toBe('联合组建须先确认联合组建小组')
    expect(validatePlan(plan({ joint_group_id: 4 }), d, dicts)).toEqual({})
  })
  it('sends the whole plan: the method, a reason only for an override, cleared dates left out', () => {
    const p = plan({ joint_group_id: 4 })
    const d = toPlanDraft(p)
    d.contact_name = ' 李四 '
    d.planned_completion_on = ''
    expect(planBody(p, d)).toEqual({ method: 'joint', status: 'not_started', formation_details: '与邻近企业联合', contact_name: '李四',
      contact_phone: '13800000000', joint_group_id: 4 })
    d.method = 'affiliated'
    d.override_reason = ' 企业将迁出 '
    expect(planBody(p, d)).toMatchObject({ method: 'affiliated', override_reason: '企业将迁出' })
  })
  it('leaves a formed plan\'s method and status to its organisation', () => {
    const p = plan({ method: 'standalone', suggested_method: 'standalone', status: 'formed', party_org_id: 9, formed_on: '2026-05-20' })
    const d = toPlanDraft(p)
    d.method = 'affiliated'
    expect(validatePlan(p, d, dicts)).toEqual({})
    const b = planBody(p, d)
    expect(b.method).toBeUndefined()
    expect(b.status).toBeUndefined()
    expect(b.override_reason).toBeUndefined()
    expect(statusChoices(p, 'standalone')).toEqual(['formed'])
  })
})

describe('the plan conflict (412)', () => {
  const base = plan()
  const current = plan({ version: 4, planned_completion_on: '2026-09-30', contact_name: '赵主任' })
  it('lists the fields the user changed, the current value beside theirs, flagging those both changed', () => {
    const d = toPlanDraft(base)
    d.planned_completion_on = '2026-08-31'
    d.formation_details = '联合邻近三家企业'
    expect(changedKeys(base, d)).toEqual(['planned_completion_on', 'formation_details'])
    expect(conflictRows(base, d, current)).toEqual([
      { key: 'planned_completion_on', label: '计划完成时间', mine: '2026-08-31', theirs: '2026-09-30', before: '2026-06-30', otherChanged: true },
      { key: 'formation_details', label: '组建方式与措施', mine: '联合邻近三家企业', theirs: '与邻近企业联合', before: '与邻近企业联合', otherChanged: false },
    ])
  })
  it('names what the other person changed and the user did not', () => {
    const d = toPlanDraft(base)
    d.planned_completion_on = '2026-08-31'
    expect(othersChanges(base, d, current).map((r) => [r.key, r.before, r.theirs])).toEqual([['contact_name', '王书记', '赵主任']])
  })
  it('re-applies the user\'s fields on the current plan without undoing the other person\'s', () => {
    const d = toPlanDraft(base)
    d.planned_completion_on = '2026-08-31'
    const merged = reapply(base, d, current)
    expect(merged.planned_completion_on).toBe('2026-08-31')
    expect(merged.contact_name).toBe('赵主任')
  })
  it('carries an override\'s reason with its method', () => {
    const d = toPlanDraft(base)
    d.method = 'affiliated'
    d.override_reason = '企业将迁出'
    expect(reapply(base, d, current)).toMatchObject({ method: 'affiliated', override_reason: '企业将迁出' })
  })
  it('prints labels from the dictionary and 未填写 for nothing', () => {
    expect(showValue('method', 'joint', dicts)).toBe('联合组建')
    expect(showValue('status', 'in_progress', dicts)).toBe('推进中')
    expect(showValue('planned_start_on', '', dicts)).toBe('未填写')
  })
})

describe('registering a party organisation', () => {
  it('is offered for a standalone plan and a joint plan with its group only', () => {
    expect(registrable(plan({ method: 'standalone' }))).toEqual({ ok: true, formation: 'standalone' })
    expect(registrable(plan())).toEqual({ ok: false, why: '联合组建须先确认联合组建小组，再登记联合党支部' })
    expect(registrable(plan({ joint_group_id: 4 }))).toEqual({ ok: true, formation: 'joint' })
    expect(registrable(plan({ method: 'affiliated' })).ok).toBe(false)
    expect(registrable(plan({ method: 'standalone', status: 'formed', party_org_id: 9 }))).toEqual({ ok: false, why: '已登记党组织' })
  })
  it('starts a standalone organisation as a 党支部 named after the enterprise', () => {
    expect(newOrgDraft('standalone', '永州市某某有限公司', 4, '2026-12-01', dicts))
      .toEqual({ name: '永州市某某有限公司党支部', kind: 'branch', founded_on: '2026-12-01', secretary: '', member_count: '4' })
    expect(newOrgDraft('joint', '梅湾街道', 0, '2026-12-01', dicts)).toMatchObject({ kind: 'joint_branch', name: '梅湾街道联合党支部', member_count: '' })
  })
  it('holds each kind to its members, and the ledgers too', () => {
    const d = newOrgDraft('standalone', '某公司', 3, '2026-12-01', dicts)
    expect(validateOrg(d, 'standalone', '2026-12-01', 3, dicts)).toEqual({})
    d.kind = 'general_branch'
    expect(validateOrg(d, 'standalone', '2026-12-01', 3, dicts)).toEqual({
      member_count: '成立党总支至少需要50名正式党员',
      kind: '党总支须有50名以上正式党员，所覆盖企业的台账共有正式党员3名，请先核实台账',
    })
    d.kind = 'branch'
    d.member_count = '2'
    expect(validateOrg(d, 'standalone', '2026-12-01', 2, dicts)).toMatchObject({ member_count: '成立党支部至少需要3名正式党员' })
  })
  it('refuses a standalone joint branch, a future founding date, a missing name', () => {
    const d = { name: ' ', kind: 'joint_branch', founded_on: '2026-12-02', secretary: '', member_count: '3' }
    expect(validateOrg(d, 'standalone', '2026-12-01', 3, dicts)).toEqual({
      name: '须填写党组织名称', kind: '单独组建的党组织不能是联合党支部', founded_on: '成立日期不能晚于今天' })
    expect(validateOrg(d, 'joint', '2026-12-02', 3, dicts)).toEqual({ name: '须填写党组织名称' })
  })
  it('sends the organisation with its formation and the enterprises it covers, sorted', () => {
    const d = { name: ' 某公司党支部 ', kind: 'branch', founded_on: '2026-11-30', secretary: '', member_count: ' 4 ' }
    expect(orgBody(d, 'joint', [9, 3])).toEqual({ name: '某公司党支部', kind: 'branch', formation_type: 'joint', founded_on: '2026-11-30',
      member_count: 4, enterprise_ids: [3, 9] })
  })
})

describe('joint groups and roles', () => {
  it('confirms a suggestion as it is, without its member count', () => {
    expect(groupBody({ township_code: '431103006', enterprise_ids: [5, 8], full_members: 3 })).toEqual({ township_code: '431103006', enterprise_ids: [5, 8] })
  })
  it('finds the active organisation standing on a group', () => {
    const orgs = [{ id: 1, joint_group_id: 4, status: 'dissolved' }, { id: 2, joint_group_id: 4, status: 'active' }] as PartyOrg[]
    expect(activeOrgOfGroup(orgs, 4)?.id).toBe(2)
    expect(activeOrgOfGroup(orgs, 5)).toBeUndefined()
  })
  it('lets admins change plans and groups, auditors only look, liaisons neither', () => {
    expect(canEditPlan('township_admin')).toBe(true)
    expect(canEditPlan('auditor')).toBe(false)
    expect(canSeeGroups('auditor')).toBe(true)
    expect(canSeeGroups('liaison')).toBe(false)
    expect(canChangeGroups('auditor')).toBe(false)
    expect(canChangeGroups(null)).toBe(false)
  })
})
