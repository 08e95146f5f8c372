/**
 * Prints where the bytes of heartline's main entry go, per source module:
 *   node --import tsx bench/size-breakdown.ts [all | production | development]
 * (`all` bundles xstate in as well; `production` and `development` measure an
 * app's build of that mode, as B6 does). Feeds the breakdown in bench/RESULTS.md.
 */
import { appBreakdown, breakdown, HEARTLINE_ENTRY } from './size.js'

const mode = process.argv.find((a) => a === 'production' || a === 'development')
const withXstate = process.argv.includes('all')
const { total, modules } =
  mode === undefined
    ? await breakdown(HEARTLINE_ENTRY, withXstate ? [] : ['xstate'])
    : await appBreakdown(mode)
process.stdout.write(`total: ${total.minified} B minified, ${total.gzip} B min+gzip\n`)
for (const m of modules) {
  process.stdout.write(
    `${String(m.minified).padStart(7)} ${String(m.gzip).padStart(6)}  ${m.module}\n`,
  )
}
