// 计划表 (一企一对策) as the district admin: open a plan, edit 计划完成时间 and
// 组建方式与措施 and save; a save after someone else's (the 412 conflict screen,
// re-applied); register a 党支部 for an enterprise with 3 full members (the
// plan shows 已组建, GET /coverage counts one more organisation covered);
// 联合组建: three small enterprises of one street confirmed as a suggested
// group, dissolved and confirmed again; a liaison is told the page is not
// theirs. Ledgers are entered through the API with codes of this spec's own.
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
/** creditCode completes 17 characters with their GB 32100 check character. */
function creditCode(first17) {
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0)
  return first17 + alphabet[(31 - (sum % 31)) % 31]
}

export default async function (t) {
  const label = (dict, code) => t.dicts[dict].find((i) => i.code === code).label
  const year = new Date().getFullYear() + 1
  const townships = (await t.get('/divisions')).townships

  /** ledger enters a ledger in a township and sets its full members; it returns its id. */
  async function ledger(n, name, township, fullMembers) {
    const l = await t.ledger({ credit_code: creditCode('91431103MA4PPL' + String(n).padStart(3, '0')), name,
      registered_address: `湖南省永州市冷水滩区${township.name}建设路${n}号` })
    t.check(l.township_code === township.code, `${name} is assigned to ${township.name}: ${l.township_code}`)
    const cur = await t.api('GET', '/enterprises/' + l.id)
    const r = await t.api('PATCH', '/enterprises/' + l.id, { full_members: fullMembers }, { 'If-Match': cur.headers.get('ETag') })
    if (r.status !== 200) throw new Error(`set full_members of ${name}: ${r.status} ${await r.text()}`)
    return l.id
  }
  /** poolOf lists a township's in-scope ledgers with 1–2 full members (joint candidates). */
  async function poolOf(code) {
    const out = []
    for (let cursor = ''; ;) {
      const p = await t.get(`/enterprises?township=${code}&in_scope=true&limit=200${cursor ? '&cursor=' + cursor : ''}`)
      out.push(...p.items.filter((e) => e.full_members >= 1 && e.full_members <= 2))
      if (!p.next_cursor) return out
      cursor = encodeURIComponent(p.next_cursor)
    }
  }
  // A street without joint candidates, so that the suggestion is exactly ours.
  let street = null
  for (const tw of townships) {
    if (!(await poolOf(tw.code)).length) { street = tw; break }
  }
  if (!street) throw new Error('no township without joint candidates')

  const id = await ledger(1, '永州市计划表测试有限公司', street, 3)
  const planApi = `/enterprises/${id}/plan`
  const page = await t.newPage('admin', /status of (401|412|422)/)
  const cell = (field) => page.locator(`.van-cell[data-field="${field}"]`)
  await t.signIn(page, 'admin', 'Admin-Pass-2026', planApi)
  await page.getByText('永州市计划表测试有限公司').first().waitFor()
  await cell('status').getByText(label('plan_statuses', 'not_started')).waitFor()
  t.check((await cell('suggested_method').innerText()).includes(label('methods', 'standalone')), 'the plan shows the suggestion 单独组建')
  t.check((await cell('suggested_method').innerText()).includes('正式党员3名'), 'the plan shows the suggestion\'s reason')
  await t.shot(page, 'plan')
  await t.axe(page, 'plan')

  // 编辑计划: 计划完成时间 from the date picker, 组建方式与措施 typed; a bad phone is
  // refused under its field first.
  await page.getByRole('button', { name: '编辑计划' }).click()
  await page.getByLabel('计划完成时间').click()
  const columns = page.locator('.van-popup .van-picker-column')
  const pick = async (i, text) => {
    await columns.nth(i).locator('.van-picker-column__item', { hasText: new RegExp('^' + text + '$') }).click()
    await page.waitForTimeout(350) // the column's scroll animation
  }
  // Next year, the month and day the picker starts on (today).
  await pick(0, String(year))
  await t.shot(page, 'plan-date-picker')
  await t.axe(page, 'plan-date-picker')
  await page.locator('.van-popup .van-picker__confirm').click()
  await page.locator('.van-popup:visible').first().waitFor({ state: 'detached' })
  const completion = await page.getByLabel('计划完成时间').inputValue()
  t.check(new RegExp(`^${year}-\\d{2}-\\d{2}$`).test(completion), `the picker sets 计划完成时间 next year: ${completion}`)
  const measures = '由联络员协助召开党员大会，选举产生支部委员会'
  await page.getByLabel('组建方式与措施').fill(measures)
  await page.getByLabel('联系电话').fill('12345')
  // Another method than the suggestion needs a reason.
  const choose = async (field, item) => {
    await page.getByLabel(field, { exact: true }).click()
    await page.locator('.van-popup:visible .van-picker-column__item', { hasText: item }).click()
    await page.waitForTimeout(350)
    await page.locator('.van-popup:visible .van-picker__confirm').click()
    await page.locator('.van-popup:visible').first().waitFor({ state: 'detached' })
  }
  await page.getByLabel('对策', { exact: true }).click()
  await page.locator('.van-popup:visible .van-picker-column__item').first().waitFor()
  await t.shot(page, 'plan-method-picker')
  await t.axe(page, 'plan-method-picker')
  await page.locator('.van-popup:visible .van-picker__cancel').click()
  await page.locator('.van-popup:visible').first().waitFor({ state: 'detached' })
  await choose('对策', label('methods', 'affiliated'))
  await page.getByRole('button', { name: '保存计划' }).click()
  const phoneError = page.locator('[data-field="contact_phone"] .van-field__error-message')
  await phoneError.waitFor()
  t.check((await phoneError.innerText()).includes('联系电话须为11位手机号'), 'a bad phone is refused under its field')
  const reasonError = page.locator('[data-field="override_reason"] .van-field__error-message')
  t.check((await reasonError.innerText()).includes('须填写理由'), 'another method than the suggestion asks for a reason under its field')
  await t.shot(page, 'plan-edit-error')
  await t.axe(page, 'plan-edit-error')
  await choose('对策', label('methods', 'standalone'))
  t.check(!(await page.locator('[data-field="override_reason"]').count()), 'back on the suggestion, no reason is asked')
  await page.getByLabel('联系电话').fill('13800001111')
  await page.getByRole('button', { name: '保存计划' }).click()
  await page.getByRole('status').filter({ hasText: '计划已保存' }).waitFor()
  t.check((await cell('planned_completion_on').innerText()).includes(completion), 'the plan shows the saved 计划完成时间')
  t.check((await cell('formation_details').innerText()).includes(measures), 'the plan shows the saved 组建方式与措施')
  let saved = await t.get(planApi)
  t.check(saved.planned_completion_on === completion && saved.formation_details === measures && saved.contact_phone === '13800001111',
    `the API has the saved plan: ${JSON.stringify(saved)}`)
  await t.shot(page, 'plan-saved')
  await t.axe(page, 'plan-saved')

  // 该计划已被他人修改: with the form open, someone else saves the plan first.
  await page.getByRole('button', { name: '编辑计划' }).click()
  const mine = '下月召开党员大会，选举支部书记'
  await page.getByLabel('组建方式与措施').fill(mine)
  await t.shot(page, 'plan-edit')
  await t.axe(page, 'plan-edit')
  const cur = await t.api('GET', planApi)
  const body = await cur.json()
  const other = await t.api('PUT', planApi, { method: body.method, status: 'in_progress', planned_completion_on: body.planned_completion_on,
    formation_details: '他人填写的措施', contact_name: '赵主任', contact_phone: body.contact_phone }, { 'If-Match': cur.headers.get('ETag') })
  t.check(other.status === 200, `the other person's save: ${other.status}`)
  await page.getByRole('button', { name: '保存计划' }).click()
  const dialog = page.getByRole('alertdialog')
  await dialog.getByText('该计划已被他人修改').waitFor()
  const row = dialog.locator('tr[data-field="formation_details"]')
  t.check((await row.locator('.mine').innerText()).trim() === mine, 'the conflict screen shows the user\'s 组建方式与措施')
  t.check((await row.locator('.theirs').innerText()).trim() === '他人填写的措施', 'the conflict screen shows the current 组建方式与措施')
  t.check(await row.getByText('对方也改了此项').isVisible(), 'the conflict screen flags the field both changed')
  const others = await dialog.locator('[data-others]').innerText()
  t.check(others.includes('联系人') && others.includes('赵主任'), `the conflict screen names the other person's other changes: ${others}`)
  await t.shot(page, 'plan-conflict')
  await t.axe(page, 'plan-conflict')
  await dialog.getByRole('button', { name: '使用我的修改' }).click()
  await page.getByRole('status').filter({ hasText: '计划已保存' }).waitFor()
  saved = await t.get(planApi)
  t.check(saved.formation_details === mine, `the API has the re-applied 组建方式与措施: ${saved.formation_details}`)
  t.check(saved.contact_name === '赵主任' && saved.status === 'in_progress', `the other person's 联系人 and 推进状态 stay: ${JSON.stringify(saved)}`)
  t.check((await cell('status').innerText()).includes(label('plan_statuses', 'in_progress')), 'the plan shows the other person\'s 推进中')

  // 登记党组织: a 党支部 of 3 full members (2 is refused under its field);
  // the plan shows 已组建 with the organisation, coverage counts it.
  const coveredBefore = (await t.get('/coverage')).district.organization_covered
  await page.getByRole('button', { name: '登记党组织' }).click()
  await page.getByLabel('党组织名称').waitFor()
  t.check(await page.getByLabel('党组织名称').inputValue() === '永州市计划表测试有限公司' + label('party_org_kinds', 'branch'), 'the name starts as the enterprise\'s 党支部')
  t.check(await page.getByLabel('类别').inputValue() === label('party_org_kinds', 'branch'), 'the kind starts as 党支部')
  await page.getByLabel('正式党员人数').fill('2')
  await page.getByRole('button', { name: '登记党组织' }).click()
  const countError = page.locator('[data-field="member_count"] .van-field__error-message')
  await countError.waitFor()
  t.check((await countError.innerText()).includes('至少需要3名正式党员'), 'a 党支部 of 2 members is refused under its field')
  await page.getByLabel('正式党员人数').fill('3')
  await page.getByLabel('书记').fill('张书记')
  await t.shot(page, 'plan-org')
  await t.axe(page, 'plan-org')
  await page.getByRole('button', { name: '登记党组织' }).click()
  await page.getByRole('status').filter({ hasText: '计划已组建' }).waitFor()
  await cell('status').getByText(label('plan_statuses', 'formed')).waitFor()
  await cell('org_name').getByText('永州市计划表测试有限公司' + label('party_org_kinds', 'branch')).waitFor()
  t.check(!(await page.getByRole('button', { name: '登记党组织' }).count()), 'a formed plan offers no second registration')
  await t.shot(page, 'plan-formed')
  await t.axe(page, 'plan-formed')
  const formed = await t.get(planApi)
  t.check(formed.status === 'formed' && formed.party_org_id != null, `the API has the plan formed: ${JSON.stringify(formed)}`)
  const coveredAfter = (await t.get('/coverage')).district.organization_covered
  t.check(coveredAfter === coveredBefore + 1, `organisation covered rises by one: ${coveredBefore} → ${coveredAfter}`)

  // 联合组建: three small enterprises of the street (1, 1 and 2 full members).
  const small = [await ledger(2, '永州市联合甲商贸有限公司', street, 1), await ledger(3, '永州市联合乙商贸有限公司', street, 1),
    await ledger(4, '永州市联合丙商贸有限公司', street, 2)].sort((a, b) => a - b)
  const key = small.join(',')
  const suggested = (await t.get('/joint-groups/suggestions')).items.find((s) => s.township_code === street.code)
  t.check(suggested && suggested.enterprise_ids.join(',') === key, `the API suggests the three: ${JSON.stringify(suggested)}`)
  await page.goto(t.base + '/joint-groups')
  const card = page.locator(`[data-suggestion="${key}"]`)
  await card.getByText('永州市联合丙商贸有限公司').waitFor()
  t.check((await card.innerText()).includes(street.name) && (await card.innerText()).includes('正式党员4名'), 'the suggestion shows its street and members')
  await t.shot(page, 'joint-groups')
  await t.axe(page, 'joint-groups')
  await card.getByRole('button', { name: '确认组建小组' }).click()
  await t.shot(page, 'joint-groups-ask')
  await t.axe(page, 'joint-groups-ask')
  await card.getByRole('button', { name: '确认', exact: true }).click()
  await page.getByRole('status').filter({ hasText: '已确认联合组建小组' }).waitFor()
  let groups = (await t.get('/joint-groups')).items
  let group = groups.find((g) => g.enterprise_ids.join(',') === key)
  t.check(!!group, `GET /joint-groups has the group: ${JSON.stringify(groups)}`)
  await page.locator(`[data-group="${group?.id}"]`).getByText('永州市联合甲商贸有限公司').waitFor()
  t.check(!(await page.locator(`[data-suggestion="${key}"]`).count()), 'the confirmed suggestion leaves the suggestions')
  await t.shot(page, 'joint-groups-confirmed')
  await t.axe(page, 'joint-groups-confirmed')

  // Dissolved, the three are suggested again; confirmed again, the group stays.
  const groupCard = page.locator(`[data-group="${group.id}"]`)
  await groupCard.getByRole('button', { name: '解散小组' }).click()
  await groupCard.getByRole('button', { name: '确认解散' }).click()
  await page.getByRole('status').filter({ hasText: '已解散' }).waitFor()
  t.check(!(await t.get('/joint-groups')).items.some((g) => g.id === group.id), 'GET /joint-groups no longer lists the dissolved group')
  await card.getByRole('button', { name: '确认组建小组' }).click()
  await card.getByRole('button', { name: '确认', exact: true }).click()
  await page.getByRole('status').filter({ hasText: '已确认联合组建小组' }).waitFor()
  groups = (await t.get('/joint-groups')).items
  group = groups.find((g) => g.enterprise_ids.join(',') === key)
  t.check(!!group, `GET /joint-groups has the group confirmed again: ${JSON.stringify(groups)}`)

  // A member's plan shows its group and offers the joint branch.
  await page.locator(`[data-group="${group.id}"]`).getByText('永州市联合甲商贸有限公司').click()
  await page.waitForURL(/\/enterprises\/\d+\/plan$/)
  await cell('joint_group').getByText(street.name).waitFor()
  t.check(await page.getByRole('button', { name: '登记党组织' }).isVisible(), 'a grouped joint plan offers to register the joint branch')
  await t.shot(page, 'plan-joint')
  await t.axe(page, 'plan-joint')

  // The joint branch covers the whole group: the form lists the three, and
  // once registered each plan is formed and the group can no longer be
  // dissolved.
  await page.getByRole('button', { name: '登记党组织' }).click()
  const coveredList = page.locator('[data-field="enterprise_ids"]')
  await coveredList.getByText('永州市联合丙商贸有限公司').waitFor()
  t.check(await page.getByLabel('类别').inputValue() === label('party_org_kinds', 'joint_branch'), 'a joint organisation starts as 联合党支部')
  t.check(await page.getByLabel('正式党员人数').inputValue() === '4', 'the member count starts at the group\'s 4')
  await t.shot(page, 'plan-joint-org')
  await t.axe(page, 'plan-joint-org')
  await page.getByRole('button', { name: '登记党组织' }).click()
  await page.getByRole('status').filter({ hasText: '计划已组建' }).waitFor()
  for (const e of small) {
    const p = await t.get(`/enterprises/${e}/plan`)
    t.check(p.status === 'formed' && p.joint_group_id === group.id, `the group's plan ${e} is formed: ${JSON.stringify(p)}`)
  }
  await page.goto(t.base + '/joint-groups')
  const formedGroup = page.locator(`[data-group="${group.id}"]`)
  await formedGroup.locator('[data-field="org"]').waitFor()
  t.check(!(await formedGroup.getByRole('button', { name: '解散小组' }).count()), 'a group whose branch is registered offers no dissolving')
  t.check(!(await page.locator(`[data-suggestion="${key}"]`).count()), 'the formed group is not suggested again')
  await t.shot(page, 'joint-groups-formed')
  await t.axe(page, 'joint-groups-formed')

  // An enterprise outside the coverage base has no plan: the server says why.
  const outside = await t.ledger({ credit_code: creditCode('91431103MA4PPL009'), name: '永州市区外计划测试有限公司',
    registered_address: '湖南省永州市零陵区南津路9号' })
  await page.goto(t.base + `/enterprises/${outside.id}/plan`)
  const why = page.locator('[data-state="not-applicable"]')
  await why.waitFor()
  t.check((await why.innerText()).includes('不在覆盖范围内'), `an out-of-scope plan shows the server's reason: ${await why.innerText()}`)
  t.check(!(await page.getByRole('button', { name: '编辑计划' }).count()), 'an out-of-scope enterprise offers no plan to edit')
  await t.shot(page, 'plan-not-applicable')
  await t.axe(page, 'plan-not-applicable')
  await page.context().close()

  // An auditor sees the plan and the groups without the buttons to change them.
  await t.user({ username: 'auditor30', name: '计划审计', password: 'Auditor-Pass-30', role: 'auditor' })
  const ap = await t.newPage('auditor')
  await t.signIn(ap, 'auditor30', 'Auditor-Pass-30', '/joint-groups')
  await ap.locator(`[data-group="${group.id}"]`).getByText('永州市联合甲商贸有限公司').waitFor()
  t.check(!(await ap.getByRole('button', { name: /确认组建小组|解散小组/ }).count()), 'an auditor gets no button to confirm or dissolve')
  await t.shot(ap, 'joint-groups-auditor')
  await t.axe(ap, 'joint-groups-auditor')
  await ap.goto(t.base + planApi)
  await ap.locator('.van-cell[data-field="status"]').getByText(label('plan_statuses', 'formed')).waitFor()
  t.check(!(await ap.getByRole('button', { name: /编辑计划|登记党组织/ }).count()), 'an auditor gets no button to edit the plan or register')
  await t.shot(ap, 'plan-auditor')
  await t.axe(ap, 'plan-auditor')
  await ap.context().close()

  // A liaison is told 联合组建 is not for its role.
  await t.user({ username: 'liaison30', name: '计划联络员', password: 'Liaison-Pass-30', role: 'liaison', township_code: street.code })
  const lp = await t.newPage('liaison')
  await t.signIn(lp, 'liaison30', 'Liaison-Pass-30', '/joint-groups')
  await lp.locator('[data-state="forbidden"]').getByRole('alert').waitFor()
  await t.shot(lp, 'joint-groups-forbidden')
  await t.axe(lp, 'joint-groups-forbidden')
  await lp.context().close()
}
