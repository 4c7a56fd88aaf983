// Sending 待上传: the real sender (the API), the outbox as the screens see
// it, and when to send — at start, when the network returns, every 30 s
// while something waits, and when the user asks. One tab sends at a time
// (Web Locks), so two open tabs never send an item twice; a visit carries
// its Idempotency-Key, so even a re-send after a lost answer is logged once,
// and a ledger edit whose answer was lost is recognised on its 412.
import { reactive, watch } from 'vue'
import { api, ApiError, network, type Enterprise } from '../api/client'
import { alreadyApplied, flush, items, remove, type FlushResult, type OutboxItem, type Outcome } from './outbox'

export const outbox = reactive({
  user: '' as string,
  items: [] as OutboxItem[],
  sending: false,
})

/** pendingFor lists what waits for one enterprise. */
export const pendingFor = (id: number) => outbox.items.filter((i) => i.enterpriseId === id)

export async function refresh(): Promise<void> {
  outbox.items = outbox.user ? await items(outbox.user) : []
}

/** send sends one item through the API. */
export async function send(item: OutboxItem): Promise<Outcome> {
  try {
    if (item.kind === 'visit') {
      await api('POST', `/enterprises/${item.enterpriseId}/visits`, item.body, { 'Idempotency-Key': item.key })
    } else {
      await api('PATCH', `/enterprises/${item.enterpriseId}`, item.patch, { 'If-Match': item.etag })
    }
    return { kind: 'sent' }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    if (e.status === 412 && item.kind === 'ledger') {
      try {
        const r = await api<Enterprise>('GET', `/enterprises/${item.enterpriseId}`)
        if (r.offline) return { kind: 'later', reason: 'offline' }
        return alreadyApplied(item.patch, r.data) ? { kind: 'sent' } : { kind: 'conflict', current: r.data }
      } catch (e2) {
        return later(e2)
      }
    }
    return later(e)
  }
}

function later(e: unknown): Outcome {
  if (!(e instanceof ApiError)) throw e
  if (e.status === 0) return { kind: 'later', reason: 'offline' }
  if (e.status === 401) return { kind: 'later', reason: 'unauthenticated' }
  if (e.status === 429 || e.status >= 500) return { kind: 'later', reason: 'unavailable' }
  return { kind: 'refused', message: e.message, fields: e.fields }
}

/** sendNow sends what waits, once at a time across tabs. */
export async function sendNow(): Promise<FlushResult | null> {
  if (!outbox.user || outbox.sending) return null
  outbox.sending = true
  try {
    const run = () => flush(outbox.user, send)
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
    return locks ? await locks.request('fugai-outbox', run) : await run()
  } finally {
    outbox.sending = false
    await refresh()
  }
}

/** discard drops one item the user chose not to send. */
export async function discard(id: number): Promise<void> {
  await remove(id)
  await refresh()
}

const waits = () => outbox.items.some((i) => i.state === 'pending')
let timer: ReturnType<typeof setInterval> | undefined
/**
 * start follows the signed-in user (''/null: none) and sends what waits:
 * now, when the link comes back (online event), when any request gets a
 * real answer again, and every 10 s while something waits (the first item
 * sent is the probe: a phone on a link that does not reach the server says
 * online all along).
 */
export async function start(user: string | null | undefined): Promise<void> {
  outbox.user = user ?? ''
  await refresh()
  if (typeof window !== 'undefined' && !timer) {
    window.addEventListener('online', () => { void sendNow() })
    window.addEventListener('offline', () => { network.online = false })
    watch(() => network.online, (on) => { if (on && waits()) void sendNow() })
    timer = setInterval(() => { if (waits()) void sendNow() }, 10_000)
  }
  if (waits()) await sendNow()
}
