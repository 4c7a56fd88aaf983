import { describe, expect, it } from 'vitest'
import type { Enterprise } from './client'
import { conflictRows, diff, show, surveyFields, toDraft, validate } from './ledger'

const ledger = (over: Partial<Enterprise> = {}): Enterprise =>
  ({ id: 7, name: '永州市测试有限公司', employees: 40, young_employees: 10, full_members: 2, probationary_members: null, union: false,
    youth_league: null, womens_federation: null, operating_status: 'normal', annual_revenue: 120.5, ...over }) as unknown as Enterprise

describe('the ledger draft', () => {
  it('sends only the fields changed, numbers parsed and blanks cleared', () => {
    const d = toDraft(ledger())
    expect(diff(ledger(), d)).toEqual({})
    d.full_members = ' 4 '
    d.annual_revenue = ''
    d.union = true
    expect(diff(ledger(), d)).toEqual({ full_members: 4, annual_revenue: null, union: true })
  })
  it('refuses what is not a count or an amount, naming each field', () => {
    const d = toDraft(ledger())
    d.employees = '-3'
    d.full_members = '2.5'
    d.annual_revenue = '十万'
    expect(validate(d)).toEqual({ employees: '请填写不小于 0 的整数', full_members: '请填写不小于 0 的整数', annual_revenue: '请填写不小于 0 的数字' })
  })
  it('refuses more young employees than employees', () => {
    const d = toDraft(ledger())
    d.young_employees = '41'
    expect(validate(d).young_employees).toBe('35岁以下职工人数不能大于职工人数')
    d.young_employees = '40'
    expect(validate(d)).toEqual({})
  })
  it('prints values as the screens show them', () => {
    const spec = (k: string) => surveyFields.find((f) => f.key === k)!
    expect(show(spec('union'), false)).toBe('否')
    expect(show(spec('annual_revenue'), 12)).toBe('12 万元')
    expect(show(spec('full_members'), null)).toBe('未填报')
    expect(show(spec('operating_status'), 'normal', { operating_statuses: [{ code: 'normal', label: '正常经营', order: 1 }] } as never)).toBe('正常经营')
  })
})

describe('the conflict merge', () => {
  it('lines up the user value beside the current one and flags fields both changed', () => {
    const base = ledger()
    const current = ledger({ full_members: 5, employees: 50 })
    const rows = conflictRows(base, { full_members: 7, union: true }, current)
    expect(rows.map((r) => [r.spec.key, r.mine, r.theirs, r.before, r.otherChanged])).toEqual([
      ['full_members', 7, 5, 2, true],
      ['union', true, false, false, false],
    ])
  })
  it('keeps the user value when they cleared a field', () => {
    const rows = conflictRows(ledger(), { annual_revenue: null }, ledger({ annual_revenue: 99 }))
    expect(rows).toHaveLength(1)
    expect(rows[0].mine).toBeNull()
    expect(rows[0].otherChanged).toBe(true)
  })
})
