import { describe, expect, it } from 'vitest'
import { notVisitedQuery, openRound, roundWindow, type Round } from './rounds'

const round = (id: number, status: 'open' | 'closed', starts_on = '2026-12-01', ends_on = '2026-12-31') =>
  ({ id, name: '第' + id + '轮', status, starts_on, ends_on }) as Round

describe('本轮未走访', () => {
  it('finds the open round, or none', () => {
    expect(openRound([round(3, 'closed'), round(4, 'open'), round(2, 'closed')])?.id).toBe(4)
    expect(openRound([round(3, 'closed')])).toBeNull()
    expect(openRound([])).toBeNull()
  })
  it("asks for the in-scope ledgers not verified since the round's start", () => {
    const q = notVisitedQuery(round(4, 'open', '2026-11-15'))
    expect(q.get('not_verified_since')).toBe('2026-11-15')
    expect(q.get('in_scope')).toBe('true')
    expect(q.get('sort')).toBe('id')
    expect(q.get('limit')).toBe('200')
    expect(roundWindow(round(4, 'open'))).toBe('2026-12-01 至 2026-12-31')
  })
})
