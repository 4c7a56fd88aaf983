import { describe, expect, it } from 'vitest'
import {
  accountLinks, expiredMessage, loginError, newPasswordDraft, passwordBody, passwordChanged, passwordFieldErrors,
  passwordPolicy, reasonMessage, safeBack, validatePassword,
} from './account'
import { ApiError } from './client'

describe('login screen', () => {
  it('says the session expired only for reason=expired', () => {
    expect(reasonMessage('expired')).toBe(expiredMessage)
    expect(expiredMessage).toBe('登录已过期，请重新登录')
    expect(reasonMessage(undefined)).toBe('')
    expect(reasonMessage('other')).toBe('')
    expect(reasonMessage(['expired'])).toBe('')
  })

  it("shows the server's message for a wrong password, a lock, a disabled account", () => {
    expect(loginError(new ApiError(401, 'invalid_credentials', '用户名或密码错误'))).toBe('用户名或密码错误')
    expect(loginError(new ApiError(423, 'account_locked', '连续登录失败次数过多，账号已锁定，请15分钟后再试'))).toContain('账号已锁定')
    expect(loginError(new ApiError(401, 'account_disabled', '账号已停用，无法登录，请联系管理员'))).toContain('已停用')
    expect(loginError(new TypeError('x is undefined'))).toBe('登录失败，请稍后重试')
  })

  it('goes back only to a path of the app', () => {
    expect(safeBack('/enterprises/12')).toBe('/enterprises/12')
    expect(safeBack('/gaps/no_liaison?township=431103001')).toBe('/gaps/no_liaison?township=431103001')
    expect(safeBack('//evil.example/x')).toBe('/')
    expect(safeBack('https://evil.example/')).toBe('/')
    expect(safeBack('/login?back=/x')).toBe('/')
    expect(safeBack(undefined)).toBe('/')
    expect(safeBack(['/me'])).toBe('/')
  })
})

describe('password change', () => {
  it('applies the server password policy', () => {
    expect(passwordPolicy('Short-1')).toContain('至少10位')
    expect(passwordPolicy('alllowercase')).toContain('至少三类')
    expect(passwordPolicy('lowerUPPERCASE')).toContain('至少三类')
    expect(passwordPolicy('lower-and-digits-123')).toBe('')
    expect(passwordPolicy('Liaison-Pass-02')).toBe('')
    expect(passwordPolicy('密码密码密码Abc12')).toBe('') // other characters count as symbols
    expect(passwordPolicy('Aa1-' + 'x'.repeat(125))).toContain('128')
    expect(passwordPolicy('一二三四五六七八九十')).toContain('至少三类') // 10 characters, one class
  })

  it('checks each field and the repeat', () => {
    expect(validatePassword(newPasswordDraft())).toEqual({ current: '请输入原密码', next: '请输入新密码', repeat: '请再次输入新密码' })
    expect(validatePassword({ current: 'Old-Pass-2026', next: 'weak', repeat: 'weak' }).next).toContain('至少10位')
    expect(validatePassword({ current: 'Old-Pass-2026', next: 'Old-Pass-2026', repeat: 'Old-Pass-2026' }).next).toBe('新密码不能与原密码相同')
    expect(validatePassword({ current: 'Old-Pass-2026', next: 'New-Pass-2026', repeat: 'New-Pass-2027' })).toEqual({ repeat: '两次输入的新密码不一致' })
    expect(validatePassword({ current: 'Old-Pass-2026', next: 'New-Pass-2026', repeat: 'New-Pass-2026' })).toEqual({})
  })

  it('sends the current and new password, not the repeat', () => {
    expect(passwordBody({ current: 'a', next: 'b', repeat: 'c' })).toEqual({ old_password: 'a', new_password: 'b' })
  })

  it("puts the server's 422 fields under the inputs", () => {
    expect(passwordFieldErrors({ old_password: '原密码不正确' })).toEqual({ current: '原密码不正确' })
    expect(passwordFieldErrors({ new_password: '密码须包含大写字母、小写字母、数字、符号中的至少三类' }).next).toContain('至少三类')
    expect(passwordFieldErrors({})).toEqual({})
  })

  it('says whether other sessions ended', () => {
    expect(passwordChanged({ ended_sessions: 0 })).toBe('密码已修改。下次登录请使用新密码')
    expect(passwordChanged({ ended_sessions: 2 })).toContain('其他 2 处登录已退出')
  })
})

describe('我的 links by role', () => {
  const paths = (role: Parameters<typeof accountLinks>[0]) => accountLinks(role).map((l) => l.to)
  it('gives admins imports, exports and joint groups', () => {
    expect(paths('district_admin')).toEqual(['/imports', '/exports', '/joint-groups'])
    expect(paths('township_admin')).toEqual(['/imports', '/exports', '/joint-groups'])
  })
  it('gives an auditor the exports only, a liaison nothing', () => {
    expect(paths('auditor')).toEqual(['/exports'])
    expect(paths('liaison')).toEqual([])
    expect(paths(undefined)).toEqual([])
  })
})
