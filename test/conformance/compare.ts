/** Row-by-row comparison of two runs of the conformance table, and its summary line. */
import type { Json, Row } from './kit.js'

export interface Comparison {
  identical: string[]
  deviations: string[]
  /** Listed in KNOWN_DIFFERENCES and still different. */
  known: string[]
  /** Not compared in Node because `ws` itself departs from the standard there. */
  wsDeparts: string[]
  /** Different, and not listed: a regression (or a row to list). */
  unexpected: Array<{ id: string; reference: Json | undefined; heartline: Json | undefined }>
  /** Listed, but identical now: delete the id from the list. */
  stale: string[]
}

export function compare(
  rows: Row[],
  reference: Record<string, Json>,
  heartline: Record<string, Json>,
  runner: 'chromium' | 'node',
  knownIds: string[],
): Comparison {
  const known = new Set(knownIds)
  const out: Comparison = {
    identical: [],
    deviations: [],
    known: [],
    wsDeparts: [],
    unexpected: [],
    stale: [],
  }
  for (const row of rows) {
    if (!(row.id in reference) && !(row.id in heartline)) continue
    if (row.deviation !== undefined) {
      out.deviations.push(row.id)
      continue
    }
    if (runner === 'node' && row.wsDeparts !== undefined) {
      out.wsDeparts.push(row.id)
      continue
    }
    const same = JSON.stringify(reference[row.id]) === JSON.stringify(heartline[row.id])
    if (same && known.has(row.id)) out.stale.push(row.id)
    else if (same) out.identical.push(row.id)
    else if (known.has(row.id)) out.known.push(row.id)
    else
      out.unexpected.push({
        id: row.id,
        reference: reference[row.id],
        heartline: heartline[row.id],
      })
  }
  // An id for a row that no longer exists (or never runs here) is stale as well.
  for (const id of known) {
    if (!rows.some((row) => row.id === id && (row.id in reference || row.id in heartline)))
      out.stale.push(id)
  }
  return out
}

export function summary(runner: string, c: Comparison): string {
  const parts = [
    `${c.identical.length} identical`,
    `${c.deviations.length} deviations`,
    `${c.known.length} known differences`,
  ]
  if (c.wsDeparts.length > 0) parts.push(`${c.wsDeparts.length} not compared (ws departs)`)
  if (c.unexpected.length > 0) parts.push(`${c.unexpected.length} UNEXPECTED`)
  if (c.stale.length > 0) parts.push(`${c.stale.length} STALE`)
  return `conformance (${runner}): ${parts.join(', ')}`
}
