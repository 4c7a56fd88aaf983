// A list of ledgers read page by page with the API's keyset cursor, for
// Vant's List (infinite scroll): 我的企业 and the gap lists share it.
import { ref } from 'vue'
import { api, ApiError, type Enterprise, type EnterprisePage } from './client'

/**
 * ledgerPages reads the pages of path(params) — params the filters, to which
 * limit and the cursor are added — as more() is called.
 */
export function ledgerPages(path: () => string, params: () => URLSearchParams) {
  const items = ref<Enterprise[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const failed = ref('')
  let cursor: string | null = null

  async function more() {
    failed.value = ''
    const p = params()
    p.set('limit', '30')
    if (cursor) p.set('cursor', cursor)
    try {
      const { data } = await api<EnterprisePage>('GET', path() + '?' + p.toString())
      items.value.push(...data.items)
      cursor = data.next_cursor ?? null
      finished.value = !cursor
    } catch (e) {
      failed.value = e instanceof ApiError ? e.message : '加载失败'
    } finally {
      loading.value = false
    }
  }

  /** restart reads from the first page again (new filters). */
  function restart() {
    items.value = []
    cursor = null
    finished.value = false
    loading.value = true
    more()
  }

  return { items, loading, finished, failed, more, restart }
}
