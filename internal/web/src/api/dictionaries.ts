// The dictionary endpoint: every enum's codes with their Chinese labels and
// display order. Read once per page load (the vocabularies change only with
// a server upgrade) and shared by the screens; a failed read is retried by
// the next caller.
import { api } from './client'
import type { definitions } from './schema'

export type Dictionaries = definitions['httpapi.Dictionaries']
export type DictionaryItem = definitions['httpapi.DictionaryItem']

let cached: Promise<Dictionaries> | null = null

export function dictionaries(): Promise<Dictionaries> {
  if (!cached) {
    cached = api<definitions['httpapi.DictionariesResponse']>('GET', '/dictionaries').then(
      (r) => r.data.dictionaries,
      (e) => {
        cached = null
        throw e
      },
    )
  }
  return cached
}

/** sorted gives a vocabulary in its display order. */
export const sorted = (items: DictionaryItem[] | undefined): DictionaryItem[] =>
  [...(items ?? [])].sort((a, b) => a.order - b.order)

/** label is a code's Chinese name (the code itself when the dictionary lacks it). */
export function label(items: DictionaryItem[] | undefined, code: string | null | undefined): string {
  if (code == null || code === '') return ''
  return items?.find((i) => i.code === code)?.label ?? code
}
