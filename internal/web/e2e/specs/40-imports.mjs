// 导入, 导出 and 覆盖情况's bar chart, as the district admin (screens reached
// by URL). Files are made on the fly: a small registration CSV with new
// credit codes of this spec only, a large registration CSV for a dry run
// (watched while it runs), a survey CSV for a dry run on the new ledgers,
// and a file that is no spreadsheet.
import { readFileSync } from 'node:fs'

const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
/** code completes 17 characters with the GB 32100 check digit. */
function code(first17) {
  let sum = 0
  for (let i = 0, w = 1; i < 17; i++, w = (w * 3) % 31) sum += alphabet.indexOf(first17[i]) * w
  return first17 + alphabet[(31 - (sum % 31)) % 31]
}
const csv = (rows) => Buffer.from('\ufeff' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8')
const isXlsx = (buf) => buf.length > 4 && buf[0] === 0x50 && buf[1] === 0x4b // PK: a zip, as xlsx files are

export default async function (t) {
  // The 415 of the file that is no spreadsheet and the upload cut off on
  // its way back are part of the test.
  const page = await t.newPage('imports', /status of (401|415)|net::ERR_FAILED/)
  const requests = []
  page.on('request', (r) => requests.push(r.url()))
  await t.signIn(page, 'admin', 'Admin-Pass-2026', '/imports')
  await page.waitForURL(/\/imports$/)
  const form = page.locator('form[aria-labelledby="upload-title"]')
  await form.waitFor()
  // The kinds are the dictionary's; the harness's two sample imports are listed.
  for (const k of t.dicts.import_kinds) {
    t.check((await form.locator(`[data-kind="${k.code}"]`).innerText()).includes(k.label), `the kind ${k.code} is labelled ${k.label}`)
  }
  const recent = page.locator('[role="region"][aria-label="最近的导入"] .van-cell')
  await recent.first().waitFor()
  const listed = await t.get('/imports?limit=20')
  t.check(await recent.count() === listed.items.length, `the recent imports are GET /imports's ${listed.items.length}: ${await recent.count()}`)
  await t.shot(page, 'imports')
  await t.axe(page, 'imports')

  const job = page.locator('[data-job]')
  const status = job.locator('[data-status]')
  const label = (list, c) => t.dicts[list].find((i) => i.code === c).label
  const jobId = () => Number(new URL(page.url()).searchParams.get('job'))
  /** shownCounts reads the counts the page shows. */
  const shownCounts = async () => Object.fromEntries(await job.locator('[data-count]').evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-count'), Number(e.querySelector('dd').textContent.trim())])))
  const sameCounts = async (what) => {
    const api = await t.get('/imports/' + jobId())
    const shown = await shownCounts()
    const keys = Object.keys(shown)
    t.check(keys.length >= 7 && keys.every((k) => shown[k] === api.counts[k]), `${what}: the counts shown are GET /imports/{id}'s: ${JSON.stringify(shown)} vs ${JSON.stringify(api.counts)}`)
    return api
  }

  // 1. A registration import of four rows (three new ledgers of 梅湾街道, one
  // malformed code) through the page: the job is followed to 成功 with its
  // progress bar full, the counts are the API's, and the report downloads.
  const codes = [0, 1, 2].map((i) => code('91431103MACP0' + String(100 + i).padStart(4, '0')))
  const regFile = csv([
    ['统一社会信用代码', '企业名称', '住所'],
    ...codes.map((c, i) => [c, `永州市导入测试${i + 1}号有限公司`, `湖南省永州市冷水滩区梅湾街道凤凰路${20 + i}号`]),
    ['91431103MACP0XYZ', '永州市代码有误有限公司', '湖南省永州市冷水滩区梅湾街道凤凰路30号'],
  ])
  await form.locator('[data-kind="registration"]').click()
  await page.setInputFiles('#import-file', { name: '登记数据.csv', mimeType: 'text/csv', buffer: regFile })
  t.check((await form.locator('[data-file]').innerText()) === '登记数据.csv', 'the chosen file is named')
  await form.getByRole('button', { name: '上传并导入' }).click()
  await page.waitForURL(/\/imports\?job=\d+$/)
  await status.getByText(label('import_statuses', 'succeeded')).waitFor()
  const bar = job.locator('[role="progressbar"]')
  t.check(await bar.isVisible() && await bar.getAttribute('aria-valuenow') === '100', 'the finished job\'s progress bar is full')
  const reg = await sameCounts('registration')
  t.check(reg.kind === 'registration' && !reg.dry_run && reg.counts.rows === 4 && reg.counts.created === 3 && reg.counts.rejected === 1,
    `the registration created 3 and rejected 1: ${JSON.stringify(reg.counts)}`)
  const employeesBefore = {}
  for (const c of codes) {
    const found = await t.get('/enterprises?credit_code=' + c)
    t.check(found.items.length === 1 && found.items[0].township_code === '431103001', `the import made the ledger ${c} of 梅湾街道`)
    employeesBefore[c] = found.items[0]?.employees
  }
  t.check((await job.locator('[data-count="created"] dt').innerText()) === '新建', 'created is named 新建')
  t.check(await job.locator('[data-count="rejected"]').evaluate((e) => e.classList.contains('attention')), 'the rejected count is flagged')
  t.check(await recent.first().getAttribute('data-job-id') === String(reg.id), 'the new job heads the recent imports')
  await t.shot(page, 'imports-done')
  await t.axe(page, 'imports-done')
  const report = job.locator('[data-report]')
  t.check(await report.getAttribute('href') === `/api/v1/imports/${reg.id}/report`, 'the report link is the job\'s report_url')
  const [download] = await Promise.all([page.waitForEvent('download'), report.click()])
  const reportBytes = readFileSync(await download.path())
  t.check(isXlsx(reportBytes) && /\.xlsx$/.test(download.suggestedFilename()), `the report downloads as an xlsx: ${download.suggestedFilename()}`)
  const byCookie = await page.context().request.get(t.base + `/api/v1/imports/${reg.id}/report`)
  t.check(byCookie.status() === 200 && isXlsx(await byCookie.body()), `the report link answers 200 with an xlsx on the page's cookie: ${byCookie.status()}`)

  // 1b. The same file again, its answer lost on the way back (the server
  // made the job): 上传并导入 once more sends the same Idempotency-Key and
  // the page follows the job the first attempt made — no second job.
  let cut = false
  await page.route('**/api/v1/imports', async (route) => {
    if (route.request().method() !== 'POST' || cut) return route.continue()
    cut = true
    await route.fetch()
    return route.abort('failed')
  })
  await page.setInputFiles('#import-file', { name: '登记数据.csv', mimeType: 'text/csv', buffer: regFile })
  await form.getByRole('button', { name: '上传并导入' }).click()
  await form.locator('[data-form-error]').getByText('网络不通').waitFor()
  const made = (await t.get('/imports?limit=1')).items[0]
  t.check(cut && made.id > reg.id, `the cut-off upload made a job on the server: ${made.id}`)
  await t.shot(page, 'imports-network')
  await t.axe(page, 'imports-network')
  await form.getByRole('button', { name: '上传并导入' }).click()
  await page.waitForURL(new RegExp(`/imports\\?job=${made.id}$`))
  await status.getByText(label('import_statuses', 'succeeded')).waitFor()
  t.check((await t.get('/imports?limit=1')).items[0].id === made.id, 'the retry made no second job')
  const again = await sameCounts('the re-import')
  t.check(again.counts.unchanged === 3 && again.counts.created === 0, `re-importing the file changes nothing: ${JSON.stringify(again.counts)}`)
  await page.unroute('**/api/v1/imports')

  // 2. A dry run of a large registration file (20,000 new codes): the page
  // shows the job before it is done (排队中 or 进行中, the bar below 100),
  // then its counts; no ledger is made.
  const rows = [['统一社会信用代码', '企业名称', '住所']]
  for (let i = 0; i < 20000; i++) rows.push([code('91431103MACQ' + String(i).padStart(5, '0')), `永州市试导入${i}号商贸有限公司`, `湖南省永州市冷水滩区梅湾街道凤凰路${i}号`])
  await form.locator('[data-kind="registration"]').click()
  await form.locator('[data-dry-run]').click()
  await page.setInputFiles('#import-file', { name: '大表.csv', mimeType: 'text/csv', buffer: csv(rows) })
  const before = jobId()
  await form.getByRole('button', { name: '开始试导入' }).click()
  await page.waitForURL((u) => Number(u.searchParams.get('job')) > before)
  t.check(before === made.id, 'the dry run follows the re-import')
  const running = [label('import_statuses', 'queued'), label('import_statuses', 'running')]
  await page.waitForFunction((names) => names.includes(document.querySelector('[data-job] [data-status]')?.textContent.trim()), running, { timeout: 10000 })
    .then(() => true, () => false).then((seen) => t.check(seen, 'the dry run is shown while it runs (排队中 or 进行中)'))
  const midway = Number(await bar.getAttribute('aria-valuenow'))
  t.check(await bar.isVisible() && midway < 100, `the progress bar is below 100 while the job runs: ${midway}`)
  await t.shot(page, 'imports-running')
  await t.axe(page, 'imports-running')
  await status.getByText(label('import_statuses', 'succeeded')).waitFor({ timeout: 120000 })
  const dry = await sameCounts('large dry run')
  t.check(dry.dry_run && dry.counts.rows === 20000 && dry.counts.created === 20000, `the dry run counts 20,000 new ledgers: ${JSON.stringify(dry.counts)}`)
  t.check((await t.get('/enterprises?credit_code=' + code('91431103MACQ00000'))).items.length === 0, 'the dry run made no ledger')
  t.check(await page.getByText('试导入：只检查，台账未修改').isVisible(), 'the dry run says no ledger changed')

  // 3. A survey dry run on the new ledgers (职工人数 50): it reports them
  // updated, and the ledgers keep no 职工人数.
  await form.locator('[data-kind="survey"]').click()
  t.check(await form.locator('[data-overwrite]').isVisible(), 'a survey offers 覆盖较新的修改')
  await page.setInputFiles('#import-file', { name: '调查表.csv', mimeType: 'text/csv', buffer: csv([['统一社会信用代码', '职工人数'], ...codes.map((c) => [c, '50'])]) })
  await form.getByRole('button', { name: '开始试导入' }).click()
  await page.waitForURL((u) => Number(u.searchParams.get('job')) > dry.id)
  await status.getByText(label('import_statuses', 'succeeded')).waitFor()
  const survey = await sameCounts('survey dry run')
  t.check(survey.kind === 'survey' && survey.dry_run && survey.counts.updated === 3, `the survey dry run would update 3: ${JSON.stringify(survey.counts)}`)
  t.check(!(await job.locator('[data-count="created"]').count()), 'a survey shows no 新建')
  for (const c of codes) {
    const e = (await t.get('/enterprises?credit_code=' + c)).items[0]
    t.check(e.employees !== 50 && e.employees === employeesBefore[c], `the survey dry run left ${c}'s 职工人数 alone: ${e.employees}`)
  }
  await t.shot(page, 'imports-dry-run')
  await t.axe(page, 'imports-dry-run')

  // 4. A file that is no spreadsheet (an old .xls): the server's message.
  const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(2048, 1)])
  const apiForm = new FormData()
  apiForm.append('kind', 'survey')
  apiForm.append('file', new Blob([xls]), '旧表.xls')
  const refused = await fetch(t.base + '/api/v1/imports', { method: 'POST', headers: t.bearer, body: apiForm })
  const refusal = (await refused.json()).error
  t.check(refused.status === 415, `an .xls is refused with 415: ${refused.status}`)
  await form.locator('[data-dry-run]').click() // a real upload this time
  await page.setInputFiles('#import-file', { name: '旧表.xls', mimeType: 'application/vnd.ms-excel', buffer: xls })
  await form.getByRole('button', { name: '上传并导入' }).click()
  const shownRefusal = form.locator('#import-file-error, [data-form-error]').filter({ hasText: /\S/ })
  await shownRefusal.first().waitFor()
  const refusalText = (await shownRefusal.first().innerText()).trim()
  t.check(refusalText === (refusal.fields?.file ?? refusal.message) && /[\u4e00-\u9fff]/.test(refusalText), `the page shows the server's message: ${refusalText}`)
  await t.shot(page, 'imports-refused')
  await t.axe(page, 'imports-refused')

  // 5. An older job opens from the list: the sample registration import.
  const first = listed.items.find((j) => j.kind === 'registration')
  await page.locator(`[data-job-id="${first.id}"]`).click()
  await page.waitForURL(new RegExp(`/imports\\?job=${first.id}$`))
  await job.getByText(`导入任务 #${first.id}`).waitFor()
  await sameCounts('the sample import opened from the list')

  // 导出: each button downloads an xlsx; a township chosen narrows the links.
  await page.goto(t.base + '/exports')
  await page.locator('[data-export]').first().waitFor()
  await t.shot(page, 'exports')
  await t.axe(page, 'exports')
  for (const path of ['coverage.xlsx', 'coverage-plan.xlsx', 'gaps.xlsx']) {
    const link = page.locator(`[data-export="${path}"] a`)
    const [d] = await Promise.all([page.waitForEvent('download'), link.click()])
    const bytes = readFileSync(await d.path())
    t.check(isXlsx(bytes) && /\.xlsx$/.test(d.suggestedFilename()), `${path} downloads as an xlsx: ${d.suggestedFilename()} ${bytes.length} bytes`)
  }
  t.check(await page.locator('[data-export="gaps.xlsx"] a').getAttribute('href') === `/api/v1/exports/gaps.xlsx?gap=${[...t.dicts.gaps].sort((a, b) => a.order - b.order)[0].code}`,
    'the gap list exports the first gap by default')
  await page.locator('[data-township-field]').click()
  const choices = page.locator('.van-popup[aria-label="选择街道/乡镇"]')
  await choices.waitFor()
  const divisions = await t.get('/divisions')
  t.check(await choices.locator('[data-choice]').count() === divisions.townships.length + 1, 'the choices are 全区 and every township of GET /divisions')
  await t.shot(page, 'exports-township')
  await t.axe(page, 'exports-township')
  await choices.locator('[data-choice="431103001"]').click()
  await choices.waitFor({ state: 'hidden' })
  t.check((await page.locator('[data-township-field] input').inputValue()) === '梅湾街道', 'the chosen township is shown')
  const narrowed = page.locator('[data-export="coverage.xlsx"] a')
  t.check(await narrowed.getAttribute('href') === '/api/v1/exports/coverage.xlsx?township=431103001', `a township narrows the export: ${await narrowed.getAttribute('href')}`)
  const one = await page.context().request.get(t.base + (await narrowed.getAttribute('href')))
  t.check(one.status() === 200 && isXlsx(await one.body()), `the township's coverage export answers 200 with an xlsx: ${one.status()}`)

  // 覆盖情况's bar chart: its chunk is loaded only when the chart is shown.
  requests.length = 0
  await page.goto(t.base + '/coverage')
  await page.locator('[data-summary]').waitFor()
  const chunk = (u) => /\/assets\/coverageBars-[\w-]+\.js$/.test(u)
  t.check(!requests.some(chunk), 'the chart\'s code is not loaded before the chart is shown')
  const toggle = page.locator('[data-chart-toggle]')
  t.check(await toggle.getAttribute('aria-expanded') === 'false', 'the chart starts folded')
  await toggle.click()
  const chart = page.locator('[data-chart]')
  await chart.locator('canvas').waitFor()
  t.check(requests.some(chunk), 'showing the chart loads its code')
  const cov = await t.get('/coverage')
  const name = await chart.getAttribute('aria-label')
  const withBase = cov.townships.filter((r) => r.enterprises > 0)
  t.check(await chart.getAttribute('role') === 'img' && withBase.every((r) => name.includes(r.name + '组织覆盖率' + (r.organization_coverage_rate * 100).toFixed(1) + '%')),
    `the chart is an image named by its data: ${name.slice(0, 80)}…`)
  const box = await chart.boundingBox()
  t.check(box && box.width > 300 && box.height >= 200, `the chart is drawn at a size: ${JSON.stringify(box)}`)
  t.check(await page.locator('[data-township]').count() === cov.townships.length + 1, 'the rows stay below the chart')
  await chart.scrollIntoViewIfNeeded()
  await t.shot(page, 'coverage-chart')
  await t.axe(page, 'coverage-chart')
  // On a desktop the chart follows the wider page.
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.waitForFunction(() => document.querySelector('[data-chart] canvas')?.getBoundingClientRect().width > 800, null, { timeout: 5000 })
    .then(() => true, () => false).then((ok) => t.check(ok, 'the chart widens with a desktop window'))
  await page.context().close()

  // A township admin imports survey and liaison sheets only, and exports its
  // own township; an auditor sees the jobs without the form.
  await t.user({ username: 'imports-town01', name: '导入测试', password: 'Town-Pass-2026a', role: 'township_admin', township_code: '431103001' })
  const tp = await t.newPage('township admin')
  await t.signIn(tp, 'imports-town01', 'Town-Pass-2026a', '/imports')
  const tform = tp.locator('form[aria-labelledby="upload-title"]')
  await tform.waitFor()
  const kinds = await tform.locator('[data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
  t.check(JSON.stringify(kinds) === JSON.stringify(['survey', 'liaisons']), `a township admin may upload survey and liaison sheets: ${kinds}`)
  await t.shot(tp, 'imports-township-admin')
  await t.axe(tp, 'imports-township-admin')
  await tp.goto(t.base + '/exports')
  await tp.locator('[data-export]').first().waitFor()
  t.check(!(await tp.locator('[data-township-field]').count()) && (await tp.getByText('只能导出本街道/乡镇的数据').isVisible()), 'a township admin exports its own township')
  const own = await tp.context().request.get(t.base + (await tp.locator('[data-export="coverage.xlsx"] a').getAttribute('href')))
  t.check(own.status() === 200 && isXlsx(await own.body()), `a township admin's export answers 200 with an xlsx: ${own.status()}`)
  await t.shot(tp, 'exports-township-admin')
  await t.axe(tp, 'exports-township-admin')
  await tp.context().close()
  await t.user({ username: 'imports-audit01', name: '审计测试', password: 'Audit-Pass-2026a', role: 'auditor' })
  const ap = await t.newPage('auditor')
  await t.signIn(ap, 'imports-audit01', 'Audit-Pass-2026a', '/imports')
  await ap.locator('[role="region"][aria-label="最近的导入"] .van-cell').first().waitFor()
  t.check(!(await ap.locator('form[aria-labelledby="upload-title"]').count()), 'an auditor sees the jobs without the upload form')
  await t.shot(ap, 'imports-auditor')
  await t.axe(ap, 'imports-auditor')
  await ap.context().close()
}
