/**
 * B5 (memory) and B7 (idle cost): each measurement in a fresh child process
 * (bench/child.ts) against one `ws` server process, the contenders alternating.
 */
import { order, runChild, startServer, stats } from './lib.js'

const GC = ['--expose-gc']

export interface HeapResult {
  controllers: number
  bytesPerController: ReturnType<typeof stats>
  provideOnly: ReturnType<typeof stats>
  actorOnSharedMachine: ReturnType<typeof stats>
}

export async function heapPerController({
  n,
  rounds,
}: {
  n: number
  rounds: number
}): Promise<HeapResult> {
  const run = await runChild<{
    bytesPerController: number[]
    breakdown: { provideOnly: number; actorOnSharedMachine: number }
  }>('child.ts', ['heap', JSON.stringify({ n, reps: rounds })], GC)
  return {
    controllers: n,
    bytesPerController: stats(run.bytesPerController),
    provideOnly: stats([run.breakdown.provideOnly]),
    actorOnSharedMachine: stats([run.breakdown.actorOnSharedMachine]),
  }
}

export interface RssResult {
  connections: number
  bytesPerConnection: Record<'ws' | 'heartline', ReturnType<typeof stats>>
  ratio: ReturnType<typeof stats>
}

export async function rssPerConnection({
  n,
  rounds,
}: {
  n: number
  rounds: number
}): Promise<RssResult> {
  const server = await startServer('ws')
  const runs: Record<'ws' | 'heartline', number[]> = { ws: [], heartline: [] }
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of order(['ws', 'heartline'] as const, r)) {
        const result = await runChild<{ bytesPerConnection: number }>(
          'child.ts',
          ['rss', JSON.stringify({ kind, port: server.port, n })],
          GC,
        )
        runs[kind].push(result.bytesPerConnection)
      }
    }
  } finally {
    await server.kill()
  }
  return {
    connections: n,
    bytesPerConnection: { ws: stats(runs.ws), heartline: stats(runs.heartline) },
    ratio: stats(runs.heartline.map((h, i) => h / (runs.ws[i] as number))),
  }
}

export interface IdleResult {
  connections: number
  interval: number
  window: number
  usPerCycle: Record<'heartline' | 'classic', ReturnType<typeof stats>>
  cpuShare: Record<'heartline' | 'classic', ReturnType<typeof stats>>
  ratio: ReturnType<typeof stats>
}

export async function idleCost({
  n,
  rounds,
  interval,
  window,
}: {
  n: number
  rounds: number
  interval: number
  window: number
}): Promise<IdleResult> {
  const server = await startServer('ws')
  const runs: Record<'heartline' | 'classic', Array<{ usPerCycle: number; cpuShare: number }>> = {
    heartline: [],
    classic: [],
  }
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of order(['heartline', 'classic'] as const, r)) {
        runs[kind].push(
          await runChild(
            'child.ts',
            ['idle', JSON.stringify({ kind, port: server.port, n, interval, window })],
            GC,
          ),
        )
      }
    }
  } finally {
    await server.kill()
  }
  return {
    connections: n,
    interval,
    window,
    usPerCycle: {
      heartline: stats(runs.heartline.map((x) => x.usPerCycle)),
      classic: stats(runs.classic.map((x) => x.usPerCycle)),
    },
    cpuShare: {
      heartline: stats(runs.heartline.map((x) => x.cpuShare)),
      classic: stats(runs.classic.map((x) => x.cpuShare)),
    },
    ratio: stats(
      runs.heartline.map(
        (h, i) => h.usPerCycle / (runs.classic[i] as { usPerCycle: number }).usPerCycle,
      ),
    ),
  }
}
