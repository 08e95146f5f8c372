/**
 * B8 simulated: the four backoff strategies of the AWS Architecture Blog's
 * "Exponential Backoff And Jitter" compared the way its simulator does (this is
 * our own model, written from the post's description): N clients each need one
 * successful call to a resource that serves one call at a time (a call takes
 * `busy` ms; a call that arrives while another is being served fails, as an
 * optimistic-concurrency write does). Each failed client sleeps per its strategy
 * and tries again. Measured: total calls (the work) and the time until the last
 * client succeeds.
 *
 * Clients with exactly the same schedule are simulated as one group (they collide
 * every time), so even "no jitter" at 10 000 clients runs in a moment.
 */
import { stats } from './lib.js'
import { seeded } from './sim.js'

export type Strategy = 'none' | 'full' | 'equal' | 'decorrelated'
export const STRATEGIES: readonly Strategy[] = ['none', 'full', 'equal', 'decorrelated']

export interface BackoffParams {
  /** First ceiling, ms. */
  base: number
  /** Largest sleep, ms. */
  cap: number
  /** ms one call occupies the resource. */
  busy: number
}

export const AWS_LIKE: BackoffParams = { base: 10, cap: 10_000, busy: 10 }

/** The sleep after failed call number `attempt` (0-based), per the post's formulas. */
function sleepFor(
  strategy: Strategy,
  attempt: number,
  previous: number,
  p: BackoffParams,
  random: () => number,
): number {
  const ceiling = Math.min(p.cap, p.base * 2 ** attempt)
  switch (strategy) {
    case 'none':
      return ceiling
    case 'full':
      return random() * ceiling
    case 'equal':
      return ceiling / 2 + random() * (ceiling / 2)
    case 'decorrelated':
      return Math.min(p.cap, p.base + random() * (previous * 3 - p.base))
  }
}

interface Group {
  at: number
  seq: number
  count: number
  attempt: number
  previous: number
}

/** One run: total calls and the time (ms) at which the last client succeeded. */
export function simulate(
  strategy: Strategy,
  clients: number,
  p: BackoffParams,
  seed: number,
): { calls: number; completion: number } {
  const random = seeded(seed)
  // A binary heap of pending call groups, by time then insertion order.
  const heap: Group[] = []
  let seq = 0
  const push = (g: Omit<Group, 'seq'>) => {
    const item = { ...g, seq: seq++ }
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const q = heap[parent] as Group
      if (q.at < item.at || (q.at === item.at && q.seq < item.seq)) break
      heap[i] = q
      i = parent
    }
    heap[i] = item
  }
  const pop = (): Group => {
    const top = heap[0] as Group
    const last = heap.pop() as Group
    if (heap.length > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= heap.length) break
        const r = l + 1
        const a = heap[l] as Group
        const b = heap[r]
        const m = b && (b.at < a.at || (b.at === a.at && b.seq < a.seq)) ? r : l
        const c = heap[m] as Group
        if (last.at < c.at || (last.at === c.at && last.seq < c.seq)) break
        heap[i] = c
        i = m
      }
      heap[i] = last
    }
    return top
  }
  // Every client makes its first call at t = 0, as in the post.
  if (strategy === 'none') push({ at: 0, count: clients, attempt: 0, previous: p.base })
  else for (let i = 0; i < clients; i++) push({ at: 0, count: 1, attempt: 0, previous: p.base })

  let calls = 0
  let busyUntil = Number.NEGATIVE_INFINITY
  let completion = 0
  while (heap.length > 0) {
    const g = pop()
    calls += g.count
    let failed = g.count
    if (g.at >= busyUntil) {
      // The first caller of a free resource is served; the rest of its group collide.
      busyUntil = g.at + p.busy
      completion = Math.max(completion, g.at + p.busy)
      failed--
    }
    if (failed === 0) continue
    if (strategy === 'none') {
      const next = sleepFor('none', g.attempt, g.previous, p, random)
      push({ at: g.at + next, count: failed, attempt: g.attempt + 1, previous: next })
    } else {
      for (let k = 0; k < failed; k++) {
        const next = sleepFor(strategy, g.attempt, g.previous, p, random)
        push({ at: g.at + next, count: 1, attempt: g.attempt + 1, previous: next })
      }
    }
  }
  return { calls, completion }
}

export interface BackoffSimResult {
  params: BackoffParams
  seeds: number
  rows: Array<{
    clients: number
    strategy: Strategy
    calls: ReturnType<typeof stats>
    completion: ReturnType<typeof stats>
  }>
}

export function backoffComparison({
  clients = [100, 10_000],
  seeds = 5,
  params = AWS_LIKE,
}: {
  clients?: number[]
  seeds?: number
  params?: BackoffParams
} = {}): BackoffSimResult {
  const rows: BackoffSimResult['rows'] = []
  for (const n of clients) {
    for (const strategy of STRATEGIES) {
      const runs = Array.from({ length: seeds }, (_, s) => simulate(strategy, n, params, 7 + s))
      rows.push({
        clients: n,
        strategy,
        calls: stats(runs.map((r) => r.calls)),
        completion: stats(runs.map((r) => r.completion)),
      })
    }
  }
  return { params, seeds, rows }
}
