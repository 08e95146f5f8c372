/**
 * B8: restarts without a stampede. N heartline clients (defaults, real `ws`
 * sockets, in this process) on a server process (bench/storm-server.ts) that
 * goes away and is replaced at once by a fresh process on the same port:
 *
 *   drain    the server calls drain({ window }), then is killed and replaced;
 *   restart  the same without drain: every client closed with 1012, no hint (the defaults only);
 *   crash+admission  the server is SIGKILLed; its replacement runs admission({ perSecond });
 *   crash+admission-http  the same with admission({ perSecond, refuse: 'http' });
 *   crash    the same without admission (the defaults only).
 *
 * Every client sends one message right after its socket ends (queued while it is
 * down); the replacement counts the distinct ones it receives. Measured from the
 * event (the drain call, or the kill): the largest share of the clients
 * constructing a WebSocket within any 100 ms window, attempts per client, the time
 * until 99 % are open at the same moment (a refused handshake opens and closes at
 * once, so counting `open` events would count refusals), messages lost, and the handshakes the replacement
 * processed (refused ones included) and accepted in its busiest second.
 */
import { type ChildProcess, fork } from 'node:child_process'
import WS from 'ws'
import { createConnection } from '../src/index.js'
import { maxInWindow } from './herd.js'
import { now, order, script, sleep, stats } from './lib.js'

export type StormScenario =
  | 'drain'
  | 'restart'
  | 'crash+admission'
  | 'crash+admission-http'
  | 'crash'
export const SCENARIOS: readonly StormScenario[] = [
  'drain',
  'restart',
  'crash+admission',
  'crash+admission-http',
  'crash',
]

export interface StormRun {
  peak: number
  /** The same, over the attempts after the replacement listened. */
  peakBack: number
  attemptsPerClient: number
  t99: number
  lost: number
  handshakesPeak: number
  acceptedPeak: number
  /** ms from the event until drain() (or the plain close of every client) resolved; 0 for a crash. */
  drainMs: number
  /** ms from the event until the replacement listened. */
  backMs: number
  /** ms from the event until the last client saw its socket end (this process's CPU spreads it). */
  lastCloseMs: number
}

interface StormProcess {
  child: ChildProcess
  exited: Promise<void>
  ask<T>(message: object): Promise<T>
  kill(): Promise<void>
}

async function forkStormServer(): Promise<StormProcess> {
  const child = fork(await script('storm-server.ts'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`storm server exited early (${code})`)))
  })
  return {
    child,
    exited,
    ask: <T>(message: object) =>
      new Promise<T>((resolve) => {
        child.once('message', (reply) => resolve(reply as T))
        child.send(message)
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** The most timestamps inside any `span` ms. */
function peakPer(times: number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[lo] as number) <= (sorted[hi] as number) - span) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

export async function stormRun(
  scenario: StormScenario,
  n: number,
  window: number,
  perSecond: number,
): Promise<StormRun> {
  const first = await forkStormServer()
  const spare = await forkStormServer()
  const { listening: port } = await first.ask<{ listening: number }>({ cmd: 'listen', port: 0 })
  const url = `ws://127.0.0.1:${port}/storm`
  let eventAt = 0
  const attempts: Array<[number, number]> = []
  const need = Math.ceil(n * 0.99)
  let initiallyOpen = 0
  const openNow = new Set<number>()
  let at99 = Number.NaN
  let lastCloseAt = Number.NaN
  let allBack: () => void = () => undefined
  const back = new Promise<void>((resolve) => {
    allBack = resolve
  })
  let allOpen: () => void = () => undefined
  const opened = new Promise<void>((resolve) => {
    allOpen = resolve
  })
  const conns = Array.from({ length: n }, (_, id) => {
    class Recording extends WS {
      constructor(u: string, p?: string | string[]) {
        super(u, p)
        if (eventAt > 0) attempts.push([now(), id])
      }
    }
    const conn = createConnection(url, { WebSocket: Recording })
    let sent = false
    conn.addEventListener('open', () => {
      if (eventAt === 0) {
        if (++initiallyOpen === n) allOpen()
        return
      }
      openNow.add(id)
      if (openNow.size >= need && Number.isNaN(at99)) at99 = now()
      if (openNow.size === n) allBack()
    })
    // One message per client while it is down: queued, to be flushed on the new server.
    conn.addEventListener('close', () => {
      openNow.delete(id)
      if (eventAt === 0 || sent) return
      lastCloseAt = now()
      sent = true
      conn.send(`msg:${id}`)
    })
    return conn
  })
  try {
    await Promise.race([
      opened,
      sleep(60_000).then(() => {
        throw new Error(`storm: only ${initiallyOpen}/${n} clients opened`)
      }),
    ])
    await sleep(300)
    eventAt = now()
    let replacement: Promise<{ at: number }>
    let drainMs = 0
    if (scenario === 'drain' || scenario === 'restart') {
      await first.ask(
        scenario === 'drain' ? { cmd: 'drain', window } : { cmd: 'close-all', code: 1012 },
      )
      drainMs = now() - eventAt
      // The drained process has closed its listener: the replacement binds at once.
      replacement = spare.ask<{ at: number }>({ cmd: 'listen', port })
      await first.kill()
    } else {
      await first.kill()
      replacement = spare.ask<{ at: number }>({
        cmd: 'listen',
        port,
        ...(scenario === 'crash+admission' ? { admission: { perSecond } } : {}),
        ...(scenario === 'crash+admission-http'
          ? { admission: { perSecond, refuse: 'http' } }
          : {}),
      })
    }
    const backAt = (await replacement).at
    const backMs = backAt - eventAt
    await Promise.race([back, sleep(window + 60_000)])
    // Let the last flushes land before asking the replacement what it received.
    await sleep(300)
    const seen = await spare.ask<{ upgrades: number[]; accepted: number[]; received: number[] }>({
      cmd: 'stats',
    })
    return {
      peak: (maxInWindow(attempts) / n) * 100,
      peakBack: (maxInWindow(attempts.filter(([t]) => t >= backAt)) / n) * 100,
      attemptsPerClient: attempts.length / n,
      t99: at99 - eventAt,
      lost: n - seen.received.length,
      handshakesPeak: peakPer(seen.upgrades, 1000),
      acceptedPeak: peakPer(seen.accepted, 1000),
      drainMs,
      backMs,
      lastCloseMs: lastCloseAt - eventAt,
    }
  } finally {
    for (const conn of conns) conn.close()
    await sleep(100)
    await first.kill()
    await spare.kill()
  }
}

export interface StormResult {
  clients: number
  window: number
  perSecond: number
  rounds: number
  result: Record<StormScenario, Record<keyof StormRun, ReturnType<typeof stats>>>
}

export async function storm({
  n,
  rounds,
  window,
  perSecond,
}: {
  n: number
  rounds: number
  window: number
  perSecond: number
}): Promise<StormResult> {
  const runs = Object.fromEntries(SCENARIOS.map((s) => [s, [] as StormRun[]])) as Record<
    StormScenario,
    StormRun[]
  >
  for (let r = 0; r < rounds; r++) {
    for (const scenario of order(SCENARIOS, r)) {
      process.stderr.write(`  B8 ${scenario}, round ${r + 1}/${rounds}\n`)
      runs[scenario].push(await stormRun(scenario, n, window, perSecond))
    }
  }
  const result = {} as StormResult['result']
  for (const scenario of SCENARIOS) {
    const list = runs[scenario]
    const pick = (k: keyof StormRun) => stats(list.map((x) => x[k]))
    result[scenario] = {
      peak: pick('peak'),
      peakBack: pick('peakBack'),
      attemptsPerClient: pick('attemptsPerClient'),
      t99: pick('t99'),
      lost: pick('lost'),
      handshakesPeak: pick('handshakesPeak'),
      acceptedPeak: pick('acceptedPeak'),
      drainMs: pick('drainMs'),
      backMs: pick('backMs'),
      lastCloseMs: pick('lastCloseMs'),
    }
  }
  return { clients: n, window, perSecond, rounds, result }
}
