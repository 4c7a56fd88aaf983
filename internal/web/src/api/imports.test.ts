import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './client'
import { checkFile, sameUpload, countItems, countLabel, importForm, importKinds, percent, pollDelay, progressText, upload, uploadMessage, type ImportCounts } from './imports'

afterEach(() => vi.unstubAllGlobals())

const counts: ImportCounts = { rows: 10, created: 6, updated: 1, unchanged: 1, rejected: 1, warnings: 2, duplicates: 1, unassigned: 3, out_of_scope: 2, kept_newer: 4, overwritten_newer: 0 }

describe('progress', () => {
  it('is processed ÷ total while running, rounded down and kept within 0–100', () => {
    expect(percent({ status: 'running', progress: { processed: 120, total: 344 } })).toBe(34)
    expect(percent({ status: 'running', progress: { processed: 343, total: 344 } })).toBe(99)
    expect(percent({ status: 'running', progress: { processed: 500, total: 344 } })).toBe(100)
  })
  it('is 0 while queued or before the total is known, 100 when succeeded', () => {
    expect(percent({ status: 'queued', progress: { processed: 0, total: 0 } })).toBe(0)
    expect(percent({ status: 'running', progress: { processed: 0, total: 0 } })).toBe(0)
    expect(percent({ status: 'succeeded', progress: { processed: 0, total: 0 } })).toBe(100)
  })
  it('stays where a failed job stopped, or is full when it never counted', () => {
    expect(percent({ status: 'failed', progress: { processed: 50, total: 200 } })).toBe(25)
    expect(percent({ status: 'failed', progress: { processed: 0, total: 0 } })).toBe(100)
  })
  it('says the progress in words', () => {
    expect(progressText({ status: 'queued', progress: { processed: 0, total: 0 } })).toBe('排队中，等待后台处理')
    expect(progressText({ status: 'running', progress: { processed: 0, total: 0 } })).toBe('正在读取文件…')
    expect(progressText({ status: 'running', progress: { processed: 120, total: 344 } })).toBe('已处理 120 / 344 行')
  })
  it('polls quickly at first, then every 2 s', () => {
    expect(pollDelay(0)).toBe(300)
    expect(pollDelay(2)).toBeGreaterThan(pollDelay(1))
    expect(pollDelay(100)).toBe(2000)
  })
})

describe('counts', () => {
  it('names a registration import’s counts in the report’s order, with the rows that need a look flagged', () => {
    const items = countItems({ kind: 'registration', counts, overwrite_newer: false })
    expect(items.map((i) => i.label)).toEqual(['数据行', '新建', '更新', '未变化', '拒绝', '有警告的行', '重复行', '未划分街道/乡镇', '不纳入统计'])
    expect(items.map((i) => i.value)).toEqual([10, 6, 1, 1, 1, 2, 1, 3, 2])
    expect(items.filter((i) => i.attention).map((i) => i.key)).toEqual(['rejected', 'warnings'])
  })
  it('gives a survey its kept fields and no 新建; overwritten only when asked to overwrite', () => {
    const plain = countItems({ kind: 'survey', counts, overwrite_newer: false }).map((i) => i.key)
    expect(plain).not.toContain('created')
    expect(plain).toContain('kept_newer')
    expect(plain).not.toContain('overwritten_newer')
    expect(countItems({ kind: 'survey', counts, overwrite_newer: true }).map((i) => i.key)).toContain('overwritten_newer')
    expect(countItems({ kind: 'survey', counts, overwrite_newer: false }).find((i) => i.key === 'kept_newer')).toMatchObject({ label: '因台账修改较新而未更新的项', value: 4, attention: true })
  })
  it('names a liaison sheet’s created and updated as assignments', () => {
    expect(countLabel('liaisons', 'created')).toBe('首次指定联络员')
    expect(countLabel('liaisons', 'updated')).toBe('更换联络员')
    expect(countLabel('registration', 'created')).toBe('新建')
    expect(countItems({ kind: 'liaisons', counts, overwrite_newer: false }).map((i) => i.key)).not.toContain('out_of_scope')
  })
  it('counts 0 for a count the job lacks, flagging nothing', () => {
    const items = countItems({ kind: 'registration', counts: {} as ImportCounts, overwrite_newer: false })
    expect(items.every((i) => i.value === 0 && !i.attention)).toBe(true)
  })
})

describe('who imports what', () => {
  const all = ['registration', 'survey', 'liaisons']
  it('lets a district admin upload every kind, a township admin no registration data, others nothing', () => {
    expect(importKinds('district_admin', all)).toEqual(['registration', 'survey', 'liaisons'])
    expect(importKinds('township_admin', all)).toEqual(['survey', 'liaisons'])
    expect(importKinds('auditor', all)).toEqual([])
    expect(importKinds('liaison', all)).toEqual([])
  })
  it('keeps only kinds it knows, in the dictionary’s order', () => {
    expect(importKinds('district_admin', ['survey', 'other', 'registration'])).toEqual(['survey', 'registration'])
  })
})

describe('the upload', () => {
  const file = new File(['统一社会信用代码,企业名称\n'], '登记.csv', { type: 'text/csv' })
  it('refuses no file, an empty file and one over the limit before sending', () => {
    expect(checkFile(null)).toContain('请选择')
    expect(checkFile({ size: 0 })).toContain('空')
    expect(checkFile({ size: 3 * 1024 * 1024 }, 2)).toBe('文件超过 2 MB 的上限')
    expect(checkFile({ size: 10 })).toBe('')
  })
  it('sends kind, dry_run and the file; overwrite_newer only for a survey', () => {
    const reg = importForm({ kind: 'registration', file, dryRun: true, overwriteNewer: true })
    expect(reg.get('kind')).toBe('registration')
    expect(reg.get('dry_run')).toBe('true')
    expect(reg.has('overwrite_newer')).toBe(false)
    expect((reg.get('file') as File).name).toBe('登记.csv')
    const survey = importForm({ kind: 'survey', file, dryRun: false, overwriteNewer: true })
    expect(survey.has('dry_run')).toBe(false)
    expect(survey.get('overwrite_newer')).toBe('true')
  })
  it('posts the form with the CSRF header and the Idempotency-Key, and no JSON Content-Type', async () => {
    const f = vi.fn(async () => new Response(JSON.stringify({ id: 7, status: 'queued' }), { status: 202 }))
    vi.stubGlobal('fetch', f)
    const job = await upload({ kind: 'survey', file, dryRun: false, overwriteNewer: false }, 'key-1')
    expect(job).toMatchObject({ id: 7, status: 'queued' })
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/imports')
    expect(init.method).toBe('POST')
    expect(init.body).toBeInstanceOf(FormData)
    expect(init.headers).toMatchObject({ 'X-Requested-With': 'fugai-web', 'Idempotency-Key': 'key-1' })
    expect(init.headers).not.toHaveProperty('Content-Type')
  })
  it('shows the server’s message for a refused file', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'unsupported_file', message: '不支持的文件类型：请上传 xlsx 或 CSV' } }), { status: 415 })))
    const e = await upload({ kind: 'survey', file, dryRun: false, overwriteNewer: false }, 'k').catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(uploadMessage(e)).toBe('不支持的文件类型：请上传 xlsx 或 CSV')
  })
  it('follows the job a retried upload already made while it runs', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'import_in_progress', message: '使用同一 Idempotency-Key 的导入任务（编号 9）仍在进行', fields: {}, import_id: 9 } }), { status: 409 })))
    const e = await upload({ kind: 'survey', file, dryRun: false, overwriteNewer: false }, 'k').catch((x) => x)
    expect(sameUpload(e)).toBe(9)
    expect(sameUpload(new ApiError(409, 'conflict', '冲突'))).toBeNull()
    expect(sameUpload(new ApiError(422, 'idempotency_key_reused', '换一个 Key', {}, { import_id: 3 }))).toBeNull()
  })
  it('prefers the message under fields.file, and names a bare 413', () => {
    expect(uploadMessage(new ApiError(422, 'empty_file', '文件为空', { file: '上传的文件是空的' }))).toBe('上传的文件是空的')
    expect(uploadMessage(new ApiError(413, 'http_413', '服务暂时不可用，请稍后重试'))).toBe('文件太大，服务器拒绝接收')
    expect(uploadMessage(new ApiError(413, 'upload_too_large', '上传的文件超过 200 MB 的上限'))).toBe('上传的文件超过 200 MB 的上限')
    expect(uploadMessage(new Error('x'))).toBe('上传失败，请重试')
  })
})

describe('display', () => {
  it('shows times in UTC+8 and sizes in B, KB, MB', async () => {
    const { when, size } = await import('./imports')
    expect(when('2026-12-01T12:46:54Z')).toBe('2026-12-01 20:46')
    expect(when('2026-12-01T17:30:00Z')).toBe('2026-12-02 01:30')
    expect(when(null)).toBe('')
    expect([size(812), size(36045), size(4.1 * 1024 * 1024)]).toEqual(['812 B', '35.2 KB', '4.1 MB'])
  })
})
