import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Enterprise } from '../api/client'
import { alreadyApplied, clearDraft, db, draftKey, enqueue, flush, items, loadDraft, saveDraft, type LedgerItem, type OutboxItem, type Outcome, type VisitItem } from './outbox'

const ledger = (over: Record<string, unknown> = {}) => ({ id: 5, name: '永州市测试有限公司', full_members: 2, employees: 40, union: false, ...over }) as unknown as Enterprise
const visit = (user: string, notes: string): VisitItem => ({ kind: 'visit', user, enterpriseId: 5, enterpriseName: '永州市测试有限公司', savedAt: '2026-12-01T02:00:00Z',
  state: 'pending', key: 'visit-' + notes, body: { visited_on: '2026-12-01', services: ['policy'], notes, next_steps: '' } })
const edit = (user: string, patch: Record<string, unknown>): LedgerItem => ({ kind: 'ledger', user, enterpriseId: 5, enterpriseName: '永州市测试有限公司',
  savedAt: '2026-12-01T02:00:00Z', state: 'pending', patch, base: ledger(), etag: '"3"' })

beforeEach(async () => {
  await (await db()).clear('outbox')
  await (await db()).clear('drafts')
})

describe('the offline queue', () => {
  it('keeps items per user, in the order they were made', async () => {
    await enqueue(visit('liaison01', 'a'))
    await enqueue(visit('liaison02', 'b'))
    await enqueue(edit('liaison01', { full_members: 4 }))
    expect((await items('liaison01')).map((i) => i.kind)).toEqual(['visit', 'ledger'])
    expect((await items('liaison02')).map((i) => (i as VisitItem).body.notes)).toEqual(['b'])
  })

  it('sends in order and removes what was sent', async () => {
    await enqueue(visit('u', 'first'))
    await enqueue(visit('u', 'second'))
    const seen: string[] = []
    const r = await flush('u', async (i) => { seen.push((i as VisitItem).body.notes ?? ''); return { kind: 'sent' } })
    expect(seen).toEqual(['first', 'second'])
    expect(r).toEqual({ sent: 2, conflicts: 0, refused: 0 })
    expect(await items('u')).toEqual([])
  })

  it('stops when the network is gone, keeping the item and everything after it', async () => {
    await enqueue(visit('u', 'one'))
    await enqueue(visit('u', 'two'))
    await enqueue(visit('u', 'three'))
    let n = 0
    const r = await flush('u', async (): Promise<Outcome> => (++n === 2 ? { kind: 'later', reason: 'offline' } : { kind: 'sent' }))
    expect(r).toEqual({ sent: 1, conflicts: 0, refused: 0, stopped: 'offline' })
    expect((await items('u')).map((i) => (i as VisitItem).body.notes)).toEqual(['two', 'three'])
    expect((await items('u')).every((i) => i.state === 'pending')).toBe(true)
  })

  it('marks a conflict with the current version and a refusal with its message, and goes on', async () => {
    await enqueue(edit('u', { full_members: 7 }))
    await enqueue(visit('u', 'refused'))
    await enqueue(visit('u', 'fine'))
    const current = ledger({ full_members: 5 })
    const outcomes: Outcome[] = [{ kind: 'conflict', current }, { kind: 'refused', message: '走访日期不能晚于今天', fields: { visited_on: '不能晚于今天' } }, { kind: 'sent' }]
    const r = await flush('u', async () => outcomes.shift()!)
    expect(r).toEqual({ sent: 1, conflicts: 1, refused: 1 })
    const left = await items('u')
    expect(left.map((i) => i.state)).toEqual(['conflict', 'refused'])
    expect((left[0] as LedgerItem).current).toEqual(current)
    expect(left[1].message).toBe('走访日期不能晚于今天')
    expect(left[1].fields).toEqual({ visited_on: '不能晚于今天' })
  })

  it('does not re-send what waits for the user', async () => {
    await enqueue({ ...edit('u', { full_members: 7 }), state: 'conflict' } as OutboxItem)
    await enqueue({ ...visit('u', 'x'), state: 'refused', message: 'no' } as OutboxItem)
    let calls = 0
    await flush('u', async () => { calls++; return { kind: 'sent' } })
    expect(calls).toBe(0)
    expect(await items('u')).toHaveLength(2)
  })

  it('recognises an edit that reached the server before its answer was lost', () => {
    expect(alreadyApplied({ full_members: 7, union: true }, ledger({ full_members: 7, union: true }))).toBe(true)
    expect(alreadyApplied({ full_members: 7 }, ledger({ full_members: 5 }))).toBe(false)
    expect(alreadyApplied({ annual_revenue: null }, ledger())).toBe(true)
  })
})

describe('drafts', () => {
  it('keep what was typed until cleared', async () => {
    const key = draftKey('u', 'visit', 5)
    expect(await loadDraft(key)).toBeNull()
    await saveDraft(key, { notes: '有意向建立党组织', services: ['policy'] })
    expect(await loadDraft(key)).toEqual({ notes: '有意向建立党组织', services: ['policy'] })
    expect(await loadDraft(draftKey('other', 'visit', 5))).toBeNull()
    await clearDraft(key)
    expect(await loadDraft(key)).toBeNull()
  })
})
