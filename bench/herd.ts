/**
 * B4: the herd. N clients on one server process; the server is killed (every
 * socket drops at once), stays down for `downMs`, then a fresh process listens
 * on the same port. Every WebSocket constructed after the kill is an attempt.
 * Reported per run: the largest share of the N clients attempting within any
 * 100 ms window (over all attempts after the kill, and over those after the
 * server is back: the stampede the restarted server sees), attempts per client,
 * and the time until 99 % of the clients are open again.
 */
import WS from 'ws'
import { createConnection, type ReconnectOptions } from '../src/index.js'
import { CLASSIC_SEED, classicClient } from './classic.js'
import { forkServer, now, order, sleep, startServer, stats } from './lib.js'
import { EventClock, type SimServer, StubSocket, seeded } from './sim.js'

type Kind = 'heartline' | 'classic'
const WINDOW = 100

/** Largest number of distinct clients with an attempt inside any `WINDOW` ms. */
export function maxInWindow(attempts: Array<[number, number]>): number {
  const sorted = [...attempts].sort((a, b) => a[0] - b[0])
  const inWindow = new Map<number, number>()
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    const [t, id] = sorted[hi] as [number, number]
    inWindow.set(id, (inWindow.get(id) ?? 0) + 1)
    while ((sorted[lo] as [number, number])[0] <= t - WINDOW) {
      const old = (sorted[lo] as [number, number])[1]
      const left = (inWindow.get(old) ?? 1) - 1
      if (left === 0) inWindow.delete(old)
      else inWindow.set(old, left)
      lo++
    }
    best = Math.max(best, inWindow.size)
  }
  return best
}

interface HerdRun {
  /** Largest share (%) of clients attempting in any 100 ms after the kill. */
  peakAll: number
  /** The same, counting only attempts after the server is back. */
  peakBack: number
  attemptsPerClient: number
  /** ms from the kill until 99 % are open again. */
  t99FromKill: number
  /** ms from the server listening again until 99 % are open. */
  t99FromBack: number
}

async function herdRun(kind: Kind, n: number, downMs: number): Promise<HerdRun> {
  const server = await startServer('ws')
  const spare = await forkServer()
  const url = `ws://127.0.0.1:${server.port}/herd`
  let killedAt = 0
  const attempts: Array<[number, number]> = []
  let openedAfter = 0
  const need = Math.ceil(n * 0.99)
  let resolve99: (at: number) => void = () => undefined
  const reached99 = new Promise<number>((r) => {
    resolve99 = r
  })
  let initiallyOpen = 0
  let resolveAllOpen: () => void = () => undefined
  const allOpen = new Promise<void>((r) => {
    resolveAllOpen = r
  })
  const onOpen = () => {
    if (killedAt === 0) {
      if (++initiallyOpen === n) resolveAllOpen()
    } else if (++openedAfter === need) resolve99(now())
  }
  const stops: Array<() => void> = []
  for (let id = 0; id < n; id++) {
    class Recording extends WS {
      constructor(u: string, p?: string | string[]) {
        super(u, p)
        if (killedAt > 0) attempts.push([now(), id])
      }
    }
    if (kind === 'heartline') {
      const conn = createConnection(url, { WebSocket: Recording })
      conn.addEventListener('open', onOpen)
      stops.push(() => conn.close())
    } else {
      const client = classicClient(url, Recording as never, CLASSIC_SEED)
      client.onopen = onOpen
      stops.push(() => client.stop())
    }
  }
  try {
    await Promise.race([
      allOpen,
      sleep(60_000).then(() => {
        throw new Error(`herd: only ${initiallyOpen}/${n} ${kind} clients opened`)
      }),
    ])
    await sleep(300)
    killedAt = now()
    // The spare process times the outage itself (wall clock), so a busy client
    // event loop here cannot stretch it.
    const back = spare.listen('ws', server.port, killedAt + downMs)
    await server.kill('SIGKILL')
    const backServer = await back
    const backAt = backServer.listeningAt
    const at = await Promise.race([reached99, sleep(60_000).then(() => Number.NaN)])
    const after = attempts.filter(([t]) => t >= backAt)
    for (const stop of stops) stop()
    await sleep(200)
    await backServer.kill()
    return {
      peakAll: (maxInWindow(attempts) / n) * 100,
      peakBack: (maxInWindow(after) / n) * 100,
      attemptsPerClient: attempts.length / n,
      t99FromKill: at - killedAt,
      t99FromBack: at - backAt,
    }
  } finally {
    for (const stop of stops) {
      try {
        stop()
      } catch {
        // stopped already
      }
    }
    await server.kill()
    spare.child.kill('SIGKILL')
  }
}

/**
 * The same scenario on simulated time: heartline's real chart and adapter (and
 * the classic recipe's real code), with the clock and the socket stubbed. 1 ms
 * one-way latency; the clients start spread over a second and run for 8 s
 * (past heartline's 5 s `stableAfter`, so every attempt counter is back to 0)
 * before the server dies. Seeded, so each run is reproducible.
 */
function herdSim(
  kind: Kind,
  n: number,
  downMs: number,
  seed: number,
  reconnect?: ReconnectOptions,
): HerdRun {
  const clock = new EventClock()
  const random = seeded(seed)
  let downFrom = Number.POSITIVE_INFINITY
  let downUntil = Number.NEGATIVE_INFINITY
  const server: SimServer = {
    isUp: () => clock.now() < downFrom || clock.now() >= downUntil,
    sockets: new Set(),
    latency: 1,
  }
  let killedAt = 0
  const attempts: Array<[number, number]> = []
  let openedAfter = 0
  let reachedAt = Number.NaN
  const need = Math.ceil(n * 0.99)
  const onOpen = () => {
    if (killedAt > 0 && ++openedAfter === need) reachedAt = clock.now()
  }
  const stops: Array<() => void> = []
  const timers = {
    setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms),
    clearTimeout: (id: unknown) => clock.clearTimeout(id),
  }
  for (let id = 0; id < n; id++) {
    // A constructor function that records each attempt (called with `new`).
    // A WebSocket class (heartline checks its prototype) that records each attempt after the kill.
    const recording = class RecordingSocket extends StubSocket {
      constructor() {
        super(clock, server)
        if (killedAt > 0) attempts.push([clock.now(), id])
      }
    }
    clock.setTimeout(() => {
      if (kind === 'heartline') {
        const conn = createConnection('ws://sim/herd', {
          WebSocket: recording as never,
          clock,
          random,
          ...(reconnect ? { reconnect } : {}),
        })
        conn.addEventListener('open', onOpen)
        stops.push(() => conn.close())
      } else {
        const client = classicClient('ws://sim/herd', recording as never, CLASSIC_SEED, timers)
        client.onopen = onOpen
        stops.push(() => client.stop())
      }
    }, random() * 1000)
  }
  clock.runUntil(8000)
  killedAt = clock.now()
  downFrom = killedAt
  downUntil = killedAt + downMs
  for (const socket of [...server.sockets]) socket.drop()
  for (let t = killedAt; Number.isNaN(reachedAt) && t < killedAt + 300_000; t += 100) {
    clock.runUntil(t)
  }
  for (const stop of stops) stop()
  clock.runUntil(clock.now() + 10_000)
  const after = attempts.filter(([t]) => t >= downUntil)
  return {
    peakAll: (maxInWindow(attempts) / n) * 100,
    peakBack: (maxInWindow(after) / n) * 100,
    attemptsPerClient: attempts.length / n,
    t99FromKill: reachedAt - killedAt,
    t99FromBack: reachedAt - downUntil,
  }
}

export async function herdSimulated({
  n,
  rounds,
  downMs = 2000,
  reconnect,
}: {
  n: number
  rounds: number
  downMs?: number
  /** heartline reconnect options other than the defaults. */
  reconnect?: ReconnectOptions
}): Promise<HerdResult> {
  const runs: Record<Kind, HerdRun[]> = { heartline: [], classic: [] }
  for (let r = 0; r < rounds; r++) {
    for (const kind of order(['heartline', 'classic'] as const, r)) {
      runs[kind].push(herdSim(kind, n, downMs, 1000 + r, reconnect))
      await sleep(0)
    }
  }
  return summarise(n, downMs, rounds, runs)
}

function summarise(
  n: number,
  downMs: number,
  rounds: number,
  runs: Record<Kind, HerdRun[]>,
): HerdResult {
  const result = {} as HerdResult['result']
  for (const kind of ['heartline', 'classic'] as const) {
    const list = runs[kind]
    result[kind] = {
      peakAll: stats(list.map((x) => x.peakAll)),
      peakBack: stats(list.map((x) => x.peakBack)),
      attemptsPerClient: stats(list.map((x) => x.attemptsPerClient)),
      t99FromKill: stats(list.map((x) => x.t99FromKill)),
      t99FromBack: stats(list.map((x) => x.t99FromBack)),
    }
  }
  return { clients: n, downMs, rounds, result }
}

export interface HerdResult {
  clients: number
  downMs: number
  rounds: number
  result: Record<Kind, Record<keyof HerdRun, ReturnType<typeof stats>>>
}

export async function herd({
  n,
  rounds,
  downMs = 2000,
}: {
  n: number
  rounds: number
  downMs?: number
}): Promise<HerdResult> {
  const runs: Record<Kind, HerdRun[]> = { heartline: [], classic: [] }
  for (let r = 0; r < rounds; r++) {
    for (const kind of order(['heartline', 'classic'] as const, r)) {
      runs[kind].push(await herdRun(kind, n, downMs))
    }
  }
  return summarise(n, downMs, rounds, runs)
}
