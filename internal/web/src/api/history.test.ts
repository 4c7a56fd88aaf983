import { describe, expect, it } from 'vitest'
import type { Dictionaries } from './dictionaries'
import { districtTime, fieldLabel, needsTownships, revisions, showValue, type Revision } from './history'

const item = (code: string, label: string, order = 0) => ({ code, label, order })
const dicts = {
  operating_statuses: [item('normal', '正常经营'), item('difficult', '经营困难')],
  methods: [item('standalone', '单独组建'), item('joint', '联合组建')],
  needs: [item('talent', '人才'), item('policy', '政策')],
  member_sources: [item('local', '组织关系在本企业'), item('floating', '流动党员')],
  history_sources: [item('api', '页面/接口'), item('import', '导入')],
  out_of_scope_reasons: [item('suspended', '停产歇业')],
} as unknown as Dictionaries

describe('变更记录', () => {
  it('names survey and registration fields in Chinese', () => {
    expect(fieldLabel('full_members')).toBe('正式党员人数') // from ledger.ts surveyFields
    expect(fieldLabel('legal_representative')).toBe('法定代表人')
    expect(fieldLabel('registered_address')).toBe('住所（注册地址）')
    expect(fieldLabel('suggested_method')).toBe('建议组建方式')
    expect(fieldLabel('something_new')).toBe('something_new')
  })

  it('prints values by their labels', () => {
    expect(showValue('operating_status', 'difficult', dicts)).toBe('经营困难')
    expect(showValue('suggested_method', 'joint', dicts)).toBe('联合组建')
    expect(showValue('needs', ['talent', 'policy'], dicts)).toBe('人才、政策')
    expect(showValue('member_sources', { local: 2, floating: 1 }, dicts)).toBe('组织关系在本企业 2名、流动党员 1名')
    expect(showValue('union', true, dicts)).toBe('是')
    expect(showValue('in_scope', false, dicts)).toBe('否')
    expect(showValue('annual_revenue', 120.5, dicts)).toBe('120.5 万元')
    expect(showValue('full_members', 0, dicts)).toBe('0')
    expect(showValue('full_members', null, dicts)).toBe('空')
    expect(showValue('needs', [], dicts)).toBe('空')
    expect(showValue('township_code', '431103001', dicts, { '431103001': '梅湾街道' })).toBe('梅湾街道')
    expect(showValue('township_code', '431103009', dicts, {})).toBe('431103009')
  })

  it('prints times in district time', () => {
    expect(districtTime('2026-12-01T06:03:09Z')).toBe('2026-12-01 14:03')
    expect(districtTime('2026-12-01T20:00:00Z')).toBe('2026-12-02 04:00')
    expect(districtTime('not a time')).toBe('not a time')
  })

  it('lists revisions newest first, each change from what to what', () => {
    const h: Revision[] = [
      { id: 1, version: 1, actor: '', actor_id: 0, source: 'import', at: '2026-11-30T02:00:00Z',
        changes: [{ field: 'name', old: null, new: '永州市测试有限公司' }] },
      { id: 5, version: 2, actor: '李联络', actor_id: 9, source: 'api', at: '2026-12-01T06:03:00Z',
        changes: [{ field: 'full_members', old: 2, new: 4 }, { field: 'operating_status', old: null, new: 'normal' }] },
    ]
    const v = revisions(h, dicts)
    expect(v.map((r) => r.id)).toEqual([5, 1])
    expect(v[0]).toMatchObject({ at: '2026-12-01 14:03', who: '李联络', source: '页面/接口' })
    expect(v[0].changes).toEqual([
      { field: 'full_members', label: '正式党员人数', from: '2', to: '4' },
      { field: 'operating_status', label: '经营状况', from: '空', to: '正常经营' },
    ])
    expect(v[1].who).toBe('系统')
    expect(needsTownships(h)).toBe(false)
    expect(needsTownships([{ ...h[0], changes: [{ field: 'township_code', old: null, new: '431103001' }] }])).toBe(true)
  })
})
