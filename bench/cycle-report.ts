/** B7 simulated (bench/cycle-cpu.ts) in bench/RESULTS.md: its table and its closing-note verdict. */
import type { CycleCpuResult } from './cycle-cpu.js'
import type { Stats } from './lib.js'

const f = (v: number, digits = 2) => v.toFixed(digits)
const spread = (s: Stats) => `${f(s.median)} × (median; runs ${f(s.min)}–${f(s.max)})`

/** Appends the B7S block to `lines`; `row` and `head` append the report's table rows to the same array. */
export function renderCycle(
  b: CycleCpuResult,
  lines: string[],
  row: (id: string, what: string, s: Stats, digits: number, target?: string, ok?: boolean) => void,
  head: () => void,
): void {
  lines.push(
    '### B7 simulated: one heartbeat cycle on a fake clock and an in-memory socket (CPU, no network)',
    '',
    `${b.connections} connections per contender, each in its own process; heartbeat every ${b.interval} ms with a ${b.interval} ms pong timeout. The socket opens and answers each ping with a pong on a microtask; every timer runs on one fake clock (a heap of deadlines) that the bench advances by one interval per cycle, then lets the event loop turn once. CPU (user + system) over ${b.cycles.toLocaleString('en-US')} cycles after ${b.warmup} warm-up cycles, divided by cycles × connections; each run checks that every connection sent one ping and got one pong per cycle. ${b.rounds} rounds; heartline is judged per round against the XState floor of the same round (target ≤ ${b.target} ×); the ratios to the classic recipe are there for context. With no network the recipe's cycle is only a few timer calls and a send, so these ratios are much larger than B7's real-socket ones, in which both sides also pay the socket's own reads and writes.`,
    '',
    'The XState floor rows are not heartline: they are the smallest heartbeat written as an XState v5 chart (states `open` and `awaitingPong`, a delayed transition in each, the ping sent from an entry action, `pong` sent to the actor from the socket listener; no context assigns), without and with an inspection observer that does nothing. They show what any chart-driven heartbeat pays XState per cycle, whatever the adapter around it.',
    '',
  )
  head()
  row('B7S', 'classic recipe: CPU µs per cycle per connection', b.usPerCycle.classic, 2)
  row('B7S', 'heartline: CPU µs per cycle per connection', b.usPerCycle.heartline, 2)
  row('B7S', 'XState floor: CPU µs per cycle per connection', b.usPerCycle['xstate-floor'], 2)
  row(
    'B7S',
    'XState floor + no-op inspect: CPU µs per cycle per connection',
    b.usPerCycle['xstate-floor+inspect'],
    2,
  )
  row(
    'B7S',
    'ratio heartline / XState floor (the judged figure)',
    b.floorRatio,
    2,
    `≤ ${b.target}`,
    b.floorRatio.median <= b.target,
  )
  row('B7S', 'ratio heartline / classic (context)', b.ratio.heartline, 2)
  row('B7S', 'ratio XState floor / classic', b.ratio['xstate-floor'], 2)
  row('B7S', 'ratio XState floor + no-op inspect / classic', b.ratio['xstate-floor+inspect'], 2)
  lines.push('')
}

/** The closing-note bullet for the B7 target, judged on the simulated ratio to the XState floor. */
export function cycleVerdict(b: CycleCpuResult): string {
  const x = b.floorRatio
  const us = b.usPerCycle
  const met = x.median <= b.target
  const floor = us['xstate-floor'].median
  const inspectCost = us['xstate-floor+inspect'].median - floor
  const overFloor = us.heartline.median - floor
  const head = `- **B7 CPU per cycle ≤ ${b.target} × the XState floor (simulated): ${met ? 'met' : 'missed'}.** heartline costs ${spread(x)} the floor of a heartbeat as an XState v5 chart (${f(us.heartline.median)} µs vs ${f(floor)} µs per cycle per connection, ${b.connections} connections, fake clock, no network); a no-op inspection observer adds ${f(inspectCost)} µs to the floor. For context, the classic recipe costs ${f(us.classic.median)} µs: heartline is ${spread(b.ratio.heartline)} the recipe, the floor itself ${spread(b.ratio['xstate-floor'])}.`
  if (met) return head
  const budget = floor * b.target
  return `${head} heartline spends ${f(overFloor)} µs per cycle over the floor, ${f(us.heartline.median - budget)} µs more than the ${f(budget)} µs the target allows: that is the adapter's and the chart's own work per cycle beyond two delayed transitions and one event (a heartline cycle is three chart macrosteps, \`pingDelay\`, \`heartbeat.silence\`, \`heartbeat.alive\`, and two commands to the socket actor). Fewer steps per cycle (the silence check raised within the timer's step, the ping sent without a message to the socket actor) would close it.`
}
