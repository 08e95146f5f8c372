/**
 * B9: resumable sessions. Throughput with `resume` on (memory store, Redis
 * store) against off, both directions, end to end (heartline client, `ws`
 * server in another process: with resume on the server numbers, keeps and
 * acknowledges too); and the time to resume and replay `replay` buffered
 * messages each way after a reconnect. Trials alternate within each round.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import WebSocket from 'ws'
import { createConnection } from '../src/index.js'
import { resume, sessionOf } from '../src/resume/index.js'
import { startRedis } from '../test/helpers/redis.js'
import { BENCH, now, order, type Stats, sleep, startServer, stats } from './lib.js'
import { PAYLOAD } from './wire.js'

type Variant = 'off' | 'memory' | 'redis'
const VARIANTS: Variant[] = ['off', 'memory', 'redis']

async function server(config: object): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(BENCH, 'resume-server.ts'), JSON.stringify(config)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port)
    })
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)))
  })
  return { port, child }
}

/** Opens a connection and resolves once it can send (the session is up with resume on). */
function connect(port: number, withResume: boolean, extra: object = {}) {
  let socket: WebSocket | null = null
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      socket = this
    }
  }
  return new Promise<{ conn: ReturnType<typeof createConnection>; socket: () => WebSocket | null }>(
    (resolve) => {
      let conn: ReturnType<typeof createConnection> | undefined
      const ready = () =>
        queueMicrotask(() => resolve({ conn: conn as never, socket: () => socket }))
      conn = createConnection(`ws://127.0.0.1:${port}`, {
        WebSocket: Tracked as never,
        ...extra,
        ...(withResume
          ? {
              resume: resume({
                maxBytes: 64 * 1024 * 1024,
                trace: (r) => {
                  if (r.type === 'welcome' && !r.resumed && r.session) ready()
                },
              }),
            }
          : {}),
      })
      if (!withResume) conn.addEventListener('open', ready)
    },
  )
}

async function rate(port: number, withResume: boolean, direction: 'in' | 'out', n: number) {
  const { conn } = await connect(port, withResume)
  return new Promise<number>((resolve) => {
    let got = 0
    const started = now()
    conn.addEventListener('message', (event) => {
      if (direction === 'in' ? ++got === n : event.data === 'done') {
        const elapsed = now() - started
        conn.close()
        resolve((n / elapsed) * 1000)
      }
    })
    conn.send(`${direction} ${n}`)
    if (direction === 'out') for (let i = 0; i < n; i++) conn.send(PAYLOAD)
  })
}

/**
 * The client's own cost, as B1/B2 measure it: against the hand-framed endpoint of
 * bench/server.ts (nearly free, so the client is the bottleneck), plain (`/in`,
 * `/out`) or speaking the resume protocol (`/rin`, `/rout`). Messages per second
 * from `open` to the last message (in) or to the server's `done` (out).
 */
function clientRate(base: string, withResume: boolean, direction: 'in' | 'out', n: number) {
  return new Promise<number>((resolve) => {
    const path = `${withResume ? 'r' : ''}${direction}`
    const conn = createConnection(`${base}/${path}?n=${n}`, {
      WebSocket: WebSocket as never,
      ...(withResume ? { resume: resume({ maxBytes: 64 * 1024 * 1024 }) } : {}),
    })
    let started = 0
    let got = 0
    conn.addEventListener('open', () => {
      started = now()
      if (direction === 'out') for (let i = 0; i < n; i++) conn.send(PAYLOAD)
    })
    conn.addEventListener('message', (event) => {
      if (direction === 'in' ? ++got === n : event.data === 'done') {
        const elapsed = now() - started
        conn.close()
        resolve((n / elapsed) * 1000)
      }
    })
  })
}

export async function clientOnly(n: number, rounds: number) {
  const raw = await startServer('raw')
  const base = `ws://127.0.0.1:${raw.port}`
  try {
    const rates = { in: { off: [], on: [] }, out: { off: [], on: [] } } as Record<
      'in' | 'out',
      Record<'off' | 'on', number[]>
    >
    for (const d of ['in', 'out'] as const) {
      for (const v of ['off', 'on'] as const)
        await clientRate(base, v === 'on', d, Math.min(n, 20_000))
    }
    for (let r = 0; r < rounds; r++) {
      for (const d of ['in', 'out'] as const) {
        for (const v of order(['off', 'on'] as const, r)) {
          rates[d][v].push(await clientRate(base, v === 'on', d, n))
        }
      }
    }
    const of = (d: 'in' | 'out') => ({
      off: stats(rates[d].off),
      on: stats(rates[d].on),
      ratio: stats(rates[d].on.map((x, i) => x / (rates[d].off[i] as number))),
    })
    return { in: of('in'), out: of('out') }
  } finally {
    await raw.kill()
  }
}

/** ms from the reconnect to both sides holding the `n` messages the other buffered while away. */
async function replayTime(port: number, n: number): Promise<number> {
  const { conn, socket } = await connect(port, true, {
    reconnect: { initialDelay: 60_000, maxDelay: 60_000, jitter: 'none' },
  })
  conn.send(`hold ${n}`)
  while ((sessionOf(conn)?.buffered ?? 1) > 0) await sleep(5)
  socket()?.terminate()
  while (conn.state !== 'waitingToReconnect') await sleep(5)
  for (let i = 0; i < n; i++) conn.send(PAYLOAD)
  // Let the server number its n messages while the client is away.
  await sleep(300)
  return new Promise<number>((resolve) => {
    let got = 0
    let done = false
    const started = now()
    const check = () => {
      if (got === n && done) {
        const elapsed = now() - started
        conn.close()
        resolve(elapsed)
      }
    }
    conn.addEventListener('message', (event) => {
      if (event.data === 'done') done = true
      else got++
      check()
    })
    conn.reconnect()
  })
}

export interface ResumeBenchResult {
  messages: number
  rounds: number
  replayMessages: number
  /** The client alone (hand-framed server): messages/s off and on, and the per-round ratio. */
  client: Record<'in' | 'out', { off: Stats; on: Stats; ratio: Stats }>
  rate: Record<'in' | 'out', Record<Variant, Stats>>
  /** Per round: resume on / off. */
  ratio: Record<'in' | 'out', Record<'memory' | 'redis', Stats>>
  /** ms to resume and replay `replayMessages` each way. */
  replay: Record<'memory' | 'redis', Stats>
}

export async function resumeBench({
  n,
  rounds,
  replay,
}: {
  n: number
  rounds: number
  replay: number
}): Promise<ResumeBenchResult> {
  const client = await clientOnly(n * 2, rounds)
  const redis = await startRedis()
  const servers = {
    off: await server({ resume: false }),
    memory: await server({ resume: true, store: 'memory' }),
    redis: await server({ resume: true, store: 'redis', redisPort: redis.port }),
  }
  try {
    const rates = { in: {}, out: {} } as Record<'in' | 'out', Record<Variant, number[]>>
    const replays = { memory: [] as number[], redis: [] as number[] }
    for (const direction of ['in', 'out'] as const) {
      for (const v of VARIANTS)
        await rate(servers[v].port, v !== 'off', direction, Math.min(n, 5000))
    }
    for (let r = 0; r < rounds; r++) {
      for (const direction of ['in', 'out'] as const) {
        for (const v of order(VARIANTS, r)) {
          const list = rates[direction][v] ?? []
          list.push(await rate(servers[v].port, v !== 'off', direction, n))
          rates[direction][v] = list
        }
      }
      for (const v of order(['memory', 'redis'] as const, r)) {
        replays[v].push(await replayTime(servers[v].port, replay))
      }
    }
    const summary = (direction: 'in' | 'out') => ({
      off: stats(rates[direction].off),
      memory: stats(rates[direction].memory),
      redis: stats(rates[direction].redis),
    })
    const ratio = (direction: 'in' | 'out', v: 'memory' | 'redis') =>
      stats(rates[direction][v].map((x, i) => x / (rates[direction].off[i] as number)))
    return {
      messages: n,
      rounds,
      replayMessages: replay,
      client,
      rate: { in: summary('in'), out: summary('out') },
      ratio: {
        in: { memory: ratio('in', 'memory'), redis: ratio('in', 'redis') },
        out: { memory: ratio('out', 'memory'), redis: ratio('out', 'redis') },
      },
      replay: { memory: stats(replays.memory), redis: stats(replays.redis) },
    }
  } finally {
    for (const s of Object.values(servers)) s.child.kill('SIGKILL')
    await redis.stop()
  }
}
