// 本轮未走访 on a liaison's 待办: the open survey round (GET /survey-rounds)
// and the list query of the liaison's enterprises not yet visited in it.
import type { definitions } from './schema'

export type Round = definitions['httpapi.RoundResponse']
export type RoundList = definitions['httpapi.RoundList']

/** openRound is the round still open (rounds do not overlap: at most one), or null. */
export const openRound = (rounds: Round[]): Round | null => rounds.find((r) => r.status === 'open') ?? null

/**
 * notVisitedQuery lists, in id order, the in-scope enterprises (a round
 * counts those) not verified since the round started: a visit or a survey
 * update verifies a ledger, and the round's progress counts the ledgers
 * verified in its window. The server filters (not_verified_since), so the
 * list pages like the others instead of reading every enterprise.
 */
export const notVisitedQuery = (r: Round, limit = 200): URLSearchParams =>
  new URLSearchParams({ not_verified_since: r.starts_on, in_scope: 'true', sort: 'id', limit: String(limit) })

/** roundWindow prints a round's window: 2026-12-01 至 2026-12-31. */
export const roundWindow = (r: Round): string => `${r.starts_on} 至 ${r.ends_on}`
