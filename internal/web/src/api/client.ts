// The one way the client reaches the API: same-origin fetch with the
// session cookie, the CSRF header every cookie-authenticated write needs,
// and the API's error body turned into an ApiError. Types come from
// schema.ts, generated from api/swagger.json (npm run gen:api).
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

/** onUnauthenticated is called when a request answers 401 (the session ended). */
let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated(f: () => void) {
  onUnauthenticated = f
}

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ data: T; etag: string | null }> {
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
    throw new ApiError(0, 'network', '网络不通，请检查网络后重试')
  }
  return answer<T>(res, path)
}

/**
 * apiForm sends a multipart form (a file upload) with the session cookie and
 * the CSRF header; the browser sets the multipart Content-Type. Errors as api().
 */
export async function apiForm<T>(method: string, path: string, form: FormData, headers: Record<string, string> = {}): Promise<{ data: T; etag: string | null }> {
  let res: Response
  try {
    res = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-Requested-With': 'fugai-web', ...headers },
      body: form,
    })
  } catch {
    throw new ApiError(0, 'network', '网络不通，请检查网络后重试')
  }
  return answer<T>(res, path)
}

/** answer reads a response: its JSON and ETag, or the ApiError of a refusal. */
async function answer<T>(res: Response, path: string): Promise<{ data: T; etag: string | null }> {
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
  return { data: json as T, etag: res.headers.get('ETag') }
}

export const login = (username: string, password: string) =>
  api<LoginResponse>('POST', '/auth/login', { username, password }).then((r) => r.data)
export const logout = () => api<void>('POST', '/auth/logout')
export const me = () => api<User>('GET', '/me').then((r) => r.data)
