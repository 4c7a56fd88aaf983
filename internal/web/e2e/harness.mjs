// The browser tests' common ground: a real `fugai serve` on a throwaway
// SQLite database loaded with the samples (internal/importer/testdata: the
// registration export and the survey sheet, imported through the API as a
// user's upload would be), Debian's Chromium driven by playwright-core (no
// downloaded browser), the district admin's API token, and the checks.
// Every spec (e2e/specs/*.mjs) exports a default async function(t) given
// this harness; run.mjs runs them in order on one server.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const axeSource = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8')
export const samples = join(here, '../../importer/testdata')
export const adminPassword = 'Admin-Pass-2026'
/** The phone the screens are made for, and the one screenshots are taken at. */
export const phone = { width: 360, height: 640 }
export const shotSize = { width: 375, height: 812 }
export const desktop = { width: 1280, height: 800 }

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
}

export async function startHarness(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'fugai-e2e-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = spawn(bin, ['serve'], {
    env: { ...process.env, FUGAI_ADDR: `127.0.0.1:${port}`, FUGAI_DATABASE_URL: join(dir, 'fugai.db'), FUGAI_ADMIN_PASSWORD: adminPassword },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let serverLog = ''
  server.stdout.on('data', (d) => { serverLog += d })
  server.stderr.on('data', (d) => { serverLog += d })
  const t = {
    base, dir, server, failures: [], problems: [],
    /** shots is where every screen's picture goes (git-ignored). */
    shots: process.env.E2E_SCREENSHOTS || join(here, 'screenshots'),
    log: () => serverLog,
  }
  mkdirSync(t.shots, { recursive: true })
  t.check = (ok, what) => { if (!ok) t.failures.push(what) }
  /**
   * shot keeps a full-page picture of the screen at 375×812, and checks the
   * screen's layout at 360×640 and at a desktop's 1280×800 (t.layout).
   */
  t.shot = async (page, name) => {
    const size = page.viewportSize()
    await page.setViewportSize(shotSize)
    await page.waitForTimeout(50)
    await page.screenshot({ path: join(t.shots, name + '.png'), fullPage: true })
    for (const v of [phone, desktop]) {
      await page.setViewportSize(v)
      await page.waitForTimeout(50)
      await t.layout(page, `${name} at ${v.width}×${v.height}`)
    }
    if (size) await page.setViewportSize(size)
  }
  /**
   * layout checks what 适老化 and small phones ask of a screen as it is:
   * nothing wider than the window (no sideways scrolling), a base font of
   * 16 px and no visible text under 14 px, and every visible control — a
   * button, link, input, checkbox, switch or tappable cell — at least 44 px
   * high (a field's input counts by its cell).
   */
  t.layout = async (page, where) => {
    const found = await page.evaluate(() => {
      const out = []
      const doc = document.documentElement
      if (doc.scrollWidth > window.innerWidth + 1) out.push(`wider than the window: ${doc.scrollWidth} > ${window.innerWidth}`)
      const base = parseFloat(getComputedStyle(document.body).fontSize)
      if (base < 16) out.push(`base font ${base}px`)
      const visible = (e) => { const r = e.getBoundingClientRect(); const st = getComputedStyle(e)
        return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none' && !e.closest('[aria-hidden="true"], .sr-only') }
      const name = (e) => (e.getAttribute('aria-label') || e.textContent || e.getAttribute('name') || e.tagName).trim().slice(0, 20)
      const small = new Set()
      for (const e of document.querySelectorAll('body *')) {
        if (!visible(e) || e.closest('svg, canvas')) continue
        const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
        if (own) { const fs = parseFloat(getComputedStyle(e).fontSize); if (fs < 14) small.add(`${name(e)} ${fs}px`) }
      }
      if (small.size) out.push('text under 14 px: ' + [...small].slice(0, 5).join(', '))
      const controls = 'button, a[href], input:not([type=hidden]), textarea, select, [role=button], [role=checkbox], [role=switch], [role=tab], [role=radio], [role=option], .van-cell--clickable'
      const low = new Set()
      for (const e of document.querySelectorAll(controls)) {
        if (!visible(e)) continue
        const r = e.getBoundingClientRect()
        if (r.width <= 2 && r.height <= 2) continue // visually hidden, its label is the target
        const box = (e.closest('.van-cell, .van-field') || e).getBoundingClientRect()
        const own = e.getBoundingClientRect()
        const h = Math.max(box.height, own.height)
        if (h < 44 - 0.5) low.add(`${name(e)} ${Math.round(h)}px`)
      }
      if (low.size) out.push('controls under 44 px: ' + [...low].slice(0, 6).join(', '))
      return out
    })
    t.layoutRuns = (t.layoutRuns ?? 0) + 1
    t.check(found.length === 0, `layout of ${where}: ${found.join(' | ')}`)
  }
  /**
   * axe runs axe-core on the page as it is now (evaluated through the
   * DevTools protocol, so the page's CSP stays as served) and fails the
   * spec on any serious or critical violation; the screen's name says where.
   */
  t.axe = async (page, screen) => {
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
    const found = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] })
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)
    })
    t.axeRuns = (t.axeRuns ?? 0) + 1
    t.check(found.length === 0, `axe on ${screen}: ${found.join(' | ')}`)
  }
  for (let i = 0; ; i++) {
    try { if ((await fetch(base + '/readyz')).ok) break } catch { /* not up yet */ }
    if (i > 100) throw new Error('the server did not start:\n' + serverLog)
    await new Promise((r) => setTimeout(r, 100))
  }
  const login = await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }) })).json()
  t.bearer = { Authorization: 'Bearer ' + login.token }
  t.json = { ...t.bearer, 'Content-Type': 'application/json' }
  /** api calls the API as the district admin; it returns the response. */
  t.api = (method, path, body, headers = {}) => fetch(base + '/api/v1' + path, {
    method, headers: { ...(body === undefined ? t.bearer : t.json), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
  t.get = async (path) => {
    const r = await t.api('GET', path)
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`)
    return r.json()
  }
  /** importFile uploads a sample as an admin would and waits for the job. */
  t.importFile = async (name, kind) => {
    const form = new FormData()
    form.append('kind', kind)
    form.append('file', new Blob([readFileSync(join(samples, name))]), name)
    const r = await fetch(base + '/api/v1/imports', { method: 'POST', headers: t.bearer, body: form })
    if (r.status !== 202) throw new Error(`import ${name}: ${r.status} ${await r.text()}`)
    const { id } = await r.json()
    for (let i = 0; i < 600; i++) {
      const job = await t.get('/imports/' + id)
      if (job.status === 'succeeded') return job
      if (job.status === 'failed') throw new Error(`import ${name} failed: ${JSON.stringify(job)}`)
      await new Promise((res) => setTimeout(res, 100))
    }
    throw new Error(`import ${name} did not finish`)
  }
  await t.importFile('registration.xlsx', 'registration')
  await t.importFile('survey.xlsx', 'survey')
  t.dicts = (await t.get('/dictionaries')).dictionaries

  t.browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  /**
   * newPage opens a page in a new browser context (its own cookies and
   * storage) at 360×640. Console errors and page errors are problems,
   * except refused requests the spec expects (allow: a RegExp of the
   * console text).
   */
  t.newPage = async (who, allow = /status of 401/, options = {}) => {
    const context = await t.browser.newContext({ viewport: phone, ...options })
    const page = await context.newPage()
    page.on('console', (m) => { if (m.type() === 'error' && !allow.test(m.text())) t.problems.push(`${who}: ${m.text()}`) })
    page.on('pageerror', (e) => t.problems.push(`${who}: ${String(e)}`))
    return page
  }
  /** signIn goes through the login screen (from path, at origin: base unless a proxy's) as username. */
  t.signIn = async (page, username, password, path = '/', origin = base) => {
    await page.goto(origin + path)
    await page.waitForURL(/\/login\?back=/)
    await page.getByLabel('账号').fill(username)
    await page.getByLabel('密码').fill(password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  }
  /** user makes an account through the API; it returns its id. */
  t.user = async (body) => {
    const r = await t.api('POST', '/users', body)
    if (r.status !== 201) throw new Error(`create user ${body.username}: ${r.status} ${await r.text()}`)
    return (await r.json()).id
  }
  /** ledger enters a ledger through the API; it returns it. */
  t.ledger = async (body) => {
    const r = await t.api('POST', '/enterprises', body)
    if (r.status !== 201) throw new Error(`create ledger ${body.name}: ${r.status} ${await r.text()}`)
    return r.json()
  }
  /**
   * proxy is a door to the server that can be shut: a TCP relay on its own
   * port whose down() drops every connection and refuses new ones — the
   * phone's network gone, for the page and its service worker alike
   * (Chromium's offline emulation does not reach service workers); up()
   * opens it again. Pages must be opened at proxy.base.
   */
  t.proxy = async () => {
    let open = true
    const sockets = new Set()
    const relay = net.createServer((client) => {
      if (!open) { client.destroy(); return }
      const upstream = net.connect(port, '127.0.0.1')
      sockets.add(client); sockets.add(upstream)
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end)
      client.pipe(upstream); upstream.pipe(client)
    })
    await new Promise((r) => relay.listen(0, '127.0.0.1', r))
    const p = {
      base: `http://127.0.0.1:${relay.address().port}`,
      down: () => { open = false; for (const s of sockets) s.destroy(); sockets.clear() },
      up: () => { open = true },
      close: () => new Promise((r) => { p.down(); relay.close(r) }),
    }
    proxies.push(p)
    return p
  }
  const proxies = []
  t.close = async () => {
    for (const p of proxies) await p.close()
    await t.browser?.close()
    server.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  return t
}
