// 走访记录: the visit form's draft, its checks, and the body it sends.
// Types come from schema.ts (generated from api/swagger.json). Pure
// functions, so that the form's rules can be tested without a browser.
import type { definitions } from './schema'

export type Visit = definitions['httpapi.VisitResponse']
export type VisitList = definitions['httpapi.VisitList']
export type VisitRequest = definitions['httpapi.VisitRequest']
export type Service = VisitRequest['services'][number]
export type VisitKey = keyof VisitRequest

/** todayDistrict is today's date (YYYY-MM-DD) in the district's time zone, UTC+8. */
export function todayDistrict(now: number = Date.now()): string {
  return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

export interface VisitDraft {
  visited_on: string
  services: string[]
  notes: string
  next_steps: string
}

export const newVisitDraft = (): VisitDraft => ({ visited_on: todayDistrict(), services: [], notes: '', next_steps: '' })

/** validateVisit checks what the form can tell alone; the server's 422 says the rest. */
export function validateVisit(d: VisitDraft, today: string = todayDistrict()): Partial<Record<VisitKey, string>> {
  const errors: Partial<Record<VisitKey, string>> = {}
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.visited_on)) errors.visited_on = '请选择走访日期'
  else if (d.visited_on > today) errors.visited_on = '走访日期不能晚于今天'
  return errors
}

/** visitBody is the body of POST /enterprises/{id}/visits. */
export function visitBody(d: VisitDraft): VisitRequest {
  return {
    visited_on: d.visited_on,
    services: d.services as Service[],
    notes: d.notes.trim(),
    next_steps: d.next_steps.trim(),
  }
}
