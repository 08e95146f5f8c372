/** Row-by-row comparison of two runs of the conformance table, and its summary line. */
import { failureOf } from './behaviours.js'
import type { Json, Row } from './kit.js'

type Pair = { id: string; reference: Json | undefined; heartline: Json | undefined }

export interface Comparison {
  identical: string[]
  /** Deviation rows whose both sides returned exactly what docs/drop-in.md says. */
  deviations: string[]
  /** Threw or hung on either side: the run is broken, whatever the other side did. */
  failed: Pair[]
  /** A deviation row that no longer deviates as documented (or has no documented results). */
  undocumented: Pair[]
  /** Listed in KNOWN_DIFFERENCES and still different. */
  known: string[]
  /** Not compared in Node because `ws` itself departs from the standard there. */
  wsDeparts: string[]
  /** Different, and not listed: a regression (or a row to list). */
  unexpected: Pair[]
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
    failed: [],
    undocumented: [],
    known: [],
    wsDeparts: [],
    unexpected: [],
    stale: [],
  }
  for (const row of rows) {
    if (!(row.id in reference) && !(row.id in heartline)) continue
    const pair = { id: row.id, reference: reference[row.id], heartline: heartline[row.id] }
    if (failureOf(pair.reference) !== undefined || failureOf(pair.heartline) !== undefined) {
      out.failed.push(pair)
      continue
    }
    if (row.deviation !== undefined) {
      const doc = row.documented
      const expected = runner === 'node' && doc?.ws !== undefined ? doc.ws : doc?.reference
      const as = (a: Json | undefined, b: Json | undefined) =>
        a !== undefined && JSON.stringify(a) === JSON.stringify(b)
      if (doc !== undefined && as(pair.reference, expected) && as(pair.heartline, doc.heartline))
        out.deviations.push(row.id)
      else out.undocumented.push(pair)
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
    else out.unexpected.push(pair)
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
  if (c.failed.length > 0) parts.push(`${c.failed.length} FAILED (threw or hung)`)
  if (c.undocumented.length > 0) parts.push(`${c.undocumented.length} NOT AS DOCUMENTED`)
  if (c.unexpected.length > 0) parts.push(`${c.unexpected.length} UNEXPECTED`)
  if (c.stale.length > 0) parts.push(`${c.stale.length} STALE`)
  return `conformance (${runner}): ${parts.join(', ')}`
}

/**
 * The first cells of the table under "## Deliberate deviations" in
 * docs/drop-in.md: each must name exactly one deviation row, and each deviation
 * row must name one of them.
 */
export function documentedDeviations(markdown: string): string[] {
  const section = markdown.split(/^## Deliberate deviations$/m)[1]?.split(/^## /m)[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) => line.split('|')[1]?.trim() ?? '')
}

/** What docs/drop-in.md lists against what the deviation rows name (both sorted). */
export function deviationTables(rows: Row[], markdown: string) {
  return {
    docs: documentedDeviations(markdown).sort(),
    rows: rows
      .filter((row) => row.deviation !== undefined)
      .map((row) => row.documented?.table ?? `${row.id} (no documented table row)`)
      .sort(),
  }
}
