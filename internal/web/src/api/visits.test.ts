import { describe, expect, it } from 'vitest'
import { newVisitDraft, todayDistrict, validateVisit, visitBody } from './visits'

describe('the visit form', () => {
  it('takes today in the district (UTC+8), not in UTC', () => {
    // 2026-12-01 17:30 UTC is already 2 December in Yongzhou.
    expect(todayDistrict(Date.UTC(2026, 11, 1, 17, 30))).toBe('2026-12-02')
    expect(todayDistrict(Date.UTC(2026, 11, 1, 15, 59))).toBe('2026-12-01')
  })
  it('refuses a missing date and a day after today', () => {
    const d = newVisitDraft()
    d.visited_on = ''
    expect(validateVisit(d, '2026-12-01')).toEqual({ visited_on: '请选择走访日期' })
    d.visited_on = '2026-12-02'
    expect(validateVisit(d, '2026-12-01')).toEqual({ visited_on: '走访日期不能晚于今天' })
    d.visited_on = '2026-12-01'
    expect(validateVisit(d, '2026-12-01')).toEqual({})
  })
  it('sends trimmed text and the chosen services', () => {
    const d = { visited_on: '2026-11-30', services: ['policy'], notes: ' 走访 ', next_steps: '\n下月再访 ' }
    expect(visitBody(d)).toEqual({ visited_on: '2026-11-30', services: ['policy'], notes: '走访', next_steps: '下月再访' })
  })
})
