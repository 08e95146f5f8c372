/**
 * B7 simulated: CPU per heartbeat cycle per connection with no network, one
 * process per contender (bench/child.ts mode `cycle`, bundled like the other
 * children so heartline runs as users get it), the contenders alternating each
 * round. Contenders (bench/cycle-contenders.ts): the classic recipe, heartline,
 * and the floor of a heartbeat as an XState v5 chart, without and with an
 * inspection observer. heartline is judged against the XState floor of the same
 * round (the baseline); the recipe stays for context.
 *   node --import tsx bench/cycle-cpu.ts [--n=100] [--cycles=1000] [--rounds=7] [--warmup=200]
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CYCLE_KINDS, type CycleKind, type CycleRun } from './cycle-contenders.js'
import { machine, order, runChild, type Stats, stats } from './lib.js'

type Challenger = Exclude<CycleKind, 'classic'>

/**
 * The target: heartline's CPU per cycle at most this many times the XState floor's
 * (the smallest heartbeat written as an XState v5 chart). 1.5 × the classic recipe
 * is out of reach for any chart-driven heartbeat, since the floor alone costs far
 * more than the recipe; the floor is the honest reference.
 */
export const CYCLE_TARGET = 1.3

export interface CycleCpuResult {
  connections: number
  cycles: number
  warmup: number
  rounds: number
  interval: number
  /** heartline / XState floor must stay at or under this. */
  target: number
  usPerCycle: Record<CycleKind, Stats>
  /** Per round, each contender over the classic recipe of the same round (context). */
  ratio: Record<Challenger, Stats>
  /** Per round, heartline over the XState floor of the same round: the judged figure. */
  floorRatio: Stats
}

export async function cycleCpu({
  n,
  cycles,
  rounds,
  warmup = 200,
}: {
  n: number
  cycles: number
  rounds: number
  /** Cycles run before measuring, so every contender's code is optimised first. */
  warmup?: number
}): Promise<CycleCpuResult> {
  const runs = Object.fromEntries(CYCLE_KINDS.map((k) => [k, [] as number[]])) as Record<
    CycleKind,
    number[]
  >
  for (let r = 0; r < rounds; r++) {
    for (const kind of order(CYCLE_KINDS, r)) {
      const run = await runChild<CycleRun>(
        'child.ts',
        ['cycle', JSON.stringify({ kind, n, cycles, warmup })],
        ['--expose-gc'],
      )
      runs[kind].push(run.usPerCycle)
    }
  }
  const challengers = CYCLE_KINDS.filter((k): k is Challenger => k !== 'classic')
  return {
    connections: n,
    cycles,
    warmup,
    rounds,
    interval: 1000,
    target: CYCLE_TARGET,
    usPerCycle: Object.fromEntries(CYCLE_KINDS.map((k) => [k, stats(runs[k])])) as Record<
      CycleKind,
      Stats
    >,
    ratio: Object.fromEntries(
      challengers.map((k) => [k, stats(runs[k].map((x, i) => x / (runs.classic[i] as number)))]),
    ) as Record<Challenger, Stats>,
    floorRatio: stats(runs.heartline.map((x, i) => x / (runs['xstate-floor'][i] as number))),
  }
}

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const arg = (name: string, fallback: number) => {
    const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
    const value = hit === undefined ? fallback : Number(hit.slice(name.length + 3))
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`--${name} must be a positive integer, got ${hit?.slice(name.length + 3)}`)
    }
    return value
  }
  const result = await cycleCpu({
    n: arg('n', 100),
    cycles: arg('cycles', 1000),
    rounds: arg('rounds', 7),
    warmup: arg('warmup', 200),
  })
  const f = (s: Stats, digits: number) =>
    `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}`
  const m = machine()
  process.stdout.write(
    `${m.cpu}, ${m.cores} cores, Node ${m.node}\n${result.connections} connections, ${result.cycles} cycles after ${result.warmup} warm-up cycles, ${result.rounds} rounds; min / median / max\n`,
  )
  for (const kind of CYCLE_KINDS) {
    process.stdout.write(
      `${kind.padEnd(22)} ${f(result.usPerCycle[kind], 2)} µs CPU per cycle per connection\n`,
    )
  }
  for (const kind of Object.keys(result.ratio) as Challenger[]) {
    process.stdout.write(`${`${kind} / classic`.padEnd(32)} ${f(result.ratio[kind], 2)}\n`)
  }
  const x = result.floorRatio
  process.stdout.write(
    `${'heartline / xstate-floor'.padEnd(32)} ${f(x, 2)}  target ≤ ${result.target}: ${x.median <= result.target ? 'met' : 'missed'}\n`,
  )
  process.exit(0)
}
