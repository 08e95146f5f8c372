/**
 * Long property runs of the invariants in test/helpers/invariant-model.ts.
 *
 *   npm run fuzz -- --runs 100000 [--seed 123] [--path "4:1:0"]
 *
 * Without --seed a fresh seed is drawn and printed first, so any run can be
 * replayed. A failure prints the seed, the path and the shrunk sequence.
 */
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { emptyTotals, invariantProperty } from '../test/helpers/invariant-model.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    path: { type: 'string' },
  },
})

const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number ≥ 1; got ${JSON.stringify(values.runs)}`)
  process.exit(2)
}
const seed =
  values.seed === undefined ? (Date.now() ^ (Math.random() * 2 ** 31)) | 0 : Number(values.seed)
console.log(`fuzz: ${runs} sequences, seed ${seed}${values.path ? `, path ${values.path}` : ''}`)

const totals = emptyTotals()
const started = performance.now()
const result = await fc.check(invariantProperty(totals), {
  seed,
  numRuns: runs,
  ...(values.path ? { path: values.path } : {}),
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (result.failed) {
  console.error(fc.defaultReportMessage(result))
  if (result.errorInstance instanceof Error) console.error(result.errorInstance.message)
  console.error(`fuzz: FAILED after ${result.numRuns} sequences (${seconds} s), seed ${seed}`)
  process.exit(1)
}
console.log(
  `fuzz: ${totals.scenarios} sequences passed in ${seconds} s (seed ${seed}): ` +
    `${totals.steps} steps, ${totals.sockets} sockets, ${totals.sent} messages sent, ` +
    `${totals.delivered} delivered, ${totals.dropped} reported dropped, ` +
    `${totals.sent - totals.delivered - totals.dropped} lost`,
)
console.log(
  `fuzz: drops by reason: ${Object.entries(totals.dropReasons)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ')}`,
)
