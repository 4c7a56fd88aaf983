// Browser test of the web client against a real fugai server in a real
// Chromium (Debian's /usr/bin/chromium driven by playwright-core; no
// downloaded browser). Usage: node e2e/smoke.mjs FUGAI_BINARY
// It starts `fugai serve` on a throwaway SQLite database, enters a ledger
// through the API, then signs in through the login screen as a user would,
// finds the ledger in 我的企业 and opens it; a wrong password must show the
// server's Chinese message; the page must not break its CSP.
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

let browser
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
  const page = await browser.newPage({ viewport: { width: 360, height: 640 } })
  const problems = []
  // Refused requests (401 before signing in, the wrong password) are part
  // of the test; anything else the console reports is not.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text()) })
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

  check(problems.length === 0, 'console errors: ' + problems.join(' | '))
} catch (e) {
  failures.push(String(e.stack || e))
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
