// 登录 and 我的: the messages of the login screen, the password change form
// (what it checks before asking the server, its body, where the server's
// 422 fields go) and the screens 我的 links to for each role. Pure
// functions, tested without a browser.
import { ApiError, type User } from './client'
import type { definitions } from './schema'

export type PasswordChangeRequest = definitions['httpapi.PasswordChangeRequest']
export type PasswordChangeResponse = definitions['httpapi.PasswordChangeResponse']
type Role = User['role']

/** The login screen's query when a signed-in session ended (no personal data). */
export const expiredReason = 'expired'
export const expiredMessage = '登录已过期，请重新登录'

/** reasonMessage is the notice the login screen shows for its reason= query. */
export function reasonMessage(reason: unknown): string {
  return reason === expiredReason ? expiredMessage : ''
}

/**
 * loginError is what the login screen says about a refused login: the
 * server's Chinese message (用户名或密码错误; 连续登录失败次数过多，账号已锁定，
 * 请N分钟后再试 (423); 账号已停用，无法登录 (401 account_disabled); 登录尝试过于
 * 频繁 (429)); anything else (a script error) a general one.
 */
export function loginError(e: unknown): string {
  return e instanceof ApiError && e.message ? e.message : '登录失败，请稍后重试'
}

/** safeBack is where to go after signing in: a path inside the app, else home. */
export function safeBack(back: unknown): string {
  return typeof back === 'string' && back.startsWith('/') && !back.startsWith('//') && !back.startsWith('/login') ? back : '/'
}

/** The password change form: the current password, the new one twice. */
export interface PasswordDraft {
  current: string
  next: string
  repeat: string
}
export type PasswordKey = keyof PasswordDraft

export const newPasswordDraft = (): PasswordDraft => ({ current: '', next: '', repeat: '' })

/**
 * passwordPolicy is the server's rule (internal/auth CheckPasswordPolicy):
 * at least 10 characters, at most 128 bytes, and 3 of 4 classes (lower
 * case, upper case, digits, anything else). It returns the message, or ''.
 */
export function passwordPolicy(p: string): string {
  if ([...p].length < 10) return '密码至少10位，且须包含大写字母、小写字母、数字、符号中的至少三类'
  if (new TextEncoder().encode(p).length > 128) return '密码不能超过128个字符'
  let classes = 0
  if (/\p{Ll}/u.test(p)) classes++
  if (/\p{Lu}/u.test(p)) classes++
  if (/\p{Nd}/u.test(p)) classes++
  if ([...p].some((c) => !/[\p{Ll}\p{Lu}\p{Nd}]/u.test(c))) classes++
  return classes < 3 ? '密码须包含大写字母、小写字母、数字、符号中的至少三类' : ''
}

/** validatePassword checks what the form can tell alone; the server checks the current password. */
export function validatePassword(d: PasswordDraft): Partial<Record<PasswordKey, string>> {
  const errors: Partial<Record<PasswordKey, string>> = {}
  if (d.current === '') errors.current = '请输入原密码'
  const policy = passwordPolicy(d.next)
  if (d.next === '') errors.next = '请输入新密码'
  else if (policy) errors.next = policy
  else if (d.next === d.current) errors.next = '新密码不能与原密码相同'
  if (d.repeat === '') errors.repeat = '请再次输入新密码'
  else if (d.repeat !== d.next) errors.repeat = '两次输入的新密码不一致'
  return errors
}

/** passwordBody is the body of PUT /me/password (the repeat stays on the phone). */
export const passwordBody = (d: PasswordDraft): PasswordChangeRequest => ({ old_password: d.current, new_password: d.next })

/** passwordFieldErrors puts a 422's fields (old_password, new_password) under the form's inputs. */
export function passwordFieldErrors(fields: Record<string, string>): Partial<Record<PasswordKey, string>> {
  const out: Partial<Record<PasswordKey, string>> = {}
  if (fields.old_password) out.current = fields.old_password
  if (fields.new_password) out.next = fields.new_password
  return out
}

/**
 * passwordChanged is the success message: this session stays signed in,
 * the user's other sessions (other phones, other browsers) have ended.
 */
export function passwordChanged(r: PasswordChangeResponse): string {
  const others = r.ended_sessions > 0 ? `，其他 ${r.ended_sessions} 处登录已退出` : ''
  return `密码已修改${others}。下次登录请使用新密码`
}

export interface AccountLink {
  to: string
  title: string
  icon: string
}

/**
 * accountLinks are the screens 我的 lists for a role, by what the API lets
 * it do (internal/httpapi/routes.go): 导入 uploads (POST /imports:
 * district and township admins); 导出 downloads the coverage tables and the
 * gap list (district and township admins; auditors, who only read, too);
 * 联合党组织 groups enterprises into joint branches (POST /joint-groups:
 * the admins). A liaison works from 待办 and 我的企业 and gets none.
 */
export function accountLinks(role: Role | undefined): AccountLink[] {
  const admin = role === 'district_admin' || role === 'township_admin'
  const out: AccountLink[] = []
  if (admin) out.push({ to: '/imports', title: '导入', icon: 'upgrade' })
  if (admin || role === 'auditor') out.push({ to: '/exports', title: '导出', icon: 'down' })
  if (admin) out.push({ to: '/joint-groups', title: '联合党组织', icon: 'cluster-o' })
  return out
}
