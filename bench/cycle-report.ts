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
    `${b.connections} connections per contender, each in its own process; heartbeat every ${b.interval} ms with a ${b.interval} ms pong timeout. The socket opens and answers each ping with a pong on a microtask; every timer runs on one fake clock (a heap of deadlines) that the bench advances by one interval per cycle, then lets the event loop turn once. CPU (user + system) over ${b.cycles.toLocaleString('en-US')} cycles after ${b.warmup} warm-up cycles, divided by cycles × connections; each run checks that every connection sent one ping and got one pong per cycle. ${b.rounds} rounds; ratios per round against the classic recipe of the same round. With no network the recipe's cycle is only a few timer calls and a send, so these ratios are much larger than B7's real-socket ones, in which both sides also pay the socket's own reads and writes.`,
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
    'ratio heartline / classic',
    b.ratio.heartline,
    2,
    `≤ ${b.target}`,
    b.ratio.heartline.median <= b.target,
  )
  row('B7S', 'ratio XState floor / classic', b.ratio['xstate-floor'], 2)
  row('B7S', 'ratio XState floor + no-op inspect / classic', b.ratio['xstate-floor+inspect'], 2)
  lines.push('')
}

/** The closing-note bullet for the B7 target, judged on the simulated ratio. */
export function cycleVerdict(b: CycleCpuResult): string {
  const h = b.ratio.heartline
  const floor = b.ratio['xstate-floor']
  const inspect = b.ratio['xstate-floor+inspect']
  const us = b.usPerCycle
  const met = h.median <= b.target
  const floorMet = floor.median <= b.target
  const inspectCost = us['xstate-floor+inspect'].median - us['xstate-floor'].median
  const overFloor = us.heartline.median - us['xstate-floor'].median
  const head = `- **B7 CPU per cycle ≤ ${b.target} × the classic recipe (simulated): ${met ? 'met' : 'missed'}.** heartline costs ${spread(h)} the recipe (${f(us.heartline.median)} µs vs ${f(us.classic.median)} µs per cycle per connection, ${b.connections} connections, fake clock, no network). The floor of a heartbeat as an XState v5 chart costs ${spread(floor)} the recipe (${f(us['xstate-floor'].median)} µs); with a no-op inspection observer ${spread(inspect)}, ${f(Math.abs(inspectCost))} µs per cycle ${inspectCost >= 0 ? 'more' : 'less'}.`
  if (met) return head
  if (!floorMet) {
    return `${head} Since the floor itself ${floor.min > b.target ? 'is above' : 'is, in its median, above'} ${b.target} ×, the target is out of reach while XState's actor runs each heartbeat cycle, however lean the chart and the adapter around it: heartline's ${f(overFloor)} µs over the floor is what a leaner chart and adapter can still remove. Meeting ${b.target} × takes the per-cycle work out of the actor (timers and ping/pong handled by plain code in the socket layer, the chart told only of a dead link), which would move the heartbeat's decisions out of the chart.`
  }
  return `${head} The floor is within the target, so a chart-driven heartbeat can meet it; heartline spends ${f(overFloor)} µs per cycle over the floor (${f(us.heartline.median / us['xstate-floor'].median)} × the floor): fewer chart steps and socket-actor commands per cycle would close it.`
}
