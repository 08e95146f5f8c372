/**
 * One B8 scenario on its own, for a before/after comparison of a change:
 *
 *   node --import tsx bench/storm-case.ts crash+admission [clients=1000] [rounds=1]
 *
 * Runs the same code as `npm run bench -- --only=B8` (bench/storm.ts) with the full
 * plan's window (10 000 ms) and rate (200/s), prints each round as JSON, writes nothing.
 */
import { prepareChildren } from './lib.js'
import { SCENARIOS, type StormScenario, stormRun } from './storm.js'

const [name, clients = '1000', rounds = '1'] = process.argv.slice(2)
if (!SCENARIOS.includes(name as StormScenario)) {
  throw new Error(`storm-case: scenario must be one of ${SCENARIOS.join(', ')}; got ${name}`)
}
await prepareChildren()
for (let r = 0; r < Number(rounds); r++) {
  const run = await stormRun(name as StormScenario, Number(clients), 10_000, 200)
  process.stdout.write(
    `${JSON.stringify({ scenario: name, clients: Number(clients), round: r + 1, ...run })}\n`,
  )
}
process.exit(0)
