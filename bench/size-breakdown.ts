/**
 * Prints where the bytes of heartline's main entry go, per source module:
 *   node --import tsx bench/size-breakdown.ts [all]
 * (`all` bundles xstate in as well). Feeds the breakdown in bench/RESULTS.md.
 */
import { breakdown, HEARTLINE_ENTRY } from './size.js'

const withXstate = process.argv.includes('all')
const { total, modules } = await breakdown(HEARTLINE_ENTRY, withXstate ? [] : ['xstate'])
process.stdout.write(`total: ${total.minified} B minified, ${total.gzip} B min+gzip\n`)
for (const m of modules) {
  process.stdout.write(
    `${String(m.minified).padStart(7)} ${String(m.gzip).padStart(6)}  ${m.module}\n`,
  )
}
