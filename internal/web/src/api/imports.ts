// 导入: uploading a registration export, survey sheet or liaison sheet
// (POST /imports, multipart), following the job (GET /imports/{id}) until
// it is done, its counts with their Chinese names, and the recent jobs
// (GET /imports, keyset pages). Kind and status names come from the
// dictionary; the counts are not an enum, their names are here (as
// docs/import.md §6.2 names them).
import { api, apiForm, ApiError } from './client'
import type { definitions } from './schema'

export type ImportJob = definitions['httpapi.ImportResponse']
export type ImportPage = definitions['httpapi.ImportPage']
export type ImportKind = ImportJob['kind']
export type ImportCounts = definitions['importer.Counts']
type Role = definitions['httpapi.UserResponse']['role']

/** What the upload form holds. */
export interface ImportRequest {
  kind: ImportKind
  file: File
  dryRun: boolean
  /** survey only: overwrite ledger fields changed after the file's date */
  overwriteNewer: boolean
}

/** The largest file the server takes by default (FUGAI_MAX_UPLOAD_MB). */
export const defaultMaxUploadMB = 200

/**
 * importKinds are the kinds a role may upload: a district admin every kind,
 * a township admin survey and liaison sheets (registration data is the
 * district's), others none.
 */
export function importKinds(role: Role | undefined, all: readonly string[]): ImportKind[] {
  const kinds = all.filter((k): k is ImportKind => k === 'registration' || k === 'survey' || k === 'liaisons')
  if (role === 'district_admin') return kinds
  if (role === 'township_admin') return kinds.filter((k) => k !== 'registration')
  return []
}

/** mayImport says whether a role uploads; mayViewImports whether it sees the jobs. */
export const mayImport = (role: Role | undefined) => role === 'district_admin' || role === 'township_admin'
export const mayViewImports = (role: Role | undefined) => mayImport(role) || role === 'auditor'

/**
 * checkFile is what is wrong with a file before it is sent ('' when
 * nothing): empty, or over the limit. Its type is the server's to judge
 * (it reads the content, not the name).
 */
export function checkFile(file: { size: number } | null | undefined, maxMB = defaultMaxUploadMB): string {
  if (!file) return '请选择要导入的文件（xlsx 或 CSV）'
  if (file.size === 0) return '文件是空的，请选择有内容的 xlsx 或 CSV 文件'
  if (file.size > maxMB * 1024 * 1024) return `文件超过 ${maxMB} MB 的上限`
  return ''
}

/** importForm is the multipart body of POST /imports. */
export function importForm(r: ImportRequest): FormData {
  const form = new FormData()
  form.append('kind', r.kind)
  if (r.dryRun) form.append('dry_run', 'true')
  if (r.overwriteNewer && r.kind === 'survey') form.append('overwrite_newer', 'true')
  form.append('file', r.file, r.file.name)
  return form
}

/** newKey is an Idempotency-Key: one per upload, kept when the same upload is retried. */
export const newKey = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2)

/**
 * upload sends the file; key is the upload's Idempotency-Key, so a retry
 * after a lost answer gets the same job back instead of a second one.
 */
export const upload = (r: ImportRequest, key: string) =>
  apiForm<ImportJob>('POST', '/imports', importForm(r), { 'Idempotency-Key': key }).then((x) => x.data)

export const importJob = (id: number) => api<ImportJob>('GET', '/imports/' + id).then((r) => r.data)

export function importPage(cursor: string | null, limit = 20) {
  const p = new URLSearchParams({ limit: String(limit) })
  if (cursor) p.set('cursor', cursor)
  return api<ImportPage>('GET', '/imports?' + p.toString()).then((r) => r.data)
}

/** finished says whether a job has stopped (succeeded or failed). */
export const finished = (job: Pick<ImportJob, 'status'>) => job.status === 'succeeded' || job.status === 'failed'

/**
 * percent is how far a job is, 0–100: a finished job 100 (a failed one
 * as far as it came, 100 when it never counted), a running one
 * processed ÷ total rounded down (total is known after the first pass over
 * the file; until then 0), a queued one 0.
 */
export function percent(job: Pick<ImportJob, 'status' | 'progress'>): number {
  const { processed, total } = job.progress ?? { processed: 0, total: 0 }
  const ratio = total > 0 ? Math.min(100, Math.max(0, Math.floor((processed / total) * 100))) : 0
  switch (job.status) {
    case 'succeeded':
      return 100
    case 'failed':
      return total > 0 ? ratio : 100
    case 'running':
      return ratio
    default:
      return 0
  }
}

/** progressText says the progress in words: 已处理 120 / 344 行. */
export function progressText(job: Pick<ImportJob, 'status' | 'progress'>): string {
  const { processed, total } = job.progress ?? { processed: 0, total: 0 }
  if (job.status === 'queued') return '排队中，等待后台处理'
  if (job.status === 'running' && total === 0) return '正在读取文件…'
  if (total > 0) return `已处理 ${processed} / ${total} 行`
  return ''
}

export type CountKey = keyof ImportCounts

/** One count with its Chinese name, and what it means. */
export interface CountItem {
  key: CountKey
  label: string
  value: number
  /** a count worth a look (rejected rows, warnings, kept fields) when not 0 */
  attention: boolean
}

const countLabels: Record<CountKey, string> = {
  rows: '数据行',
  created: '新建',
  updated: '更新',
  unchanged: '未变化',
  rejected: '拒绝',
  warnings: '有警告的行',
  duplicates: '重复行',
  unassigned: '未划分街道/乡镇',
  out_of_scope: '不纳入统计',
  kept_newer: '因台账修改较新而未更新的项',
  overwritten_newer: '覆盖了台账较新修改的项',
}

/** A liaison sheet assigns liaisons: its created and updated are assignments. */
const liaisonLabels: Partial<Record<CountKey, string>> = { created: '首次指定联络员', updated: '更换联络员' }

/** The counts each kind reports, in the report's order. */
const kindCounts: Record<ImportKind, CountKey[]> = {
  registration: ['rows', 'created', 'updated', 'unchanged', 'rejected', 'warnings', 'duplicates', 'unassigned', 'out_of_scope'],
  survey: ['rows', 'updated', 'unchanged', 'rejected', 'warnings', 'duplicates', 'unassigned', 'out_of_scope', 'kept_newer', 'overwritten_newer'],
  liaisons: ['rows', 'created', 'updated', 'unchanged', 'rejected', 'warnings', 'duplicates'],
}

const attention: CountKey[] = ['rejected', 'warnings', 'kept_newer']

/** countLabel is the Chinese name of a count for a kind of import. */
export const countLabel = (kind: ImportKind, key: CountKey): string =>
  (kind === 'liaisons' ? liaisonLabels[key] : undefined) ?? countLabels[key] ?? key

/**
 * countItems are a job's counts with their names, those its kind reports
 * (a survey creates no ledger; kept_newer and overwritten_newer are a
 * survey's, and overwritten_newer only shows when the job was asked to).
 */
export function countItems(job: Pick<ImportJob, 'kind' | 'counts' | 'overwrite_newer'>): CountItem[] {
  const keys = (kindCounts[job.kind] ?? kindCounts.registration).filter((k) => k !== 'overwritten_newer' || job.overwrite_newer)
  return keys.map((key) => {
    const value = job.counts?.[key] ?? 0
    return { key, label: countLabel(job.kind, key), value, attention: attention.includes(key) && value > 0 }
  })
}

/**
 * uploadMessage is what to tell the user when an upload is refused: the
 * server's Chinese message (a 422 names the file's problem under fields.file),
 * or one for a refusal without the API's body (a proxy's 413).
 */
export function uploadMessage(e: unknown): string {
  if (!(e instanceof ApiError)) return '上传失败，请重试'
  if (e.fields.file) return e.fields.file
  if (e.status === 413 && e.code === 'http_413') return '文件太大，服务器拒绝接收'
  return e.message
}

/**
 * sameUpload is the job an upload's Idempotency-Key already made when the
 * server says it still runs (409 import_in_progress, after a retry of an
 * upload whose answer was lost): the page follows it instead of failing.
 */
export function sameUpload(e: unknown): number | null {
  if (e instanceof ApiError && e.status === 409 && e.code === 'import_in_progress' && typeof e.detail.import_id === 'number') return e.detail.import_id
  return null
}

/** pollDelay is the wait before the next GET /imports/{id}: quick at first, then every 2 s. */
export const pollDelay = (attempt: number): number => Math.min(2000, 300 + attempt * 150)

/** when shows an API time as the district's wall clock (UTC+8): 2026-12-01 20:46. */
export function when(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const t = new Date(d.getTime() + 8 * 3600 * 1000).toISOString()
  return t.slice(0, 10) + ' ' + t.slice(11, 16)
}

/** size shows a file size: 812 B, 35.2 KB, 4.1 MB. */
export function size(bytes: number): string {
  if (bytes < 1024) return bytes + ' B'
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB'
  return (bytes / 1024 / 1024).toFixed(1) + ' MB'
}
