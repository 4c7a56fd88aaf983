// 登录's messages (wrong password, locked account, a session ended behind
// the page's back), 我的 (role links, 修改密码, 退出登录), a liaison's 本轮未走访
// on 待办, and the 企业台账's plan summary and 变更记录.
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
/** code completes 17 characters with their GB 32100 check digit. */
function code(first17) {
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0)
  return first17 + alphabet[(31 - (sum % 31)) % 31]
}
/** today in the district (UTC+8), as the API's dates. */
const districtDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86400_000).toISOString().slice(0, 10)

export default async function (t) {
  const township = '431103001' // 梅湾街道
  const meiwan = '湖南省永州市冷水滩区梅湾街道凤凰路15号'
  const roleLabel = (r) => t.dicts.roles.find((x) => x.code === r).label
  const liaisonPass = 'Liaison-Pass-15'
  const newPass = 'Liaison-Neu-2026!'
  const liaisonId = await t.user({ username: 'acc_liaison15', name: '周联络', phone: '13800000015', unit: '梅湾街道党工委 组织委员',
    password: liaisonPass, role: 'liaison', township_code: township })
  const disabledId = await t.user({ username: 'acc_disabled15', name: '停用测试', password: 'Disabled-Pass-15', role: 'liaison', township_code: township })
  const disabled = await t.api('POST', `/users/${disabledId}/disable`)
  t.check(disabled.status === 200, `disable a user through the API: ${disabled.status}`)
  await t.user({ username: 'acc_locked15', name: '锁定测试', password: 'Locked-Pass-15', role: 'liaison', township_code: township })
  const visitLedger = await t.ledger({ credit_code: code('91431103MA4L15001'), name: '永州市走访轮次测试有限公司', registered_address: meiwan })
  const historyLedger = await t.ledger({ credit_code: code('91431103MA4L15002'), name: '永州市变更记录测试有限公司', registered_address: meiwan })
  for (const l of [visitLedger, historyLedger]) {
    const r = await t.api('PUT', `/enterprises/${l.id}/liaison`, { liaison_id: liaisonId })
    t.check(r.status === 200, `assign the liaison to ${l.name}: ${r.status}`)
  }
  const alert = (page) => page.getByRole('alert')

  // ── 登录: a wrong password, then a locked account ──────────────────────
  const page = await t.newPage('accounts', /status of (401|422|423)/)
  await page.goto(t.base + '/me')
  await page.waitForURL(/\/login\?/)
  t.check(new URL(page.url()).searchParams.get('back') === '/me', `the login keeps the place: ${page.url()}`)
  t.check(!(await page.getByText('登录已过期').count()), 'a first visit is not told its session expired')
  await page.getByLabel('账号').fill('acc_liaison15')
  await page.getByLabel('密码').fill('Wrong-Pass-15')
  await page.getByRole('button', { name: '登录' }).click()
  await alert(page).filter({ hasText: '用户名或密码错误' }).waitFor()
  await t.shot(page, 'accounts-login-wrong')
  await t.axe(page, 'accounts-login-wrong')

  // The server locks an account after 5 consecutive failures
  // (auth.MaxFailures) for 15 minutes (auth.LockDuration): the 5th wrong
  // password is answered 423 with the lock's message, and so is the right
  // password while the lock lasts.
  await page.getByLabel('账号').fill('acc_locked15')
  for (let i = 1; i <= 5; i++) {
    await page.getByLabel('密码').fill('Wrong-Pass-' + i)
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
    await page.getByRole('button', { name: '登录' }).click()
    const status = (await answer).status()
    t.check(status === (i < 5 ? 401 : 423), `wrong password ${i} of 5 is answered ${i < 5 ? 401 : 423}: ${status}`)
    await page.locator('.van-button--loading').waitFor({ state: 'detached' })
  }
  await alert(page).filter({ hasText: '账号已锁定' }).waitFor()
  t.check(/\d+分钟后再试/.test(await alert(page).innerText()), `the lock says how long: ${await alert(page).innerText()}`)
  await t.shot(page, 'accounts-login-locked')
  await t.axe(page, 'accounts-login-locked')
  await page.getByLabel('密码').fill('Locked-Pass-15')
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForTimeout(300)
  t.check(new URL(page.url()).pathname === '/login' && (await alert(page).innerText()).includes('账号已锁定'),
    'the right password is refused while the account is locked')

  // A disabled account's right password: the server's 账号已停用.
  await page.getByLabel('账号').fill('acc_disabled15')
  await page.getByLabel('密码').fill('Disabled-Pass-15')
  await page.getByRole('button', { name: '登录' }).click()
  await alert(page).filter({ hasText: '账号已停用' }).waitFor()
  await t.shot(page, 'accounts-login-disabled')
  await t.axe(page, 'accounts-login-disabled')

  // ── 我的 for a liaison: name, role, township, no admin links ───────────
  await page.getByLabel('账号').fill('acc_liaison15')
  await page.getByLabel('密码').fill(liaisonPass)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(/\/me$/)
  await page.locator('[data-me="role"]').getByText(roleLabel('liaison')).waitFor()
  t.check((await page.locator('[data-me="name"]').innerText()).includes('周联络'), '我的 shows the name')
  t.check((await page.locator('[data-me="township"]').innerText()).includes('梅湾街道'), '我的 shows the township')
  t.check(!(await page.locator('[data-me="links"]').count()) && !(await page.getByText('导入', { exact: true }).count()),
    'a liaison gets no 导入/导出/联合党组织 links')
  const meTab = page.locator('.van-tabbar-item', { hasText: /^\s*我的\s*$/ })
  t.check(await meTab.count() === 1 && (await meTab.boundingBox()).height >= 44, 'the tab bar has 我的, at least 44 px high')
  t.check(await page.locator('.van-tabbar-item').count() === 4, 'a liaison has four tabs: 待办, 我的企业, 覆盖情况, 我的')
  await t.shot(page, 'accounts-me-liaison')
  await t.axe(page, 'accounts-me-liaison')

  // ── 修改密码: the form's own checks, the server's 422, success ─────────
  await page.getByLabel('原密码').fill(liaisonPass)
  await page.getByLabel('新密码', { exact: true }).fill(newPass)
  await page.getByLabel('确认新密码').fill(newPass + 'x')
  await page.getByRole('button', { name: '修改密码' }).click()
  await page.getByText('两次输入的新密码不一致').waitFor()
  await page.getByLabel('新密码', { exact: true }).fill('weakpassword')
  await page.getByLabel('确认新密码').fill('weakpassword')
  await page.getByRole('button', { name: '修改密码' }).click()
  await page.locator('.van-field__error-message', { hasText: '至少三类' }).waitFor()
  await t.shot(page, 'accounts-me-password-errors')
  await t.axe(page, 'accounts-me-password-errors')
  // A wrong current password: the server's 422 under 原密码.
  await page.getByLabel('原密码').fill('Not-My-Pass-15')
  await page.getByLabel('新密码', { exact: true }).fill(newPass)
  await page.getByLabel('确认新密码').fill(newPass)
  await page.getByRole('button', { name: '修改密码' }).click()
  await page.locator('.van-field__error-message', { hasText: '原密码不正确' }).waitFor()
  await page.getByLabel('原密码').fill(liaisonPass)
  await page.getByRole('button', { name: '修改密码' }).click()
  await page.getByRole('status').filter({ hasText: '密码已修改' }).waitFor()
  t.check(await page.getByLabel('原密码').inputValue() === '', 'the form is emptied after the change')
  await t.shot(page, 'accounts-me-password-done')
  await t.axe(page, 'accounts-me-password-done')
  // This session stays: 待办 opens without signing in again.
  await page.locator('.van-tabbar-item', { hasText: '待办' }).click()
  await page.waitForURL(/\/todo$/)
  await page.locator('section[data-section="not_visited"]').waitFor()
  const oldLogin = await fetch(t.base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'acc_liaison15', password: liaisonPass }) })
  t.check(oldLogin.status === 401, `the old password no longer signs in: ${oldLogin.status}`)

  // ── 退出登录, then sign in with the new password ───────────────────────
  await meTab.click()
  await page.waitForURL(/\/me$/)
  await page.getByRole('button', { name: '退出登录' }).click()
  await page.waitForURL(/\/login$/)
  t.check(!(await page.getByText('登录已过期').count()), 'signing out is not an expired session')
  const gone = await page.evaluate(async () => (await fetch('/api/v1/me')).status)
  t.check(gone === 401, `after 退出登录 the session is gone: GET /me ${gone}`)
  await page.getByLabel('账号').fill('acc_liaison15')
  await page.getByLabel('密码').fill(newPass)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((u) => u.pathname === '/')

  // ── 待办: 本轮未走访 ────────────────────────────────────────────────────
  const notVisited = page.locator('section[data-section="not_visited"]')
  let round = (await t.get('/survey-rounds')).items.find((r) => r.status === 'open')
  let ours = false
  if (!round) {
    await page.goto(t.base + '/todo')
    await notVisited.getByText('当前没有进行中的调查轮次').waitFor()
    await t.shot(page, 'accounts-todo-no-round')
    await t.axe(page, 'accounts-todo-no-round')
    const r = await t.api('POST', '/survey-rounds', { name: '账号测试轮次', starts_on: districtDay(-30), ends_on: districtDay(30) })
    t.check(r.status === 201, `open a survey round: ${r.status}`)
    round = await r.json()
    ours = true
  }
  await page.goto(t.base + '/todo')
  const row = notVisited.locator('.van-cell', { hasText: visitLedger.name })
  await row.waitFor()
  t.check((await notVisited.innerText()).includes(round.name), 'the section names the open round')
  t.check((await row.innerText()).includes('尚未核实'), 'a never verified ledger says so')
  await t.shot(page, 'accounts-todo-not-visited')
  await t.axe(page, 'accounts-todo-not-visited')
  const visit = await t.api('POST', `/enterprises/${visitLedger.id}/visits`, { visited_on: districtDay(), services: ['policy'], notes: '轮次走访' })
  t.check(visit.status === 201, `log a visit through the API: ${visit.status}`)
  await page.reload()
  await notVisited.locator('h2').waitFor()
  await page.locator('section[data-gap="stale_ledger"]').waitFor()
  t.check(!(await notVisited.getByText(visitLedger.name).count()), 'a visited enterprise leaves 本轮未走访')
  t.check(await notVisited.getByText(historyLedger.name).count() === 1, 'the enterprise not visited stays in 本轮未走访')

  // ── A session ended behind the page's back ─────────────────────────────
  await page.goto(t.base + '/enterprises/' + historyLedger.id)
  await page.getByRole('button', { name: '编辑' }).waitFor()
  // The page's own reads (history, the townships' names) end before the session does.
  await page.waitForLoadState('networkidle')
  const cookie = (await page.context().cookies()).find((c) => c.name === 'fugai_session')
  const out = await fetch(t.base + '/api/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + cookie.value } })
  t.check(out.status === 204, `log the page's session out through the API: ${out.status}`)
  await page.getByRole('button', { name: '编辑' }).click()
  await page.getByLabel('职工人数', { exact: true }).fill('21')
  await page.getByRole('button', { name: '保存' }).click()
  await page.waitForURL(/\/login\?/)
  const at = new URL(page.url())
  t.check(at.searchParams.get('back') === '/enterprises/' + historyLedger.id && at.searchParams.get('reason') === 'expired',
    `the login keeps the place and says why, nothing personal: ${at.search}`)
  await page.getByRole('status').filter({ hasText: '登录已过期，请重新登录' }).waitFor()
  await t.shot(page, 'accounts-login-expired')
  await t.axe(page, 'accounts-login-expired')
  await page.getByLabel('账号').fill('acc_liaison15')
  await page.getByLabel('密码').fill(newPass)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(new RegExp(`/enterprises/${historyLedger.id}$`))
  await page.getByText(historyLedger.name).first().waitFor()
  // What was typed when the session ended is still there.
  await page.getByRole('status').filter({ hasText: '已恢复您上次未保存的修改' }).waitFor()
  t.check(await page.getByLabel('职工人数', { exact: true }).inputValue() === '21', 'the 职工人数 typed before the session ended survives signing in again')
  await page.getByRole('button', { name: '取消' }).click()

  // ── 企业台账: suggestion, plan summary, liaison, 变更记录 ───────────────
  const got = await t.api('GET', `/enterprises/${historyLedger.id}`)
  const patched = await t.api('PATCH', `/enterprises/${historyLedger.id}`, { full_members: 4, operating_status: 'difficult' },
    { 'If-Match': got.headers.get('ETag') })
  t.check(patched.status === 200, `edit the ledger through the API: ${patched.status}`)
  const after = await patched.json()
  await page.reload()
  const history = page.locator('section[data-section="history"]')
  const latest = history.locator('.revision').first()
  await latest.locator('[data-change="full_members"]').waitFor()
  const line = await latest.locator('[data-change="full_members"]').innerText()
  const before = (await t.get(`/enterprises/${historyLedger.id}/history`)).items.at(-1).changes.find((c) => c.field === 'full_members').old
  t.check(line.includes('正式党员人数') && line.includes(`${before ?? '空'} → 4`), `变更记录 says 正式党员人数 ${before} → 4: ${line}`)
  const status = await latest.locator('[data-change="operating_status"]').innerText()
  const difficult = t.dicts.operating_statuses.find((s) => s.code === 'difficult').label
  t.check(status.includes('经营状况') && status.includes(difficult), `变更记录 labels 经营状况 ${difficult}: ${status}`)
  t.check((await latest.innerText()).includes('admin'), '变更记录 says who changed it')
  const histApi = (await t.get(`/enterprises/${historyLedger.id}/history`)).items
  t.check(await history.locator('.revision').count() === Math.min(histApi.length, 5), `one row per revision: ${histApi.length}`)
  // The plan summary, the suggestion and the liaison.
  const plan = page.locator('[data-section="plan"]')
  const methodLabel = t.dicts.methods.find((m) => m.code === after.plan.method).label
  const statusLabel = t.dicts.plan_statuses.find((s) => s.code === after.plan.status).label
  const planText = await plan.innerText()
  t.check(planText.includes(methodLabel) && planText.includes(statusLabel), `the plan summary shows ${methodLabel} and ${statusLabel}: ${planText}`)
  const planLink = plan.locator('[data-link="plan"]')
  t.check(await planLink.getAttribute('href') === `/enterprises/${historyLedger.id}/plan`, `the plan summary links to its 计划表: ${await planLink.getAttribute('href')}`)
  t.check((await page.locator('[data-section="suggestion"]').innerText()).includes(after.suggestion.explanation), 'the suggestion shows its reason')
  const tel = page.locator('[data-section="liaison"] a[href="tel:13800000015"]')
  t.check(await tel.count() === 1 && (await page.locator('[data-section="liaison"]').innerText()).includes('周联络'), 'the liaison with a phone to call')
  const telBox = await tel.boundingBox()
  t.check(telBox && telBox.height >= 44, `the phone link is at least 44 px high: ${telBox?.height}`)
  await t.shot(page, 'accounts-ledger-history')
  await t.axe(page, 'accounts-ledger-history')
  await page.context().close()

  // ── 我的 for the district admin: the admin links ───────────────────────
  const admin = await t.newPage('accounts-admin')
  await t.signIn(admin, 'admin', 'Admin-Pass-2026', '/me')
  await admin.waitForURL(/\/me$/)
  await admin.locator('[data-me="role"]').getByText(roleLabel('district_admin')).waitFor()
  const links = admin.locator('[data-me="links"] .van-cell')
  t.check(JSON.stringify(await links.evaluateAll((els) => els.map((e) => e.querySelector('.van-cell__title').textContent.trim())))
    === JSON.stringify(['导入', '导出', '联合党组织']), 'an admin gets 导入, 导出 and 联合党组织')
  t.check((await admin.locator('[data-me="township"]').innerText()).includes('全区'), 'a district admin belongs to the whole district')
  await t.shot(admin, 'accounts-me-admin')
  await t.axe(admin, 'accounts-me-admin')
  await admin.context().close()

  if (ours) await t.api('POST', `/survey-rounds/${round.id}/close`)
}
