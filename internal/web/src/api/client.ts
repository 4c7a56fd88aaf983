// The one way the client reaches the API: same-origin fetch with the
// session cookie, the CSRF header every cookie-authenticated write needs,
// and the API's error body turned into an ApiError. Types come from
// schema.ts, generated from api/swagger.json (npm run gen:api).
import { reactive } from 'vue'
import type { definitions } from './schema'

export type Enterprise = definitions['httpapi.EnterpriseResponse']
export type EnterprisePage = definitions['httpapi.EnterprisePage']
export type User = definitions['httpapi.UserResponse']
export type LoginResponse = definitions['httpapi.LoginResponse']
export type ErrorDetail = definitions['httpapi.ErrorDetail']

/** ApiError is a refused request: its status and the API's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    /** the whole error body (e.g. import_id of a 409 import_in_progress) */
    readonly detail: Partial<ErrorDetail> = {},
  ) {
    super(message)
  }
}

/**
 * network says whether the server answers: false after a request failed
 * for want of a network or was answered from the service worker's copy,
 * true again on the next real answer. (navigator.onLine only knows whether
 * there is a link, not whether the server can be reached.)
 */
export const network = reactive({ online: typeof navigator === 'undefined' ? true : navigator.onLine })

/** onUnauthenticated is called when a request answers 401 (the session ended). */
let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated(f: () => void) {
  onUnauthenticated = f
}

/**
 * api calls the API. offline is true when the answer is the copy the
 * service worker kept from the last read (the network is down; see sw.js).
 */
export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ data: T; etag: string | null; offline: boolean }> {
  let res: Response
  try {
    res = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'X-Requested-With': 'fugai-web',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    network.online = false
    throw new ApiError(0, 'network', '网络不通，请检查网络后重试')
  }
  return answer<T>(res, path)
}

/**
 * apiForm sends a multipart form (a file upload) with the session cookie and
 * the CSRF header; the browser sets the multipart Content-Type. Errors as api().
 */
export async function apiForm<T>(method: string, path: string, form: FormData, headers: Record<string, string> = {}): Promise<{ data: T; etag: string | null; offline: boolean }> {
  let res: Response
  try {
    res = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-Requested-With': 'fugai-web', ...headers },
      body: form,
    })
  } catch {
    network.online = false
    throw new ApiError(0, 'network', '网络不通，请检查网络后重试')
  }
  return answer<T>(res, path)
}

/** answer reads a response: its JSON and ETag, or the ApiError of a refusal. */
async function answer<T>(res: Response, path: string): Promise<{ data: T; etag: string | null; offline: boolean }> {
  network.online = res.headers.get('X-Fugai-Offline') !== '1'
  const text = await res.text()
  let json: unknown = undefined
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
  }
  if (!res.ok) {
    const e = (json as { error?: ErrorDetail } | undefined)?.error
    if (res.status === 401 && path !== '/auth/login') onUnauthenticated()
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? '服务暂时不可用，请稍后重试', e?.fields ?? {}, e ?? {})
  }
  return { data: json as T, etag: res.headers.get('ETag'), offline: res.headers.get('X-Fugai-Offline') === '1' }
}

/**
 * forgetReads drops the API reads the service worker kept for offline use
 * (see sw-template.js), so that one user never sees another's on a shared
 * phone. What waits in the outbox stays, under its user.
 */
export async function forgetReads(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete('fugai-data').catch(() => false)
}

export const login = (username: string, password: string) =>
  api<LoginResponse>('POST', '/auth/login', { username, password }).then(async (r) => { await forgetReads(); return r.data })
export const logout = () => api<void>('POST', '/auth/logout').finally(forgetReads)
export const me = () => api<User>('GET', '/me').then((r) => r.data)
