// Browser test of the web client against a real fugai server in a real
// Chromium (Debian's /usr/bin/chromium driven by playwright-core; no
// downloaded browser). Usage: node e2e/smoke.mjs FUGAI_BINARY
// It starts `fugai serve` on a throwaway SQLite database, enters a ledger
// through the API, then signs in through the login screen as a user would,
// finds the ledger in 我的企业 and opens it; a wrong password must show the
// server's Chinese message; edits 正式党员人数 and saves it; saves again after
// someone else changed the ledger and re-applies on the conflict screen;
// logs a visit through 新增走访 and finds it in the history and the API; a
// liaison made through the API finds its stale ledger in 待办 and its own
// row in 覆盖情况; the district admin's 覆盖情况 equals GET /coverage and a
// gap count opens that gap list; the page must not break its CSP.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import net from 'node:net'
import { chromium } from 'playwright-core'

const bin = process.argv[2]
if (!bin) throw new Error('usage: node e2e/smoke.mjs FUGAI_BINARY')
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium'
const dir = mkdtempSync(join(tmpdir(), 'fugai-e2e-'))
const password = 'Admin-Pass-2026'

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
})
const base = `http://127.0.0.1:${port}`
const server = spawn(bin, ['serve'], {
  env: { ...process.env, FUGAI_ADDR: `127.0.0.1:${port}`, FUGAI_DATABASE_URL: join(dir, 'fugai.db'), FUGAI_ADMIN_PASSWORD: password },
  stdio: ['ignore', 'pipe', 'pipe'],
})
let serverLog = ''
server.stdout.on('data', (d) => { serverLog += d })
server.stderr.on('data', (d) => { serverLog += d })

let browser, page
const problems = []
const failures = []
// E2E_SCREENSHOTS=DIR keeps a picture of each screen, to look at.
const shots = process.env.E2E_SCREENSHOTS
const shot = async (page, name) => { if (shots) await page.screenshot({ path: join(shots, name + '.png'), fullPage: true }) }
const check = (ok, what) => { if (!ok) failures.push(what) }
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(base + '/readyz')).ok) break } catch { /* not up yet */ }
    if (i > 100) throw new Error('the server did not start:\n' + serverLog)
    await new Promise((r) => setTimeout(r, 100))
  }
  // A ledger to find, entered through the API.
  const login = await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }) })).json()
  const created = await fetch(base + '/api/v1/enterprises', { method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + login.token },
    body: JSON.stringify({ credit_code: '91431103MA4L1234XC', name: '永州市浏览器测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路8号' }) })
  check(created.status === 201, `create a ledger: ${created.status}`)

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  page = await browser.newPage({ viewport: { width: 360, height: 640 } })
  // Refused requests (401 before signing in, the wrong password, the 412 of
  // a stale save) are part of the test; anything else the console reports
  // is not.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (401|412)/.test(m.text())) problems.push(m.text()) })
  page.on('pageerror', (e) => problems.push(String(e)))

  // A deep link without a session goes to the login, keeping the place.
  await page.goto(base + '/enterprises/1')
  await page.waitForURL(/\/login\?back=/)
  check(new URL(page.url()).searchParams.get('back') === '/enterprises/1', `login keeps the place: ${page.url()}`)

  // A wrong password: the server's Chinese message.
  await page.getByLabel('账号').fill('admin')
  await page.getByLabel('密码').fill('Wrong-Pass-2026')
  await page.getByRole('button', { name: '登录' }).click()
  const alert = page.getByRole('alert')
  await alert.waitFor()
  check(/[\u4e00-\u9fff]/.test(await alert.innerText()), 'a wrong password shows a Chinese message')
  await shot(page, 'login')

  // The right one: back to the ledger asked for.
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(/\/enterprises\/1$/)
  await page.getByText('永州市浏览器测试有限公司').first().waitFor()
  check(await page.getByText('梅湾街道').first().isVisible(), 'the ledger shows its township')
  await shot(page, 'ledger')

  // 我的企业: the list finds it by name.
  await page.goto(base + '/')
  await page.getByText('永州市浏览器测试有限公司').first().waitFor()
  await shot(page, 'list')
  await page.getByRole('searchbox').fill('不存在的企业')
  await page.getByRole('searchbox').press('Enter')
  await page.getByText('没有符合条件的企业').waitFor()

  // 编辑: change 正式党员人数 and save; the page shows the new value.
  const ledgerApi = base + '/api/v1/enterprises/1'
  const bearer = { Authorization: 'Bearer ' + login.token }
  const cell = (field) => page.locator(`.van-cell[data-field="${field}"]`)
  await page.goto(base + '/enterprises/1')
  await page.getByRole('button', { name: '编辑' }).click()
  await shot(page, 'ledger-edit')
  await page.getByLabel('正式党员人数').fill('4')
  // 经营状况 from a picker whose labels come from GET /dictionaries.
  await page.getByLabel('经营状况').click()
  await page.locator('.van-picker-column__item', { hasText: '正常经营' }).click()
  await page.locator('.van-picker__confirm').click()
  await page.locator('.van-popup').waitFor({ state: 'hidden' })
  check(await page.getByLabel('经营状况').inputValue() === '正常经营', 'the picker sets 经营状况 to 正常经营')
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  check((await cell('full_members').innerText()).includes('4'), 'the ledger shows the saved 正式党员人数 4')
  const afterSave = await (await fetch(ledgerApi, { headers: bearer })).json()
  check(afterSave.full_members === 4, `the API has full_members 4: ${afterSave.full_members}`)
  check(afterSave.operating_status === 'normal', `the API has operating_status normal: ${afterSave.operating_status}`)
  check((await cell('operating_status').innerText()).includes('正常经营'), 'the ledger shows 经营状况 正常经营')

  // 该台账已被他人修改: with the form open and 7 typed, someone else saves 5
  // first; saving answers 412 and the conflict screen shows both values.
  await page.getByRole('button', { name: '编辑' }).click()
  await page.getByLabel('正式党员人数').fill('7')
  const current = await fetch(ledgerApi, { headers: bearer })
  const other = await fetch(ledgerApi, { method: 'PATCH',
    headers: { ...bearer, 'Content-Type': 'application/json', 'If-Match': current.headers.get('ETag') },
    body: JSON.stringify({ full_members: 5 }) })
  check(other.status === 200, `the other person's save: ${other.status}`)
  await page.getByRole('button', { name: '保存' }).click()
  const dialog = page.getByRole('alertdialog')
  await dialog.getByText('该台账已被他人修改').waitFor()
  const row = dialog.locator('tr[data-field="full_members"]')
  check((await row.locator('.mine').innerText()).trim() === '7', 'the conflict screen shows the user\'s 7')
  check((await row.locator('.theirs').innerText()).trim() === '5', 'the conflict screen shows the current 5')
  check(await row.getByText('对方也改了此项').isVisible(), 'the conflict screen flags the field both changed')
  await shot(page, 'ledger-conflict')

  // 使用我的修改: PATCHed again on the new version; the page and the API show 7.
  await dialog.getByRole('button', { name: '使用我的修改' }).click()
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  check((await cell('full_members').innerText()).includes('7'), 'the ledger shows the re-applied 正式党员人数 7')
  const afterMine = await (await fetch(ledgerApi, { headers: bearer })).json()
  check(afterMine.full_members === 7, `the API has full_members 7 after 使用我的修改: ${afterMine.full_members}`)

  // 新增走访: today by default, a service chip from the dictionary, notes and
  // next steps; after saving the history shows it and the API has it.
  await page.getByRole('button', { name: '新增走访' }).click()
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
  check(await page.getByLabel('走访日期').inputValue() === today, `走访日期 defaults to today (UTC+8) ${today}`)
  const chip = page.getByRole('checkbox', { name: '政策' })
  await chip.click()
  check(await chip.getAttribute('aria-checked') === 'true', 'the 政策 chip is selected')
  const chipBox = await chip.boundingBox()
  check(chipBox && chipBox.height >= 44, `a service chip is at least 44 px high: ${chipBox?.height}`)
  // The date picker offers no day after today.
  await page.getByLabel('走访日期').click()
  await page.locator('.van-picker__confirm').click()
  await page.locator('.van-popup').waitFor({ state: 'hidden' })
  check(await page.getByLabel('走访日期').inputValue() === today, 'the date picker confirms today')
  await page.getByLabel('走访情况').fill('企业负责人介绍了用工情况，有意向建立党组织')
  await page.getByLabel('下一步工作').fill('下月协助发展党员')
  await shot(page, 'visit-new')
  await page.getByRole('button', { name: '保存走访' }).click()
  await page.getByRole('status').filter({ hasText: '走访已保存' }).waitFor()
  const visitRow = page.locator('.visit').first()
  await visitRow.waitFor()
  const visitText = await visitRow.innerText()
  check(visitText.includes(today) && visitText.includes('政策') && visitText.includes('有意向建立党组织'),
    `the visit history shows the visit: ${visitText}`)
  await shot(page, 'ledger-visits')
  const visitsApi = await (await fetch(ledgerApi + '/visits', { headers: bearer })).json()
  const v = visitsApi.items?.[0]
  check(v && v.visited_on === today && JSON.stringify(v.services) === '["policy"]' && v.notes === '企业负责人介绍了用工情况，有意向建立党组织'
    && v.next_steps === '下月协助发展党员', `the API has the visit: ${JSON.stringify(visitsApi)}`)

  // 待办 for a liaison: a liaison of 梅湾街道 made through the API, assigned a
  // new (never verified, so stale) ledger, signs in in a new context; 待办
  // lists that ledger under the dictionary's 台账过期 and opens it.
  const json = { ...bearer, 'Content-Type': 'application/json' }
  const todoLedger = await fetch(base + '/api/v1/enterprises', { method: 'POST', headers: json,
    body: JSON.stringify({ credit_code: '91431103MA4L5678XC', name: '永州市待办测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路9号' }) })
  check(todoLedger.status === 201, `create the liaison's ledger: ${todoLedger.status}`)
  const todoId = (await todoLedger.json()).id
  const liaisonUser = await fetch(base + '/api/v1/users', { method: 'POST', headers: json,
    body: JSON.stringify({ username: 'liaison01', name: '李联络', password: 'Liaison-Pass-01', role: 'liaison', township_code: '431103001' }) })
  check(liaisonUser.status === 201, `create a liaison: ${liaisonUser.status}`)
  const assigned = await fetch(base + `/api/v1/enterprises/${todoId}/liaison`, { method: 'PUT', headers: json,
    body: JSON.stringify({ liaison_id: (await liaisonUser.json()).id }) })
  check(assigned.status === 200, `assign the liaison: ${assigned.status}`)
  const dicts = (await (await fetch(base + '/api/v1/dictionaries', { headers: bearer })).json()).dictionaries
  const staleLabel = dicts.gaps.find((g) => g.code === 'stale_ledger').label
  const liaisonContext = await browser.newContext({ viewport: { width: 360, height: 640 } })
  const lp = await liaisonContext.newPage()
  lp.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push('liaison: ' + m.text()) })
  lp.on('pageerror', (e) => problems.push('liaison: ' + String(e)))
  await lp.goto(base + '/todo')
  await lp.waitForURL(/\/login\?back=/)
  await lp.getByLabel('账号').fill('liaison01')
  await lp.getByLabel('密码').fill('Liaison-Pass-01')
  await lp.getByRole('button', { name: '登录' }).click()
  await lp.waitForURL(/\/todo$/)
  const stale = lp.locator('section[data-gap="stale_ledger"]')
  await stale.getByText('永州市待办测试有限公司').waitFor()
  check((await stale.locator('h2').innerText()).includes(staleLabel), `待办 heads the list with the dictionary's ${staleLabel}`)
  check(!(await lp.locator('section[data-gap="overdue_plan"]').getByText('永州市待办测试有限公司').count()), 'the ledger is not listed as overdue_plan')
  const tab = lp.getByRole('link', { name: '我的企业' }).or(lp.locator('.van-tabbar-item', { hasText: '我的企业' })).first()
  const tabBox = await tab.boundingBox()
  check(tabBox && tabBox.height >= 44, `a tab is at least 44 px high: ${tabBox?.height}`)
  await shot(lp, 'todo')
  await stale.getByText('永州市待办测试有限公司').click()
  await lp.waitForURL(new RegExp(`/enterprises/${todoId}$`))
  await lp.getByText('梅湾街道').first().waitFor()
  // The tab bar reaches 我的企业, which lists the liaison's ledger.
  await lp.goto(base + '/todo')
  await tab.click()
  await lp.waitForURL(new RegExp('^' + base + '/$'))
  await lp.getByText('永州市待办测试有限公司').first().waitFor()
  // …and 覆盖情况, where a township-bound user gets its own row only.
  await lp.locator('.van-tabbar-item', { hasText: '覆盖情况' }).click()
  await lp.waitForURL(/\/coverage$/)
  await lp.locator('[data-summary]').getByText('梅湾街道').waitFor()
  check(await lp.locator('[data-township]').count() === 1, 'a liaison\'s 覆盖情况 has its own township\'s row only')
  await liaisonContext.close()

  // 覆盖情况 as the district admin, reached by the tab bar: the summary's
  // base and rates equal GET /coverage; the 梅湾街道 row shows its no_liaison
  // count under the dictionary's label; tapping it opens the gap list with
  // the ledgers GET /enterprises?gap=no_liaison&township=431103001 lists,
  // each opening its ledger.
  const cov = await (await fetch(base + '/api/v1/coverage', { headers: bearer })).json()
  const pct = (r) => (r * 100).toFixed(1) + '%'
  await page.goto(base + '/')
  await page.locator('.van-tabbar-item', { hasText: '覆盖情况' }).click()
  await page.waitForURL(/\/coverage$/)
  const summary = page.locator('[data-summary]')
  await summary.waitFor()
  const stat = async (k) => (await summary.locator(`[data-stat="${k}"]`).innerText()).trim()
  check(await stat('enterprises') === String(cov.district.enterprises), `the district base is GET /coverage's ${cov.district.enterprises}: ${await stat('enterprises')}`)
  for (const k of ['organization_coverage_rate', 'standalone_rate', 'work_coverage_rate']) {
    check(await stat(k) === pct(cov.district[k]), `the district ${k} is ${pct(cov.district[k])}: ${await stat(k)}`)
  }
  check((await summary.innerText()).includes(cov.as_of), `the summary shows as_of ${cov.as_of}`)
  check(await page.locator('[data-township]').count() === cov.townships.length + 1, 'a row per township and 未划分')
  const meiwan = cov.townships.find((t) => t.code === '431103001')
  check(meiwan?.gaps.no_liaison >= 1, `梅湾街道 has a no_liaison gap: ${JSON.stringify(meiwan?.gaps)}`)
  const meiwanRow = page.locator('[data-township="431103001"]')
  await meiwanRow.getByText('梅湾街道').click()
  const gapCell = meiwanRow.locator('.van-cell[data-gap="no_liaison"]')
  await gapCell.waitFor()
  const noLiaisonLabel = dicts.gaps.find((g) => g.code === 'no_liaison').label
  const gapText = await gapCell.innerText()
  check(gapText.includes(noLiaisonLabel) && gapText.includes(String(meiwan.gaps.no_liaison)),
    `the 梅湾街道 row shows ${noLiaisonLabel} ${meiwan.gaps.no_liaison}: ${gapText}`)
  const gapBox = await gapCell.boundingBox()
  check(gapBox && gapBox.height >= 44, `a gap count is at least 44 px high: ${gapBox?.height}`)
  await shot(page, 'coverage')
  await gapCell.click()
  await page.waitForURL(/\/gaps\/no_liaison\?township=431103001$/)
  const listed = await (await fetch(base + '/api/v1/enterprises?gap=no_liaison&township=431103001&sort=id&limit=100', { headers: bearer })).json()
  check(listed.items.some((e) => e.name === '永州市浏览器测试有限公司'), 'the API lists the test ledger under no_liaison')
  for (const e of listed.items) await page.locator('.van-list .van-cell', { hasText: e.name }).first().waitFor()
  check(await page.locator('.van-list .van-cell').count() === listed.items.length, `the gap list shows the API's ${listed.items.length} ledger(s)`)
  await shot(page, 'gaps')
  await page.locator('.van-list .van-cell', { hasText: '永州市浏览器测试有限公司' }).click()
  await page.waitForURL(/\/enterprises\/1$/)
  await page.getByText('91431103MA4L1234XC').first().waitFor()

  check(problems.length === 0, 'console errors: ' + problems.join(' | '))
} catch (e) {
  failures.push(String(e.stack || e))
  if (page) await shot(page, 'failure').catch(() => {})
  if (problems.length) failures.push('console errors: ' + problems.join(' | '))
} finally {
  await browser?.close()
  server.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}
if (failures.length) {
  console.error('web client smoke test FAILED:\n- ' + failures.join('\n- '))
  process.exit(1)
}
console.log('web client smoke test passed (Chromium, 360×640)')
