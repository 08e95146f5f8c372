/**
 * `npm run bench` (add `-- --quick` for a short run, `-- --only=B1,B6` for some).
 * Runs B1 (and B1C, client-bound in Node; B1B, client-bound in Chromium) to B10 (and B7S, B7 on a fake clock), prints the table, writes bench/results.json and bench/RESULTS.md.
 * A partial run that includes B8 (or B10) replaces only that block of bench/RESULTS.md
 * (and writes bench/results.storm.json or results.flow.json), so either can be rerun on its own.
 * Benchmarks, not tests: nothing here fails on a timing.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { backoffComparison } from './backoff-sim.js'
import { chromiumInbound } from './chromium-inbound.js'
import { clientBound } from './client-bound.js'
import { cycleCpu } from './cycle-cpu.js'
import { deadLink } from './deadlink.js'
import { flowBench } from './flow.js'
import { FLOW_HEADING, renderFlow } from './flow-report.js'
import { herd, herdSimulated } from './herd.js'
import {
  BENCH,
  breakdownBlock,
  machine,
  prepareChildren,
  type Stats,
  withBreakdown,
} from './lib.js'
import { messagePathCost } from './micro.js'
import { heapPerController, idleCost, rssPerConnection } from './process-benches.js'
import { renderMarkdown } from './report.js'
import { resumeBench } from './resume.js'
import { sizes } from './size.js'
import { storm } from './storm.js'
import { B8_END, B8_START, renderStorm } from './storm-report.js'
import { throughput } from './throughput.js'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const onlyArg = argv.find((a) => a.startsWith('--only='))
const only = onlyArg ? new Set(onlyArg.slice(7).toUpperCase().split(',')) : undefined
const wanted = (id: string) => only === undefined || only.has(id)

/** Sizes of each run: full, and --quick (under two minutes). */
const PLAN = quick
  ? {
      throughput: { n: 30_000, rounds: 5 },
      clientBound: { n: 100_000, rounds: 7 },
      chromiumInbound: { n: 50_000, rounds: 5 },
      deadLinkRounds: 5,
      herdSim: { n: 500, rounds: 5 },
      herdReal: undefined,
      herdWide: undefined,
      heap: { n: 500, rounds: 5 },
      rss: { n: 200, rounds: 5 },
      idle: { n: 200, rounds: 5, interval: 300, window: 900 },
      cycle: { n: 100, cycles: 100, rounds: 5, warmup: 50 },
      backoffSim: { clients: [100, 10_000], seeds: 1 },
      storm: { n: 200, rounds: 1, window: 2000, perSecond: 50 },
      resume: { n: 20_000, rounds: 3, replay: 1000 },
      flow: { mib: 32, rate: 8, sends: 100_000, rounds: 5, chromium: { mib: 16, rate: 1 } },
    }
  : {
      throughput: { n: 100_000, rounds: 9 },
      clientBound: { n: 200_000, rounds: 21 },
      chromiumInbound: { n: 50_000, rounds: 9 },
      deadLinkRounds: 5,
      herdSim: { n: 1000, rounds: 5 },
      herdReal: { n: 1000, rounds: 5 },
      // What meeting the 5 % target costs with the same policy: a wider first ceiling.
      herdWide: { n: 1000, rounds: 5, reconnect: { initialDelay: 5000 } },
      heap: { n: 3000, rounds: 5 },
      rss: { n: 2000, rounds: 5 },
      idle: { n: 2000, rounds: 5, interval: 1000, window: 5000 },
      cycle: { n: 100, cycles: 1000, rounds: 7, warmup: 200 },
      backoffSim: { clients: [100, 10_000], seeds: 5 },
      storm: { n: 1000, rounds: 3, window: 10_000, perSecond: 200 },
      resume: { n: 50_000, rounds: 7, replay: 1000 },
      flow: { mib: 256, rate: 8, sends: 200_000, rounds: 9, chromium: { mib: 64, rate: 1 } },
    }

const started = Date.now()
const durations: Record<string, number> = {}
async function timed<T>(id: string, fn: () => Promise<T>, label = id): Promise<T | undefined> {
  if (!wanted(id)) return undefined
  id = label
  const t0 = Date.now()
  process.stderr.write(`${id} …\n`)
  const result = await fn()
  durations[id] = Math.round((Date.now() - t0) / 100) / 10
  process.stderr.write(`${id} done in ${durations[id]} s\n`)
  return result
}

await prepareChildren()
const loadBefore = loadavg()
const results = {
  mode: quick ? 'quick' : 'full',
  machine: machine(),
  plan: PLAN,
  B1: await timed('B1', () => throughput('in', PLAN.throughput)),
  B1C: await timed('B1C', () => clientBound(PLAN.clientBound)),
  B1B: await timed('B1B', () => chromiumInbound(PLAN.chromiumInbound)),
  B1path: await timed('B1', () => messagePathCost({ n: 2_000_000, rounds: 5 }), 'B1 diagnostic'),
  B2: await timed('B2', () => throughput('out', PLAN.throughput)),
  B3: await timed('B3', () => deadLink({ quick, rounds: PLAN.deadLinkRounds })),
  B4: await timed('B4', async () => ({
    simulated: await herdSimulated(PLAN.herdSim),
    real: PLAN.herdReal ? await herd(PLAN.herdReal) : undefined,
    wide: PLAN.herdWide ? await herdSimulated(PLAN.herdWide) : undefined,
  })),
  B5: await timed('B5', async () => ({
    heap: await heapPerController(PLAN.heap),
    rss: await rssPerConnection(PLAN.rss),
  })),
  B6: await timed('B6', () => sizes()),
  B7: await timed('B7', () => idleCost(PLAN.idle)),
  B7S: await timed('B7S', () => cycleCpu(PLAN.cycle)),
  B8: await timed('B8', async () => ({
    simulated: backoffComparison(PLAN.backoffSim),
    real: await storm(PLAN.storm),
  })),
  B9: await timed('B9', () => resumeBench(PLAN.resume)),
  B10: await timed('B10', () => flowBench(PLAN.flow)),
  loadAverage: { before: loadBefore, after: loadavg() },
  durations,
  totalSeconds: 0,
}
results.totalSeconds = Math.round((Date.now() - started) / 100) / 10

const markdown = renderMarkdown(results)
// A partial run (--only) prints its table but writes nothing; a quick run writes
// beside the committed full results (git-ignored), never over them.
if (only === undefined) {
  const suffix = quick ? '.quick' : ''
  await writeFile(join(BENCH, `results${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(
    join(BENCH, `RESULTS${suffix}.md`),
    withBreakdown(markdown, await breakdownBlock()),
  )
}
if (only?.has('B8') && results.B8) {
  const block = renderStorm(results.B8, {
    command: `npm run bench -- ${argv.join(' ')}`,
    date: results.machine.date,
    loadBefore: results.loadAverage.before,
    seconds: durations.B8 ?? 0,
  }).join('\n')
  const path = join(BENCH, `RESULTS${quick ? '.quick' : ''}.md`)
  const current = await readFile(path, 'utf8').catch(() => '')
  const from = current.indexOf(B8_START)
  const to = current.indexOf(B8_END)
  const closing = current.indexOf('## Closing note')
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + B8_END.length + 1)
      : closing >= 0
        ? `${current.slice(0, closing)}${block}\n${current.slice(closing)}`
        : `${current}\n${block}`
  await writeFile(path, next)
  await writeFile(
    join(BENCH, `results.storm${quick ? '.quick' : ''}.json`),
    `${JSON.stringify({ machine: results.machine, loadAverage: results.loadAverage, durations, B8: results.B8 }, null, 2)}\n`,
  )
}
if (only?.has('B10') && results.B10) {
  // B10's block (from its heading to the next) is replaced in place, with the command that made it.
  const path = join(BENCH, `RESULTS${quick ? '.quick' : ''}.md`)
  const current = await readFile(path, 'utf8').catch(() => '')
  const rerun = {
    command: `npm run bench -- ${argv.join(' ')}`,
    date: results.machine.date,
    loadBefore: results.loadAverage.before,
  }
  const b10 = { ...results.B10, rerun }
  const block = [...renderFlow(b10), ''].join('\n')
  const from = current.indexOf(FLOW_HEADING)
  // The block ends where the next heading or marker comment (the breakdown's) starts.
  const after = from + FLOW_HEADING.length
  const ends = ['\n## ', '\n<!-- ']
    .map((mark) => current.indexOf(mark, after))
    .filter((i) => i >= 0)
  const to = from < 0 || ends.length === 0 ? -1 : Math.min(...ends)
  const next =
    from < 0
      ? `${current}\n${block}`
      : current.slice(0, from) + block + (to < 0 ? '' : current.slice(to + 1))
  await writeFile(path, next)
  await writeFile(
    join(BENCH, `results.flow${quick ? '.quick' : ''}.json`),
    `${JSON.stringify({ machine: results.machine, loadAverage: results.loadAverage, durations, B10: b10 }, null, 2)}\n`,
  )
  // results.json takes the rerun's B10, so that bench/render.ts draws the same block.
  const full = JSON.parse(
    await readFile(join(BENCH, `results${quick ? '.quick' : ''}.json`), 'utf8'),
  )
  await writeFile(
    join(BENCH, `results${quick ? '.quick' : ''}.json`),
    `${JSON.stringify({ ...full, B10: b10 }, null, 2)}\n`,
  )
}
process.stdout.write(markdown)

process.stderr.write(`total ${results.totalSeconds} s\n`)

export type Results = typeof results
export type { Stats }
