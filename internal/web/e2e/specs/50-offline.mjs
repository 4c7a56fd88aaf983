// Offline: a liaison opens its ledger, the network goes; the app still
// starts (service worker) and shows the ledger read last; a visit and an
// edit made offline are kept on the phone as 待上传 and survive a reload;
// what is typed in a form survives a reload; when the network returns the
// visit arrives once, and the edit — changed meanwhile by someone else —
// comes back on the conflict screen, where the liaison's value is re-applied.
export default async function (t) {
  const code = '91431103MA4L7001XC'
  const l = await t.ledger({ credit_code: code, name: '永州市离线走访测试有限公司', registered_address: '湖南省永州市冷水滩区梅湾街道凤凰路21号' })
  const liaisonId = await t.user({ username: 'offline01', name: '欧联络', password: 'Offline-Pass-01', role: 'liaison', township_code: '431103001' })
  const assigned = await t.api('PUT', `/enterprises/${l.id}/liaison`, { liaison_id: liaisonId })
  t.check(assigned.status === 200, `assign the liaison: ${assigned.status}`)

  // The phone reaches the server through a door the test can shut.
  const door = await t.proxy()
  const offline = async () => { door.down(); await context.setOffline(true) }
  const online = async () => { door.up(); await context.setOffline(false) }
  // Failed requests while offline are what this test is about.
  const page = await t.newPage('offline liaison', /status of (401|412)|ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR/)
  const context = page.context()
  await t.signIn(page, 'offline01', 'Offline-Pass-01', `/enterprises/${l.id}`, door.base)
  await page.getByText('永州市离线走访测试有限公司').first().waitFor()
  // The service worker takes the page; a reload goes through it, keeping the reads.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true))
  await page.waitForFunction(() => !!navigator.serviceWorker.controller)
  await page.reload()
  await page.getByText('永州市离线走访测试有限公司').first().waitFor()
  await page.locator('.van-cell[data-field="full_members"]').waitFor()

  // No network: the app starts from the phone and shows the ledger kept.
  await offline()
  await page.reload()
  await page.getByText('没有网络，显示的是上次读取的内容').waitFor()
  await page.getByText(code).first().waitFor()
  await page.getByText('当前没有网络').waitFor()
  await t.shot(page, 'offline-ledger')
  await t.axe(page, 'offline-ledger')

  // A visit made offline: kept, shown as 待上传.
  const notes = '离线走访：企业负责人表示支持建立党组织'
  await page.getByRole('button', { name: '新增走访' }).click()
  await page.getByLabel('走访情况').fill(notes)
  await page.getByRole('button', { name: '保存走访' }).click()
  await page.getByRole('status').filter({ hasText: '没有网络，走访已保存在本机，待上传' }).waitFor()
  const waitingVisit = page.locator('.waiting .van-cell[data-outbox="visit"]')
  await waitingVisit.waitFor()
  t.check((await waitingVisit.innerText()).includes('待上传'), 'the offline visit is shown as 待上传')

  // An edit made offline: kept too.
  await page.getByRole('button', { name: '编辑' }).click()
  await page.getByLabel('正式党员人数').fill('9')
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByRole('status').filter({ hasText: '没有网络，修改已保存在本机，待上传' }).waitFor()
  await page.locator('.waiting .van-cell[data-outbox="ledger"]').waitFor()
  await page.getByText('待上传 2 条').waitFor()
  await t.shot(page, 'offline-waiting')
  await t.axe(page, 'offline-waiting')

  // A reload keeps them; a visit being typed survives a reload too.
  await page.reload()
  await page.locator('.waiting .van-cell[data-outbox="visit"]').waitFor()
  await page.locator('.waiting .van-cell[data-outbox="ledger"]').waitFor()
  await page.getByRole('button', { name: '新增走访' }).click()
  await page.getByLabel('下一步工作').fill('下周再次走访')
  await page.waitForTimeout(300) // the draft is written on change
  await page.reload()
  await page.getByRole('status').filter({ hasText: '已恢复您上次未保存的走访' }).waitFor()
  t.check(await page.getByLabel('下一步工作').inputValue() === '下周再次走访', 'the typed 下一步工作 survives a reload')
  await page.getByRole('button', { name: '取消' }).click()

  // Someone else changes 正式党员人数 meanwhile.
  const cur = await t.api('GET', `/enterprises/${l.id}`)
  const other = await t.api('PATCH', `/enterprises/${l.id}`, { full_members: 6 }, { 'If-Match': cur.headers.get('ETag') })
  t.check(other.status === 200, `the other edit: ${other.status}`)

  // The network returns: the visit arrives once; the edit is in conflict.
  await online()
  await page.locator('.waiting .van-cell[data-outbox="ledger"][data-state="conflict"]').waitFor({ timeout: 20000 })
  t.check(!(await page.locator('.waiting .van-cell[data-outbox="visit"]').count()), 'the visit left 待上传')
  const visits = (await t.get(`/enterprises/${l.id}/visits`)).items.filter((v) => v.notes === notes)
  t.check(visits.length === 1 && ['offline01', '欧联络'].includes(visits[0].author), `the offline visit arrived once, by the liaison: ${JSON.stringify(visits)}`)
  await page.getByText('修改与他人冲突，点此处理').waitFor()
  await t.shot(page, 'offline-conflict-waiting')
  await page.getByRole('button', { name: '处理冲突' }).click()
  const dialog = page.getByRole('alertdialog')
  await dialog.getByText('该台账已被他人修改').waitFor()
  const row = dialog.locator('tr[data-field="full_members"]')
  t.check((await row.locator('.mine').innerText()).trim() === '9' && (await row.locator('.theirs').innerText()).trim() === '6',
    `the conflict shows 9 (mine) beside 6 (theirs): ${await row.innerText()}`)
  await t.shot(page, 'offline-conflict')
  await t.axe(page, 'offline-conflict')
  await dialog.getByRole('button', { name: '使用我的修改' }).click()
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor()
  t.check((await t.get(`/enterprises/${l.id}`)).full_members === 9, 'the API has the liaison\'s 9 after the conflict')
  await page.locator('.waiting').waitFor({ state: 'detached', timeout: 5000 }).catch(() => t.check(false, 'nothing is left 待上传'))
  t.check(!(await page.getByText(/待上传 \d+ 条/).count()), 'the bar counts nothing 待上传')
  await context.close()
}
