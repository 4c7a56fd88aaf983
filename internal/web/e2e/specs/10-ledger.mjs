// 登录, 企业台账, 我的企业, 编辑 with the 412 conflict screen, 新增走访 — as a
// liaison of 梅湾街道 on its ledger, entered through the API; the one who
// saves first is the district admin in another browser.
export default async function (t) {
  const created = await t.ledger({ credit_code: '91431103MA4L1234XC', name: '永州市浏览器测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路8号' })
  const id = created.id
  const liaisonId = await t.user({ username: 'ledger01', name: '龙联络', password: 'Ledger-Pass-01', role: 'liaison', township_code: '431103001' })
  const assigned = await t.api('PUT', `/enterprises/${id}/liaison`, { liaison_id: liaisonId })
  t.check(assigned.status === 200, `assign the liaison: ${assigned.status}`)
  const password = 'Ledger-Pass-01'
  // Refused requests (401 before signing in, the wrong password, the 412 of
  // a stale save) are part of the test; anything else the console reports
  // is not.
  const page = await t.newPage('liaison', /status of (401|412)/)
  // A deep link without a session goes to the login, keeping the place.
  await page.goto(t.base + '/enterprises/' + id)
  await page.waitForURL(/\/login\?back=/)
  t.check(new URL(page.url()).searchParams.get('back') === '/enterprises/' + id, `login keeps the place: ${page.url()}`)

  // A wrong password: the server's Chinese message.
  await page.getByLabel('账号').fill('ledger01')
  await page.getByLabel('密码').fill('Wrong-Pass-2026')
  await page.getByRole('button', { name: '登录' }).click()
  const alert = page.getByRole('alert')
  await alert.waitFor()
  t.check(/[\u4e00-\u9fff]/.test(await alert.innerText()), 'a wrong password shows a Chinese message')
  await t.shot(page, 'login')
  await t.axe(page, 'login')

  // The right one: back to the ledger asked for.
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL(new RegExp(`/enterprises/${id}$`))
  await page.getByText('永州市浏览器测试有限公司').first().waitFor()
  t.check(await page.getByText('梅湾街道').first().isVisible(), 'the ledger shows its township')
  await t.shot(page, 'ledger')
  await t.axe(page, 'ledger')

  // 我的企业: a liaison's own enterprises; a search by name finds it, a search by code too.
  await page.goto(t.base + '/')
  const items = page.locator('.van-list .van-cell')
  await items.filter({ hasText: '永州市浏览器测试有限公司' }).waitFor()
  await t.shot(page, 'list-liaison')
  await t.axe(page, 'list-liaison')
  const own = (await t.get(`/enterprises?liaison=${liaisonId}&limit=200`)).items
  t.check(await items.count() === own.length, `我的企业 lists the liaison's ${own.length} enterprise(s): ${await items.count()}`)
  // The gap chips (from the dictionary) narrow the list to the API's; 全部 widens it again.
  const staleChip = page.getByRole('radio', { name: t.dicts.gaps.find((g) => g.code === 'stale_ledger').label })
  await staleChip.click()
  await page.waitForURL(/\?gap=stale_ledger$/)
  const stale = (await t.get(`/enterprises?liaison=${liaisonId}&gap=stale_ledger&sort=id&limit=200`)).items
  await items.first().waitFor()
  t.check(await staleChip.getAttribute('aria-checked') === 'true', 'the 台账过期 chip is checked')
  t.check(await items.count() === stale.length && stale.length >= 1, `the stale list is the API's ${stale.length}: ${await items.count()}`)
  await t.shot(page, 'list-gap')
  await t.axe(page, 'list-gap')
  const planChip = page.getByRole('radio', { name: t.dicts.gaps.find((g) => g.code === 'overdue_plan').label })
  await planChip.click()
  await page.getByText('没有符合条件的企业').waitFor()
  await page.getByRole('radio', { name: '全部' }).click()
  await page.waitForURL((u) => !u.search)
  await items.filter({ hasText: '永州市浏览器测试有限公司' }).waitFor()
  await page.getByRole('searchbox').fill('浏览器测试')
  await page.getByRole('searchbox').press('Enter')
  await items.filter({ hasText: '永州市浏览器测试有限公司' }).waitFor()
  t.check(await items.count() === 1, `the search by name finds one ledger: ${await items.count()}`)
  await page.getByRole('searchbox').fill('91431103MA4L1234XC')
  await page.getByRole('searchbox').press('Enter')
  await items.filter({ hasText: '永州市浏览器测试有限公司' }).waitFor()
  await page.getByRole('searchbox').fill('不存在的企业')
  await page.getByRole('searchbox').press('Enter')
  await page.getByText('没有符合条件的企业').waitFor()

  // 编辑: change 正式党员人数 and save; the page shows the new value.
  const ledgerApi = t.base + '/api/v1/enterprises/' + id
  const bearer = t.bearer
  const cell = (field) => page.locator(`.van-cell[data-field="${field}"]`)
  await page.goto(t.base + '/enterprises/' + id)
  await page.getByRole('button', { name: '编辑' }).click()
  await t.shot(page, 'ledger-edit')
  await t.axe(page, 'ledger-edit')
  await page.getByLabel('正式党员人数').fill('4')
  // 经营状况 from a picker whose labels come from GET /dictionaries.
  await page.getByLabel('经营状况').click()
  await page.locator('.van-picker-column__item').first().waitFor()
  await t.axe(page, 'ledger-edit-picker')
  await page.locator('.van-picker-column__item', { hasText: '正常经营' }).click()
  await page.locator('.van-picker__confirm').click()
  await page.locator('.van-popup').waitFor({ state: 'hidden' })
  t.check(await page.getByLabel('经营状况').inputValue() === '正常经营', 'the picker sets 经营状况 to 正常经营')
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  t.check((await cell('full_members').innerText()).includes('4'), 'the ledger shows the saved 正式党员人数 4')
  const afterSave = await (await fetch(ledgerApi, { headers: t.bearer })).json()
  t.check(afterSave.full_members === 4, `the API has full_members 4: ${afterSave.full_members}`)
  t.check(afterSave.operating_status === 'normal', `the API has operating_status normal: ${afterSave.operating_status}`)
  t.check((await cell('operating_status').innerText()).includes('正常经营'), 'the ledger shows 经营状况 正常经营')

  // 该台账已被他人修改: with the form open and 7 typed, someone else saves 5
  // first; saving answers 412 and the conflict screen shows both values.
  await page.getByRole('button', { name: '编辑' }).click()
  await page.getByLabel('正式党员人数').fill('7')
  const admin = await t.newPage('admin')
  await t.signIn(admin, 'admin', 'Admin-Pass-2026', '/enterprises/' + id)
  await admin.getByRole('button', { name: '编辑' }).click()
  await admin.getByLabel('正式党员人数').fill('5')
  await admin.getByRole('button', { name: '保存' }).click()
  await admin.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  t.check((await (await fetch(ledgerApi, { headers: bearer })).json()).full_members === 5, 'the admin saved 5 first')
  await admin.context().close()
  await page.getByRole('button', { name: '保存' }).click()
  const dialog = page.getByRole('alertdialog')
  await dialog.getByText('该台账已被他人修改').waitFor()
  const row = dialog.locator('tr[data-field="full_members"]')
  t.check((await row.locator('.mine').innerText()).trim() === '7', 'the conflict screen shows the user\'s 7')
  t.check((await row.locator('.theirs').innerText()).trim() === '5', 'the conflict screen shows the current 5')
  t.check(await row.getByText('对方也改了此项').isVisible(), 'the conflict screen flags the field both changed')
  await t.shot(page, 'ledger-conflict')
  await t.axe(page, 'ledger-conflict')

  // 使用我的修改: PATCHed again on the new version; the page and the API show 7.
  await dialog.getByRole('button', { name: '使用我的修改' }).click()
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  t.check((await cell('full_members').innerText()).includes('7'), 'the ledger shows the re-applied 正式党员人数 7')
  const afterMine = await (await fetch(ledgerApi, { headers: t.bearer })).json()
  t.check(afterMine.full_members === 7, `the API has full_members 7 after 使用我的修改: ${afterMine.full_members}`)

  // 新增走访: today by default, a service chip from the dictionary, notes and
  // next steps; after saving the history shows it and the API has it.
  await page.getByRole('button', { name: '新增走访' }).click()
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
  t.check(await page.getByLabel('走访日期').inputValue() === today, `走访日期 defaults to today (UTC+8) ${today}`)
  const chip = page.getByRole('checkbox', { name: '政策' })
  await chip.click()
  t.check(await chip.getAttribute('aria-checked') === 'true', 'the 政策 chip is selected')
  const chipBox = await chip.boundingBox()
  t.check(chipBox && chipBox.height >= 44, `a service chip is at least 44 px high: ${chipBox?.height}`)
  // The date picker offers no day after today.
  await page.getByLabel('走访日期').click()
  await page.locator('.van-picker-column__item').first().waitFor()
  await t.axe(page, 'visit-date-picker')
  await page.locator('.van-picker__confirm').click()
  await page.locator('.van-popup').waitFor({ state: 'hidden' })
  t.check(await page.getByLabel('走访日期').inputValue() === today, 'the date picker confirms today')
  await page.getByLabel('走访情况').fill('企业负责人介绍了用工情况，有意向建立党组织')
  await page.getByLabel('下一步工作').fill('下月协助发展党员')
  await t.shot(page, 'visit-new')
  await t.axe(page, 'visit-new')
  await page.getByRole('button', { name: '保存走访' }).click()
  await page.getByRole('status').filter({ hasText: '走访已保存' }).waitFor()
  const visitRow = page.locator('.visit').first()
  await visitRow.waitFor()
  const visitText = await visitRow.innerText()
  t.check(visitText.includes(today) && visitText.includes('政策') && visitText.includes('有意向建立党组织'),
    `the visit history shows the visit: ${visitText}`)
  await t.shot(page, 'ledger-visits')
  await t.axe(page, 'ledger-visits')
  const visitsApi = await (await fetch(ledgerApi + '/visits', { headers: t.bearer })).json()
  const v = visitsApi.items?.[0]
  t.check(v && v.visited_on === today && JSON.stringify(v.services) === '["policy"]' && v.notes === '企业负责人介绍了用工情况，有意向建立党组织'
    && v.next_steps === '下月协助发展党员', `the API has the visit: ${JSON.stringify(visitsApi)}`)

  await page.context().close()
}
