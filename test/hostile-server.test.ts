/**
 * A hostile server against the client: real `ws` servers on port 0 that close
 * every connection with a zero retry hint, speak the resume frames by hand with
 * acks before the welcome or impossible counts, and so on. Every bound is a
 * count (handshakes, frames, bytes held), time comes from an injected
 * SimulatedClock: nothing here waits on wall time for something to happen.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import {
  type CloseEventDetails,
  type Connection,
  createConnection,
  type ReconnectingEvent,
} from '../src/index.js'
import { MESSAGE_OVERHEAD } from '../src/protocol/resume.js'
import { type ResumeTrace, resume, sessionOf } from '../src/resume/index.js'
import { waitFor } from './harness/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Hostile {
  url: string
  /** Handshakes completed (sockets the server saw). */
  handshakes: number
  /** Every text frame the server received, in order, across sockets. */
  frames: string[]
  /** Every socket, in the order they came. */
  sockets: WebSocket[]
  /** Called after every frame the server receives (for waiters). */
  wake: Set<() => void>
}

/** A `ws` server on port 0 that runs `behave` for every socket (and counts them). */
async function hostile(
  behave: (ws: WebSocket, index: number, server: Hostile) => void,
): Promise<Hostile> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  cleanups.push(() => {
    for (const ws of wss.clients) ws.terminate()
  })
  const server: Hostile = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    handshakes: 0,
    frames: [],
    sockets: [],
    wake: new Set(),
  }
  wss.on('connection', (ws) => {
    const index = server.handshakes++
    server.sockets.push(ws)
    ws.on('message', (data) => {
      server.frames.push(String(data))
      for (const wake of [...server.wake]) wake()
    })
    behave(ws, index, server)
  })
  return server
}

function connect(url: string, options: Parameters<typeof createConnection>[1] = {}) {
  const clock = new SimulatedClock()
  const conn = createConnection(url, {
    WebSocket: WebSocket as never,
    clock,
    heartbeat: false,
    lifecycle: false,
    random: () => 0.5,
    ...options,
  })
  cleanups.push(() => conn.close())
  return { conn, clock }
}

/** The next retry the connection plans, or null once it is closed for good. */
function nextRetry(conn: Connection): Promise<ReconnectingEvent | null> {
  return new Promise((resolve, reject) => {
    const done = (value: ReconnectingEvent | null) => {
      clearTimeout(timer)
      conn.removeEventListener('reconnecting', onRetry)
      conn.removeEventListener('close', onClose)
      resolve(value)
    }
    const onRetry = (event: ReconnectingEvent) => done(event)
    const onClose = (event: CloseEventDetails) => {
      if (!event.willReconnect) done(null)
    }
    // A safety net against a hang, not a measure: the bounds below are counts.
    const timer = setTimeout(() => {
      conn.removeEventListener('reconnecting', onRetry)
      conn.removeEventListener('close', onClose)
      reject(new Error(`no retry and no final close within 5 s (state ${conn.state})`))
    }, 5000)
    conn.addEventListener('reconnecting', onRetry)
    conn.addEventListener('close', onClose)
  })
}

/**
 * Lets the connection run against the server for at most `rounds` retries, each
 * one's delay elapsed on the injected clock. Returns the retries planned.
 */
async function run(conn: Connection, clock: SimulatedClock, rounds = 40) {
  const retries: ReconnectingEvent[] = []
  if (conn.state === 'closed') return retries
  for (let i = 0; i < rounds; i++) {
    const retry = await nextRetry(conn)
    if (retry === null) break
    retries.push(retry)
    clock.increment(retry.delay)
  }
  return retries
}

describe('a server cannot make the client hammer it with retry hints', () => {
  it('retry-after=0ms on every socket: hinted retries count against maxAttempts', async () => {
    const server = await hostile((ws) => ws.close(1013, 'retry-after=0ms'))
    const { conn, clock } = connect(server.url, {
      reconnect: { initialDelay: 1000, maxAttempts: 3 },
    })
    const retries = await run(conn, clock)
    console.log(
      `[hostile server] retry-after=0ms, maxAttempts 3: ${server.handshakes} handshakes, delays ${retries.map((r) => r.delay).join(',')}`,
    )
    expect(server.handshakes).toBe(4) // the first socket and 3 retries
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3])
    expect(conn.state).toBe('closed')
  })

  it('retry-after=0ms with the default maxAttempts (Infinity): no faster than the backoff', async () => {
    const server = await hostile((ws) => ws.close(1013, 'retry-after=0ms'))
    const { conn, clock } = connect(server.url)
    // Runs until a simulated minute has passed.
    let elapsed = 0
    const delays: number[] = []
    while (elapsed < 60_000 && delays.length < 40) {
      const retry = await nextRetry(conn)
      if (retry === null) break
      delays.push(retry.delay)
      elapsed += retry.delay
      clock.increment(retry.delay)
    }
    console.log(
      `[hostile server] retry-after=0ms, defaults, one simulated minute: ${server.handshakes} handshakes, delays ${delays.join(',')}`,
    )
    // The ceilings 1, 2, 4, 8, 16, 29 s (each plus up to 1 s of jitter): 7 handshakes.
    expect(server.handshakes).toBeLessThanOrEqual(7)
    expect(delays.slice(0, 5)).toEqual([1500, 2500, 4500, 8500, 16_500])
  })

  it('a hinted delay has a floor (initialDelay) and jitter, and stays within maxDelay', async () => {
    const server = await hostile((ws) => ws.close(1013, 'retry-after=0ms'))
    const { conn, clock } = connect(server.url, {
      reconnect: { initialDelay: 1000, maxDelay: 30_000 },
    })
    const [zero] = await run(conn, clock, 1)
    // random() = 0.5: half way through one initialDelay above the floor.
    expect(zero?.delay).toBe(1500)
    const calm = connect(server.url, {
      random: () => 0,
      reconnect: { initialDelay: 1000, maxDelay: 30_000 },
    })
    expect((await run(calm.conn, calm.clock, 1))[0]?.delay).toBe(1000)
    const plain = connect(server.url, {
      reconnect: { initialDelay: 1000, maxDelay: 30_000, jitter: 'none' },
    })
    expect((await run(plain.conn, plain.clock, 1))[0]?.delay).toBe(1000)
  })

  it('1008 "auth failed retry-after=0ms": the close policy refuses, the hint does not overrule it', async () => {
    const server = await hostile((ws) => ws.close(1008, 'auth failed retry-after=0ms'))
    const { conn, clock } = connect(server.url, { reconnect: { initialDelay: 1000 } })
    const retries = await run(conn, clock)
    console.log(
      `[hostile server] 1008 auth failed retry-after=0ms: ${server.handshakes} handshakes`,
    )
    expect(retries).toEqual([])
    expect(server.handshakes).toBe(1)
    expect(conn.state).toBe('closed')
  })

  it('a policy that says retry for 1008 gets the hint, floored and counted', async () => {
    const server = await hostile((ws) => ws.close(1008, 'auth failed retry-after=0ms'))
    const { conn, clock } = connect(server.url, {
      reconnect: { initialDelay: 1000, maxAttempts: 2 },
      shouldReconnect: () => true,
    })
    const retries = await run(conn, clock)
    // Floored at the backoff ceiling of each attempt (1000, then 2000), plus jitter.
    expect(retries.map((r) => [r.attempt, r.delay])).toEqual([
      [1, 1500],
      [2, 2500],
    ])
    expect(server.handshakes).toBe(3)
  })

  it('a hinted retry is free only after a connection that stayed up for stableAfter', async () => {
    const server = await hostile((ws, index) => {
      // The first socket stays open; every later one is refused at once.
      if (index > 0) ws.close(1012, 'service restart retry-after=0ms')
    })
    const { conn, clock } = connect(server.url, {
      reconnect: { initialDelay: 1000, maxAttempts: 2, stableAfter: 5000 },
    })
    await new Promise((resolve) => conn.addEventListener('open', resolve, { once: true }))
    clock.increment(5000)
    // The server restarts the stable connection with a hint: that retry is free.
    const first = nextRetry(conn)
    server.sockets[0]?.close(1012, 'service restart retry-after=0ms')
    const free = await first
    expect(free?.attempt).toBe(0)
    clock.increment(free?.delay ?? 0)
    // Then the unstable sockets count: maxAttempts 2 allows two more handshakes.
    const rest = await run(conn, clock)
    expect(rest.map((r) => r.attempt)).toEqual([1, 2])
    expect(server.handshakes).toBe(4)
    expect(conn.state).toBe('closed')
  })
})

/** The hello a resume client sent as its first frame on `ws`. */
function onHello(ws: WebSocket, answer: (hello: { sid?: string; ack: number }) => void): void {
  ws.once('message', (data) => answer(JSON.parse(String(data).slice(1))))
}

describe('with resume on, a hinted loop does not replay the buffer in a loop', () => {
  it('welcome then close retry-after=0ms on every socket: replays are bounded by maxAttempts', async () => {
    const server = await hostile((ws) =>
      onHello(ws, (hello) => {
        const resumed = hello.sid === 'victim'
        ws.send(`W${JSON.stringify({ v: 1, sid: 'victim', ack: 0, resumed, replay: 0 })}`)
        ws.close(1013, 'retry-after=0ms')
      }),
    )
    const { conn, clock } = connect(server.url, {
      reconnect: { initialDelay: 1000, maxAttempts: 3 },
      resume: resume(),
    })
    for (const text of ['a', 'b', 'c']) conn.send(text)
    await run(conn, clock)
    const messages = server.frames.filter((f) => f.startsWith('M')).length
    console.log(
      `[hostile server] resume, welcome + retry-after=0ms, maxAttempts 3: ${server.handshakes} handshakes, ${messages} message frames (3 kept)`,
    )
    expect(server.handshakes).toBe(4)
    // At most the 3 kept messages per socket, never more.
    expect(messages).toBeLessThanOrEqual(4 * 3)
  })
})

const welcome = (w: Record<string, unknown>) => `W${JSON.stringify({ v: 1, ack: 0, ...w })}`

/**
 * Resolves once `check` holds, re-checked on every server frame, every connection
 * event and every 5 ms of the event loop (a wait for a condition; nothing is timed).
 */
function until(server: Hostile, conn: Connection, check: () => boolean, what: string) {
  return waitFor(check, what, 5000, (wake) => {
    const types = ['statechange', 'close', 'reset', 'resumed', 'drop', 'message'] as const
    for (const type of types) conn.addEventListener(type, wake)
    server.wake.add(wake)
    const timer = setInterval(wake, 5)
    return () => {
      clearInterval(timer)
      server.wake.delete(wake)
      for (const type of types) conn.removeEventListener(type, wake)
    }
  })
}

/** A connection with resume on, recording what its application sees. */
function resumeClient(url: string) {
  const trace: ResumeTrace[] = []
  const { conn, clock } = connect(url, {
    reconnect: { initialDelay: 1000 },
    resume: resume({ ackDelay: 0, trace: (record) => trace.push(record) }),
  })
  const seen = {
    trace,
    closes: [] as Array<[number, string]>,
    resets: [] as Array<{ session: string; lost: { sent: number; received: number | null } }>,
    resumed: [] as Array<{ session: string; replayed: { sent: number; received: number } }>,
    drops: [] as unknown[],
    errors: () =>
      trace.flatMap((r) => (r.type === 'protocol-error' ? [r.reason.replace(/ \(.*$/, '')] : [])),
  }
  conn.addEventListener('close', (e) => seen.closes.push([e.code, e.reason]))
  conn.addEventListener('reset', (e) => seen.resets.push({ session: e.session, lost: e.lost }))
  conn.addEventListener('resumed', (e) =>
    seen.resumed.push({ session: e.session, replayed: e.replayed }),
  )
  conn.addEventListener('drop', (e) => seen.drops.push(e.data))
  return { conn, clock, seen }
}

describe('the resume client validates what the server says before the app sees it', () => {
  it('an ack before the welcome is a protocol error (4200): nothing is trimmed, all is sent later', async () => {
    const server = await hostile((ws, index) =>
      onHello(ws, (hello) => {
        if (index === 0) {
          // Acknowledges the three kept messages before any welcome.
          ws.send('A3')
          ws.send(welcome({ sid: 's1', resumed: false }))
          ws.close(1001, 'going away')
          return
        }
        ws.send(welcome({ sid: hello.sid ?? 's2', resumed: hello.sid !== undefined }))
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    for (const text of ['a', 'b', 'c']) conn.send(text)
    await run(conn, clock, 1)
    const hellos = () => seen.trace.filter((r) => r.type === 'hello').length
    await until(
      server,
      conn,
      () => hellos() === 2 && sessionOf(conn)?.phase !== 'hello',
      'the second welcome',
    )
    const written = seen.trace.filter((r) => r.type === 'send').length
    await until(server, conn, () => server.frames.length === 2 + written, 'what was written')
    console.log(
      `[hostile server] ack before welcome: protocol errors ${JSON.stringify(seen.errors())}, frames ${JSON.stringify(server.frames)}, drops ${seen.drops.length}`,
    )
    expect(seen.errors()[0]).toBe('ack before the welcome')
    expect(server.frames).toEqual(['H{"v":1,"ack":0}', 'H{"v":1,"ack":0}', 'M1 a', 'M2 b', 'M3 c'])
    expect(seen.drops).toEqual([])
  })

  it("an ack beyond the last seq sent and a gap in the server's seqs are protocol errors (4200); nothing is delivered out of order", async () => {
    const server = await hostile((ws, index) =>
      onHello(ws, (hello) => {
        ws.send(welcome({ sid: 's1', resumed: hello.sid !== undefined }))
        // The client has sent nothing: an ack of 5 is beyond its last seq.
        if (index === 0) ws.send('A5')
        // The first message numbered 2: 1 is missing.
        else if (index === 1) ws.send('M2 skipped-one')
        else ws.send('M1 first')
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    const got: unknown[] = []
    conn.addEventListener('message', (e) => got.push(e.data))
    await until(server, conn, () => seen.errors().length === 1, 'the first protocol error')
    await run(conn, clock, 1)
    await until(server, conn, () => seen.errors().length === 2, 'the second protocol error')
    await run(conn, clock, 1)
    await until(server, conn, () => got.length === 1, 'the message of the third socket')
    expect(seen.errors()).toEqual(['ack 5 beyond the last seq sent', 'gap: expected 1, got 2'])
    expect(seen.closes.slice(0, 2).map(([code]) => code)).toEqual([4200, 4200])
    expect(got).toEqual(['first'])
  })

  it('out-of-range reset.lost is a protocol error, never a reset event; a valid one then passes', async () => {
    const bad: unknown[] = [-7, 1.5, '3', 2 ** 53, true, { n: 1 }]
    const server = await hostile((ws, index) =>
      onHello(ws, () => {
        if (index === 0) {
          ws.send(welcome({ sid: 'old', resumed: false }))
        } else {
          const lost = index <= bad.length ? bad[index - 1] : 2
          ws.send(welcome({ sid: `new${index}`, resumed: false, reset: { lost } }))
          if (index > bad.length) return
        }
        ws.close(1001, 'going away')
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    conn.send('kept')
    await run(conn, clock, bad.length + 1)
    await until(
      server,
      conn,
      () =>
        seen.resets.length > bad.length - 1 ||
        (sessionOf(conn)?.phase === 'ready' && server.handshakes > bad.length),
      'the last welcome',
    )
    console.log(
      `[hostile server] reset.lost out of range: resets ${JSON.stringify(seen.resets.map((r) => r.lost.received))}, protocol errors ${seen.errors().length}`,
    )
    expect(seen.resets).toEqual([
      { session: `new${bad.length + 1}`, lost: { sent: 1, received: 2 } },
    ])
    expect(seen.errors()).toEqual(bad.map(() => 'reset.lost out of range'))
    // Every refused welcome left the session alone: each later hello still asked for it.
    const hellos = server.frames.filter((f) => f.startsWith('H')).slice(1)
    expect(hellos).toEqual(hellos.map(() => 'H{"v":1,"ack":0,"sid":"old"}'))
  })

  it('reset.lost below what the session is known to have numbered and not delivered, a reset missing or unasked: protocol errors', async () => {
    // Socket by socket: what the server answers to the hello (then it closes, but for the last).
    const script: Array<{ welcome: Record<string, unknown>; frames?: string[] }> = [
      // The hello named no session: a reset there is unasked.
      { welcome: { sid: 'first', resumed: false, reset: { lost: 0 } } },
      { welcome: { sid: 'first', resumed: false } },
      // Resumed with 10 to replay; 4 arrive: the server numbered at least 10, the client has 4.
      {
        welcome: { sid: 'first', resumed: true, replay: 10 },
        frames: ['M1 a', 'M2 b', 'M3 c', 'M4 d'],
      },
      // A reset from the hello's ack 4 lost at least 6 of them: 3 is what `out` − 6 would say.
      { welcome: { sid: 'new3', resumed: false, reset: { lost: 3 } } },
      // The hello named a session and this welcome neither resumes it nor says it was reset.
      { welcome: { sid: 'new4', resumed: false } },
      { welcome: { sid: 'new5', resumed: false, reset: { lost: 6 } } },
    ]
    const server = await hostile((ws, index) =>
      onHello(ws, () => {
        const step = script[Math.min(index, script.length - 1)] as (typeof script)[number]
        ws.send(welcome(step.welcome))
        for (const frame of step.frames ?? []) ws.send(frame)
        if (index < script.length - 1) ws.close(1001, 'going away')
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    await run(conn, clock, script.length - 1)
    await until(server, conn, () => seen.resets.length > 0, 'the last welcome')
    console.log(
      `[hostile server] reset counts: resets ${JSON.stringify(seen.resets)}, protocol errors ${JSON.stringify(seen.errors())}`,
    )
    expect(seen.errors()).toEqual([
      'welcome.reset on a new session the hello did not name',
      'reset.lost out of range',
      'welcome without reset, not resuming the session the hello named',
    ])
    expect(seen.resets).toEqual([{ session: 'new5', lost: { sent: 0, received: 6 } }])
    const hellos = server.frames.filter((f) => f.startsWith('H'))
    expect(hellos.slice(3)).toEqual(hellos.slice(3).map(() => 'H{"v":1,"ack":4,"sid":"first"}'))
  })

  it('out-of-range welcome.replay is a protocol error, never a resumed event; a valid one then passes', async () => {
    const bad: unknown[] = [-1, 0.5, '3', 2 ** 53, null]
    const server = await hostile((ws, index) =>
      onHello(ws, () => {
        if (index === 0) {
          ws.send(welcome({ sid: 'same', resumed: false }))
        } else {
          const replay = index <= bad.length ? bad[index - 1] : 0
          ws.send(welcome({ sid: 'same', resumed: true, replay }))
          if (index > bad.length) return
        }
        ws.close(1001, 'going away')
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    await run(conn, clock, bad.length + 1)
    await until(
      server,
      conn,
      () =>
        seen.resumed.length > bad.length - 1 ||
        (sessionOf(conn)?.phase === 'ready' && server.handshakes > bad.length),
      'the last welcome',
    )
    console.log(
      `[hostile server] welcome.replay out of range: resumed ${JSON.stringify(seen.resumed.map((r) => r.replayed.received))}, protocol errors ${seen.errors().length}`,
    )
    expect(seen.resumed).toEqual([{ session: 'same', replayed: { sent: 0, received: 0 } }])
    expect(seen.errors()).toEqual(bad.map(() => 'welcome.replay out of range'))
  })
})

describe("the resume client's buffer counts a per-message overhead", () => {
  it('1,000,000 empty messages to a server that never welcomes: maxBytes 1024 keeps 16, drops the rest', async () => {
    // Never answers the hello, so nothing is written and nothing acknowledged.
    const server = await hostile(() => undefined)
    const { conn } = connect(server.url, { resume: resume({ maxBytes: 1024 }) })
    let drops = 0
    conn.addEventListener('drop', (e) => {
      if (e.reason === 'resume-buffer-full') drops++
    })
    await until(server, conn, () => server.frames.length === 1, 'the hello')
    let accepted = 0
    for (let i = 0; i < 1_000_000; i++) if (conn.send('')) accepted++
    const held = sessionOf(conn)
    console.log(
      `[hostile server] 1,000,000 empty messages, maxBytes 1024: ${accepted} kept (${held?.bufferedBytes} bytes counted), ${drops} drops`,
    )
    expect(accepted).toBe(16) // 1024 / MESSAGE_OVERHEAD (64)
    expect(held).toMatchObject({ buffered: 16, bufferedBytes: 1024 })
    expect(drops).toBe(1_000_000 - 16)
  })

  it('counts each message as its payload plus MESSAGE_OVERHEAD', async () => {
    const server = await hostile(() => undefined)
    const { conn } = connect(server.url, {
      resume: resume({ maxBytes: 2 * MESSAGE_OVERHEAD + 10 }),
    })
    await until(server, conn, () => server.frames.length === 1, 'the hello')
    expect(conn.send('123456')).toBe(true)
    expect(sessionOf(conn)?.bufferedBytes).toBe(MESSAGE_OVERHEAD + 6)
    expect(conn.send(new Uint8Array(5))).toBe(false) // 70 + 69 > 138
    expect(conn.send(new Uint8Array(4))).toBe(true)
    expect(sessionOf(conn)).toMatchObject({
      buffered: 2,
      bufferedBytes: 2 * MESSAGE_OVERHEAD + 10,
    })
  })
})

describe('the resume client refuses a welcome that does not fit its session', () => {
  // After a first, valid welcome (session "first"), each later socket answers the
  // hello with one of these; the last socket welcomes validly (resumed).
  const bad: Array<[string, Record<string, unknown>]> = [
    ['a 10,000-character sid', { sid: 'x'.repeat(10_000), resumed: false }],
    ['a sid with a space', { sid: 'a b', resumed: false }],
    ['resumed as a string', { sid: 'first', resumed: 'yes' }],
    ['a reset with ack 5', { sid: 'other', resumed: false, ack: 5, reset: { lost: 0 } }],
    ['a reset to the same sid', { sid: 'first', resumed: false, reset: { lost: 0 } }],
    ['resumed and reset at once', { sid: 'first', resumed: true, reset: { lost: 1 } }],
    ['reset as a number', { sid: 'other', resumed: false, reset: 5 }],
    ['an array', [1, 2, 3] as unknown as Record<string, unknown>],
  ]

  it('each is a protocol error; the session is kept and asked for again', async () => {
    const server = await hostile((ws, index) =>
      onHello(ws, () => {
        const frame =
          index === 0
            ? { v: 1, ack: 0, sid: 'first', resumed: false }
            : index <= bad.length
              ? (bad[index - 1] as [string, Record<string, unknown>])[1]
              : { v: 1, ack: 0, sid: 'first', resumed: true, replay: 0 }
        ws.send(`W${JSON.stringify(Array.isArray(frame) ? frame : { v: 1, ack: 0, ...frame })}`)
        if (index === 0 || index <= bad.length) ws.close(1001, 'going away')
      }),
    )
    const { conn, clock, seen } = resumeClient(server.url)
    await run(conn, clock, bad.length + 1)
    await until(server, conn, () => seen.resumed.length + seen.resets.length > 0, 'a welcome')
    const errors = seen.errors()
    console.log(
      `[hostile server] bad welcomes: ${errors.length} protocol errors, resets ${seen.resets.length}, resumed ${seen.resumed.length}, session ${JSON.stringify(sessionOf(conn)?.id?.slice(0, 12))}`,
    )
    expect(errors).toHaveLength(bad.length)
    expect(seen.resets).toEqual([])
    expect(seen.resumed).toEqual([{ session: 'first', replayed: { sent: 0, received: 0 } }])
    const hellos = server.frames.filter((f) => f.startsWith('H')).slice(1)
    expect(hellos).toEqual(hellos.map(() => 'H{"v":1,"ack":0,"sid":"first"}'))
    // Every close reason the client sent fits a close frame.
    for (const [, reason] of seen.closes) expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123)
  })
})
