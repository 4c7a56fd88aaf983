// 待上传: what a user saved on the phone while the network was away — a
// visit, or the changes to a ledger's survey fields — kept in IndexedDB
// until it reaches the server. Items are sent in the order they were made
// and each ends one way: sent (removed), a conflict (someone else changed
// the ledger since it was read: the user decides on the conflict screen),
// refused (the server's message is kept beside it), or left for later (no
// network, the session ended, the server busy). Nothing is dropped unless
// the user discards it.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { Enterprise } from '../api/client'
import type { Patch } from '../api/ledger'
import type { VisitRequest } from '../api/visits'

interface Common {
  id?: number
  /** the username that made it: a phone may be shared, and each sends only its own */
  user: string
  enterpriseId: number
  enterpriseName: string
  /** when it was saved on the phone (ISO) */
  savedAt: string
  state: 'pending' | 'conflict' | 'refused'
  /** the server's message when refused */
  message?: string
  /** the server's messages per field when refused (422) */
  fields?: Record<string, string>
}
export interface VisitItem extends Common {
  kind: 'visit'
  body: VisitRequest
  /** the Idempotency-Key: a visit re-sent after a lost answer is logged once */
  key: string
}
export interface LedgerItem extends Common {
  kind: 'ledger'
  /** the fields changed */
  patch: Patch
  /** the version the changes were made on, and its ETag (If-Match) */
  base: Enterprise
  etag: string
  /** on a conflict: the version on the server when it was found */
  current?: Enterprise
}
export type OutboxItem = VisitItem | LedgerItem

interface Schema extends DBSchema {
  outbox: { key: number; value: OutboxItem; indexes: { user: string } }
  drafts: { key: string; value: { key: string; value: unknown; savedAt: string } }
}

let dbp: Promise<IDBPDatabase<Schema>> | null = null
export function db(): Promise<IDBPDatabase<Schema>> {
  if (!dbp) {
    dbp = openDB<Schema>('fugai', 1, {
      upgrade(d) {
        const box = d.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true })
        box.createIndex('user', 'user')
        d.createObjectStore('drafts', { keyPath: 'key' })
      },
    })
  }
  return dbp
}

/** enqueue keeps an item on the phone and returns it with its id. */
export async function enqueue<T extends OutboxItem>(item: T): Promise<T> {
  // A plain copy: the screens' reactive objects cannot be stored as they are.
  const value = plain(item)
  delete value.id // the store numbers it
  const id = await (await db()).add('outbox', value)
  return { ...item, id }
}

/** items lists a user's items in the order they were made. */
export async function items(user: string): Promise<OutboxItem[]> {
  return (await (await db()).getAllFromIndex('outbox', 'user', user)).sort((a, b) => a.id! - b.id!)
}

export async function remove(id: number): Promise<void> {
  await (await db()).delete('outbox', id)
}

export async function put(item: OutboxItem): Promise<void> {
  await (await db()).put('outbox', plain(item))
}

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v))

/** What sending one item came to. */
export type Outcome =
  | { kind: 'sent' }
  | { kind: 'conflict'; current: Enterprise }
  | { kind: 'refused'; message: string; fields?: Record<string, string> }
  /** not now: no network, the session ended, or the server is busy */
  | { kind: 'later'; reason: 'offline' | 'unauthenticated' | 'unavailable' }

export interface FlushResult {
  sent: number
  conflicts: number
  refused: number
  /** why it stopped early, if it did */
  stopped?: 'offline' | 'unauthenticated' | 'unavailable'
}

/**
 * flush sends a user's pending items in order, one at a time, with send.
 * A conflict or a refusal marks the item and goes on with the next (they
 * are independent); "later" stops, keeping the rest for the next try.
 * Items in conflict or refused wait for the user and are not re-sent.
 */
export async function flush(user: string, send: (item: OutboxItem) => Promise<Outcome>): Promise<FlushResult> {
  const r: FlushResult = { sent: 0, conflicts: 0, refused: 0 }
  for (const item of await items(user)) {
    if (item.state !== 'pending') continue
    const out = await send(item)
    switch (out.kind) {
      case 'sent':
        await remove(item.id!)
        r.sent++
        break
      case 'conflict':
        if (item.kind === 'ledger') await put({ ...item, state: 'conflict', current: out.current })
        r.conflicts++
        break
      case 'refused':
        await put({ ...item, state: 'refused', message: out.message, fields: out.fields })
        r.refused++
        break
      case 'later':
        r.stopped = out.reason
        return r
    }
  }
  return r
}

/**
 * alreadyApplied tells whether the server's current ledger already holds
 * every change of a patch: an edit whose answer was lost on the way back
 * reached the server, and its re-send (refused 412, the ETag having moved)
 * is done, not a conflict.
 */
export function alreadyApplied(patch: Patch, current: Enterprise): boolean {
  const cur = current as unknown as Record<string, unknown>
  return Object.entries(patch).every(([k, v]) => (cur[k] ?? null) === (v ?? null))
}

/** newKey is a fresh Idempotency-Key for a visit. */
export function newKey(): string {
  const c = globalThis.crypto
  if (c && 'randomUUID' in c) return 'visit-' + c.randomUUID()
  return 'visit-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2)
}

// Drafts: what is typed in a form, kept on every change, so that a reload
// (or a phone that drops the page) loses nothing. Keyed by user, form and
// enterprise.
export const draftKey = (user: string, form: 'ledger' | 'visit', enterpriseId: number) => `${user}:${form}:${enterpriseId}`

export async function saveDraft(key: string, value: unknown): Promise<void> {
  await (await db()).put('drafts', { key, value: JSON.parse(JSON.stringify(value)), savedAt: new Date().toISOString() })
}
export async function loadDraft<T>(key: string): Promise<T | null> {
  return ((await (await db()).get('drafts', key))?.value as T | undefined) ?? null
}
export async function clearDraft(key: string): Promise<void> {
  await (await db()).delete('drafts', key)
}
