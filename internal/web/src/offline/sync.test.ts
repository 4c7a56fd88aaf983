import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LedgerItem, VisitItem } from './outbox'
import { send } from './sync'

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers })
const visit: VisitItem = { kind: 'visit', user: 'u', enterpriseId: 5, enterpriseName: '甲', savedAt: '', state: 'pending', key: 'visit-k1',
  body: { visited_on: '2026-12-01', services: [], notes: '', next_steps: '' } }
const edit: LedgerItem = { kind: 'ledger', user: 'u', enterpriseId: 5, enterpriseName: '甲', savedAt: '', state: 'pending',
  patch: { full_members: 7 }, base: { id: 5, full_members: 2 } as never, etag: '"3"' }

afterEach(() => vi.unstubAllGlobals())

describe('sending one item', () => {
  it('sends a visit with its Idempotency-Key and a ledger edit with If-Match', async () => {
    const f = vi.fn(async () => json(201, { id: 9 }))
    vi.stubGlobal('fetch', f)
    expect(await send(visit)).toEqual({ kind: 'sent' })
    expect(await send(edit)).toEqual({ kind: 'sent' })
    const calls = f.mock.calls as unknown as [string, RequestInit][]
    expect(calls[0][0]).toBe('/api/v1/enterprises/5/visits')
    expect(calls[0][1].headers).toMatchObject({ 'Idempotency-Key': 'visit-k1' })
    expect([calls[1][0], calls[1][1].method]).toEqual(['/api/v1/enterprises/5', 'PATCH'])
    expect(calls[1][1].headers).toMatchObject({ 'If-Match': '"3"' })
  })
  it('maps a 412 to a conflict with the current version, or to sent when the edit is already there', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValueOnce(json(412, { error: { code: 'precondition_failed', message: '已被修改' } }))
      .mockResolvedValueOnce(json(200, { id: 5, full_members: 5 })))
    expect(await send(edit)).toEqual({ kind: 'conflict', current: { id: 5, full_members: 5 } })
    vi.stubGlobal('fetch', vi.fn().mockResolvedValueOnce(json(412, {})).mockResolvedValueOnce(json(200, { id: 5, full_members: 7 })))
    expect(await send(edit)).toEqual({ kind: 'sent' })
  })
  it('keeps for later what the network, the session or a busy server stopped; keeps the refusal of a bad item', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    expect(await send(visit)).toEqual({ kind: 'later', reason: 'offline' })
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { error: { code: 'unauthenticated', message: '请先登录' } })))
    expect(await send(visit)).toEqual({ kind: 'later', reason: 'unauthenticated' })
    vi.stubGlobal('fetch', vi.fn(async () => json(503, { error: { code: 'unavailable', message: '数据库暂不可用' } })))
    expect(await send(visit)).toEqual({ kind: 'later', reason: 'unavailable' })
    vi.stubGlobal('fetch', vi.fn(async () => json(422, { error: { code: 'validation_failed', message: '走访日期不能晚于今天', fields: { visited_on: '不能晚于今天' } } })))
    expect(await send(visit)).toEqual({ kind: 'refused', message: '走访日期不能晚于今天', fields: { visited_on: '不能晚于今天' } })
  })
  it('does not take the service worker’s kept copy for the current version', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValueOnce(json(412, {})).mockResolvedValueOnce(json(200, { id: 5, full_members: 5 }, { 'X-Fugai-Offline': '1' })))
    expect(await send(edit)).toEqual({ kind: 'later', reason: 'offline' })
  })
})
