// 待办 for a liaison and 覆盖情况 (with its gap lists) for a liaison and the
// district admin; the numbers must be GET /coverage's.
export default async function (t) {
  const bearer = t.bearer
  const dicts = t.dicts
  await t.ledger({ credit_code: '91431103MA4L9012XC', name: '永州市覆盖测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路10号' })
  // 待办 for a liaison: a liaison of 梅湾街道 made through the API, assigned a
  // new (never verified, so stale) ledger, signs in in a new context; 待办
  // lists that ledger under the dictionary's 台账过期 and opens it.
  const json = { ...t.bearer, 'Content-Type': 'application/json' }
  const todoLedger = await fetch(t.base + '/api/v1/enterprises', { method: 'POST', headers: json,
    body: JSON.stringify({ credit_code: '91431103MA4L5678XC', name: '永州市待办测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路9号' }) })
  t.check(todoLedger.status === 201, `create the liaison's ledger: ${todoLedger.status}`)
  const todoId = (await todoLedger.json()).id
  const liaisonUser = await fetch(t.base + '/api/v1/users', { method: 'POST', headers: json,
    body: JSON.stringify({ username: 'liaison01', name: '李联络', password: 'Liaison-Pass-01', role: 'liaison', township_code: '431103001' }) })
  t.check(liaisonUser.status === 201, `create a liaison: ${liaisonUser.status}`)
  const assigned = await fetch(t.base + `/api/v1/enterprises/${todoId}/liaison`, { method: 'PUT', headers: json,
    body: JSON.stringify({ liaison_id: (await liaisonUser.json()).id }) })
  t.check(assigned.status === 200, `assign the liaison: ${assigned.status}`)
  const staleLabel = dicts.gaps.find((g) => g.code === 'stale_ledger').label
  const lp = await t.newPage('liaison')
  const liaisonContext = lp.context()
  await lp.goto(t.base + '/todo')
  await lp.waitForURL(/\/login\?back=/)
  await lp.getByLabel('账号').fill('liaison01')
  await lp.getByLabel('密码').fill('Liaison-Pass-01')
  await lp.getByRole('button', { name: '登录' }).click()
  await lp.waitForURL(/\/todo$/)
  const stale = lp.locator('section[data-gap="stale_ledger"]')
  await stale.getByText('永州市待办测试有限公司').waitFor()
  t.check((await stale.locator('h2').innerText()).includes(staleLabel), `待办 heads the list with the dictionary's ${staleLabel}`)
  t.check(!(await lp.locator('section[data-gap="overdue_plan"]').getByText('永州市待办测试有限公司').count()), 'the ledger is not listed as overdue_plan')
  const tab = lp.getByRole('link', { name: '我的企业' }).or(lp.locator('.van-tabbar-item', { hasText: '我的企业' })).first()
  const tabBox = await tab.boundingBox()
  t.check(tabBox && tabBox.height >= 44, `a tab is at least 44 px high: ${tabBox?.height}`)
  await t.shot(lp, 'todo')
  await t.axe(lp, 'todo')
  await stale.getByText('永州市待办测试有限公司').click()
  await lp.waitForURL(new RegExp(`/enterprises/${todoId}$`))
  await lp.getByText('梅湾街道').first().waitFor()
  // The tab bar reaches 我的企业, which lists the liaison's ledger.
  await lp.goto(t.base + '/todo')
  await tab.click()
  await lp.waitForURL(new RegExp('^' + t.base + '/$'))
  await lp.getByText('永州市待办测试有限公司').first().waitFor()
  // …and 覆盖情况, where a township-bound user gets its own row only.
  await lp.locator('.van-tabbar-item', { hasText: '覆盖情况' }).click()
  await lp.waitForURL(/\/coverage$/)
  await lp.locator('[data-summary]').getByText('梅湾街道').waitFor()
  t.check(await lp.locator('[data-township]').count() === 1, 'a liaison\'s 覆盖情况 has its own township\'s row only')
  await liaisonContext.close()

  // 覆盖情况 as the district admin, reached by the tab bar: the summary's
  // base and rates equal GET /coverage; the 梅湾街道 row shows its no_liaison
  // count under the dictionary's label; tapping it opens the gap list with
  // the ledgers GET /enterprises?gap=no_liaison&township=431103001 lists,
  // each opening its ledger.
  const page = await t.newPage('admin')
  await t.signIn(page, 'admin', 'Admin-Pass-2026')
  // 我的企业 for the district admin: the samples' ledgers, 30 a page; scrolling loads the next.
  const items = page.locator('.van-list .van-cell')
  await items.first().waitFor()
  await t.shot(page, 'list')
  await t.axe(page, 'list')
  if ((await t.get('/enterprises?limit=31')).items.length > 30) {
    await items.nth(29).scrollIntoViewIfNeeded()
    await items.nth(30).waitFor()
    t.check(await items.count() > 30, 'scrolling 我的企业 loads the next page')
  }
  const cov = await (await fetch(t.base + '/api/v1/coverage', { headers: t.bearer })).json()
  const pct = (r) => (r * 100).toFixed(1) + '%'
  await page.goto(t.base + '/')
  await page.locator('.van-tabbar-item', { hasText: '覆盖情况' }).click()
  await page.waitForURL(/\/coverage$/)
  const summary = page.locator('[data-summary]')
  await summary.waitFor()
  const stat = async (k) => (await summary.locator(`[data-stat="${k}"]`).innerText()).trim()
  t.check(await stat('enterprises') === String(cov.district.enterprises), `the district base is GET /coverage's ${cov.district.enterprises}: ${await stat('enterprises')}`)
  for (const k of ['organization_coverage_rate', 'standalone_rate', 'work_coverage_rate']) {
    t.check(await stat(k) === pct(cov.district[k]), `the district ${k} is ${pct(cov.district[k])}: ${await stat(k)}`)
  }
  t.check((await summary.innerText()).includes(cov.as_of), `the summary shows as_of ${cov.as_of}`)
  t.check(await page.locator('[data-township]').count() === cov.townships.length + 1, 'a row per township and 未划分')
  const meiwan = cov.townships.find((t) => t.code === '431103001')
  t.check(meiwan?.gaps.no_liaison >= 1, `梅湾街道 has a no_liaison gap: ${JSON.stringify(meiwan?.gaps)}`)
  const meiwanRow = page.locator('[data-township="431103001"]')
  await meiwanRow.getByText('梅湾街道').click()
  const gapCell = meiwanRow.locator('.van-cell[data-gap="no_liaison"]')
  await gapCell.waitFor()
  const noLiaisonLabel = dicts.gaps.find((g) => g.code === 'no_liaison').label
  const gapText = await gapCell.innerText()
  t.check(gapText.includes(noLiaisonLabel) && gapText.includes(String(meiwan.gaps.no_liaison)),
    `the 梅湾街道 row shows ${noLiaisonLabel} ${meiwan.gaps.no_liaison}: ${gapText}`)
  const gapBox = await gapCell.boundingBox()
  t.check(gapBox && gapBox.height >= 44, `a gap count is at least 44 px high: ${gapBox?.height}`)
  await t.shot(page, 'coverage')
  await t.axe(page, 'coverage')
  await gapCell.click()
  await page.waitForURL(/\/gaps\/no_liaison\?township=431103001$/)
  // The list is the API's, in its order, 30 a page: scrolling loads the next.
  const listed = await (await fetch(t.base + '/api/v1/enterprises?gap=no_liaison&township=431103001&sort=id&limit=60', { headers: t.bearer })).json()
  t.check(listed.items.some((e) => e.name === '永州市覆盖测试有限公司'), 'the API lists the test ledger under no_liaison')
  const rows = page.locator('.van-list .van-cell')
  await rows.first().waitFor()
  if (listed.items.length > 30) { await rows.nth(29).scrollIntoViewIfNeeded(); await rows.nth(30).waitFor() }
  const shown = await rows.evaluateAll((els) => els.map((e) => e.textContent))
  const want = listed.items.slice(0, shown.length)
  t.check(shown.length >= Math.min(listed.items.length, 31) && want.every((e, i) => shown[i].includes(e.name)),
    `the gap list shows the API's ledgers in its order: ${shown.length} shown, ${listed.items.length} listed`)
  await t.shot(page, 'gaps')
  await t.axe(page, 'gaps')
  await rows.first().click()
  await page.waitForURL(new RegExp(`/enterprises/${listed.items[0].id}$`))
  await page.getByText(listed.items[0].credit_code).first().waitFor()
  await page.context().close()

}
