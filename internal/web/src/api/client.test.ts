import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, whenUnauthenticated } from './client'

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  vi.fn(async () => new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), { status, headers }))

afterEach(() => vi.unstubAllGlobals())

describe('error mapping', () => {
  it('turns the API error body into an ApiError with its code, message and fields', async () => {
    vi.stubGlobal('fetch', answer(422, { error: { code: 'validation', message: '正式党员人数不能为负数', fields: { full_members: '不能为负数' } } }))
    const e = await api('PATCH', '/enterprises/1', { full_members: -1 }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.message, e.fields]).toEqual([422, 'validation', '正式党员人数不能为负数', { full_members: '不能为负数' }])
  })
  it('gives a Chinese message when the network is down or the body is not the API’s', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const down = await api('GET', '/me').catch((x) => x)
    expect([down.status, down.code, down.message]).toEqual([0, 'network', '网络不通，请检查网络后重试'])
    vi.stubGlobal('fetch', answer(502, '<html>Bad Gateway</html>'))
    const proxy = await api('GET', '/me').catch((x) => x)
    expect([proxy.status, proxy.code, proxy.message]).toEqual([502, 'http_502', '服务暂时不可用，请稍后重试'])
  })
  it('reports an ended session, except for a refused login', async () => {
    const ended = vi.fn()
    whenUnauthenticated(ended)
    vi.stubGlobal('fetch', answer(401, { error: { code: 'unauthenticated', message: '请先登录' } }))
    await api('GET', '/me').catch(() => {})
    expect(ended).toHaveBeenCalledTimes(1)
    await api('POST', '/auth/login', { username: 'a', password: 'b' }).catch(() => {})
    expect(ended).toHaveBeenCalledTimes(1)
  })
  it('sends the CSRF header and JSON, and returns the ETag', async () => {
    const f = answer(200, { id: 1 }, { ETag: '"v3"' })
    vi.stubGlobal('fetch', f)
    const r = await api('PATCH', '/enterprises/1', { full_members: 4 }, { 'If-Match': '"v2"' })
    expect(r).toEqual({ data: { id: 1 }, etag: '"v3"', offline: false })
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/enterprises/1')
    expect(init.headers).toMatchObject({ 'X-Requested-With': 'fugai-web', 'Content-Type': 'application/json', 'If-Match': '"v2"' })
    expect(init.body).toBe('{"full_members":4}')
  })
})
