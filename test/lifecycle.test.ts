/**
 * Network changes, sleep and late timers, and url/protocols providers, in Node:
 * real `ws` servers on port 0, XState's SimulatedClock for every timer, and plain
 * EventTargets standing in for `window` and `document`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type AttemptInfo, type Connection, createConnection } from '../src/index.js'
import {
  type ControlledServer,
  CountingTarget,
  nextEvent,
  reach,
  SkewableClock,
  startControlledServer,
  WebSocket,
} from './helpers/controlled-server.js'
import { refusingServer } from './helpers/refusing.js'

let server: ControlledServer
let conn: Connection | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  conn?.close()
  conn = undefined
  await server?.close()
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function targets() {
  const win = new CountingTarget()
  const doc = new CountingTarget()
  return { win, doc, lifecycle: { window: win, document: doc } }
}

/**
 * The stranded sequence: open, offline, close(), the network back while the
 * connection is closed (nobody listens), then reconnect() while the server is
 * briefly down; the retry must still believe it is online and recover. `nav` is
 * the window's navigator (kept in step with the events), or undefined for a
 * window stand-in without one.
 */
async function recoversAfterOfflineClose(nav: { onLine: boolean } | undefined) {
  server = await startControlledServer()
  const clock = new SimulatedClock()
  const { win, lifecycle } = targets()
  if (nav) Object.assign(win, { navigator: nav })
  let serverDown = false
  const down = await refusingServer()
  cleanups.push(() => down.close())
  const c = createConnection(() => (serverDown ? down.url : server.url), {
    WebSocket,
    clock,
    lifecycle,
    heartbeat: false,
    reconnect: { initialDelay: 100, jitter: 'none' },
  })
  conn = c
  await nextEvent(c, 'open')
  if (nav) nav.onLine = false
  win.dispatchEvent(new Event('offline'))
  c.close()
  await reach(c, 'closed')
  // The network comes back while the connection is closed (nobody listens).
  if (nav) nav.onLine = true
  win.dispatchEvent(new Event('online'))
  // The app asks for a connection while the server is briefly down.
  serverDown = true
  c.reconnect()
  const retry = await nextEvent(c, 'reconnecting')
  expect(c.state).toBe('waitingToReconnect')
  expect(c.actor.getSnapshot().context.online).toBe(true)
  serverDown = false
  // Within the backoff bound: the timer fires and starts the attempt.
  clock.increment(retry.delay)
  await nextEvent(c, 'open')
  expect(server.connections).toBe(2)
}

describe('offline and online', () => {
  it('offline while open probes at once instead of waiting out the interval', async () => {
    server = await startControlledServer()
    const { win, lifecycle } = targets()
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      lifecycle,
      heartbeat: { interval: 60_000, timeout: 5000 },
    })
    await nextEvent(conn, 'open')
    win.dispatchEvent(new Event('offline'))
    expect(conn.state).toBe('awaitingPong')
    await server.when(() => server.pings === 1, 'the probe ping')
    await reach(conn, 'open') // the server answered: the link is fine
  })

  it('online while open probes at once as well (the route may have changed)', async () => {
    server = await startControlledServer()
    const { win, lifecycle } = targets()
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      lifecycle,
      heartbeat: { interval: 60_000, timeout: 5000 },
    })
    await nextEvent(conn, 'open')
    win.dispatchEvent(new Event('online'))
    expect(conn.state).toBe('awaitingPong')
  })

  it('while offline the backoff is paused, not spent; online attempts at once', async () => {
    server = await startControlledServer()
    const { win, lifecycle } = targets()
    const clock = new SimulatedClock()
    const calls: AttemptInfo[] = []
    conn = createConnection(
      (info) => {
        calls.push(info)
        return server.url
      },
      {
        WebSocket,
        clock,
        lifecycle,
        heartbeat: false,
        reconnect: { initialDelay: 1000, jitter: 'none' },
      },
    )
    await nextEvent(conn, 'open')
    win.dispatchEvent(new Event('offline'))
    for (const client of server.clients()) client.terminate()
    await reach(conn, 'waitingToReconnect')
    clock.increment(10 * 60_000) // far past the 1000 ms delay
    expect(conn.state).toBe('waitingToReconnect')
    expect(conn.actor.getSnapshot().context.online).toBe(false)
    expect(calls).toHaveLength(1)
    win.dispatchEvent(new Event('online'))
    expect(conn.state).toBe('connecting')
    await nextEvent(conn, 'open')
    expect(calls[1]).toEqual({ attempt: 1, reason: 'network' })
    expect(server.connections).toBe(2)
  })

  it('online skips the rest of a long backoff', async () => {
    server = await startControlledServer()
    server.onConnection = (ws) => {
      if (server.connections === 1) ws.close(1012)
    }
    const { win, lifecycle } = targets()
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      lifecycle,
      heartbeat: false,
      reconnect: { initialDelay: 3_600_000, jitter: 'none' },
    })
    await nextEvent(conn, 'reconnecting')
    win.dispatchEvent(new Event('online'))
    await nextEvent(conn, 'open')
    expect(conn.metrics.history.map((a) => a.reason)).toEqual(['initial', 'network'])
  })

  it('listeners are removed when the connection closes for good, and come back on reconnect()', async () => {
    server = await startControlledServer()
    const { win, doc, lifecycle } = targets()
    conn = createConnection(server.url, { WebSocket, clock: new SimulatedClock(), lifecycle })
    expect(win.types).toEqual(['offline', 'online', 'pageshow'])
    expect(doc.types).toEqual(['resume', 'visibilitychange'])
    await nextEvent(conn, 'open')
    conn.close()
    await reach(conn, 'closed')
    expect(win.types).toEqual([])
    expect(doc.types).toEqual([])
    conn.reconnect()
    expect(win.types).toEqual(['offline', 'online', 'pageshow'])
    expect(doc.types).toEqual(['resume', 'visibilitychange'])
    conn.close()
    await reach(conn, 'closed')
    expect([...win.types, ...doc.types]).toEqual([])
  })

  it('regression: offline, close(), back online while closed, reconnect() while the server is down: the connection still recovers', () =>
    // A window with its own navigator, as a page's has: the lifecycle actor reads
    // `navigator.onLine` when it starts.
    recoversAfterOfflineClose({ onLine: true }))

  it('regression: the same with a window stand-in that has no navigator (Node, Electron main, React Native): the connection still recovers', () =>
    // A plain EventTarget as the window: only its events tell the network's state,
    // and nobody hears them while the connection is closed.
    recoversAfterOfflineClose(undefined))

  it('offline heard while the connection listens is still believed after reconnect() (no navigator to ask)', async () => {
    server = await startControlledServer()
    const clock = new SimulatedClock()
    const { win, lifecycle } = targets()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      lifecycle,
      heartbeat: false,
      reconnect: { initialDelay: 100, jitter: 'none' },
    })
    await nextEvent(conn, 'open')
    win.dispatchEvent(new Event('offline'))
    conn.reconnect()
    // Heard while listening, never contradicted: the belief stands.
    expect(conn.actor.getSnapshot().context.online).toBe(false)
  })

  it('a connection that gives up removes its listeners too', async () => {
    server = await startControlledServer()
    server.onConnection = (ws) => ws.close(1008)
    const { win, doc, lifecycle } = targets()
    conn = createConnection(server.url, { WebSocket, clock: new SimulatedClock(), lifecycle })
    await reach(conn, 'closed')
    expect([...win.types, ...doc.types]).toEqual([])
  })

  it('lifecycle: false listens to nothing; bad targets are refused by name', () => {
    expect(() =>
      createConnection('ws://127.0.0.1:9/', {
        WebSocket,
        lifecycle: { window: {} as EventTarget },
      }),
    ).toThrow(/lifecycle\.window.*EventTarget.*an object/)
    expect(() =>
      createConnection('ws://127.0.0.1:9/', { WebSocket, lifecycle: 'yes' as never }),
    ).toThrow(/`lifecycle` must be false/)
  })
})

describe('resume, sleep and late timers', () => {
  for (const [label, fire] of [
    [
      'visibilitychange to visible',
      (t: ReturnType<typeof targets>) => t.doc.dispatchEvent(new Event('visibilitychange')),
    ],
    ['resume', (t: ReturnType<typeof targets>) => t.doc.dispatchEvent(new Event('resume'))],
    [
      'pageshow from the back/forward cache',
      (t: ReturnType<typeof targets>) =>
        t.win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })),
    ],
  ] as const) {
    it(`${label} checks liveness at once`, async () => {
      server = await startControlledServer()
      const t = targets()
      conn = createConnection(server.url, {
        WebSocket,
        clock: new SimulatedClock(),
        lifecycle: t.lifecycle,
        heartbeat: { interval: 60_000, timeout: 5000 },
      })
      await nextEvent(conn, 'open')
      fire(t)
      expect(conn.state).toBe('awaitingPong')
      await server.when(() => server.pings === 1, 'the probe ping')
    })
  }

  it('a hidden page or a fresh pageshow does not probe', async () => {
    server = await startControlledServer()
    const t = targets()
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      lifecycle: t.lifecycle,
      heartbeat: { interval: 60_000, timeout: 5000 },
    })
    await nextEvent(conn, 'open')
    t.doc.visibilityState = 'hidden'
    t.doc.dispatchEvent(new Event('visibilitychange'))
    t.win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }))
    expect(conn.state).toBe('open')
  })

  it('a pong deadline that fires long after it was due (sleep) probes again instead of closing', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
    })
    const closes: unknown[] = []
    conn.addEventListener('close', (e) => closes.push(e))
    await nextEvent(conn, 'open')
    clock.increment(1000)
    expect(conn.state).toBe('awaitingPong')
    await server.when(() => server.pings === 1, 'the first ping')
    // The machine sleeps for a minute: every timer fires at once on wake-up, before
    // the socket has had a chance to read what arrived meanwhile.
    server.answerPings = true
    clock.increment(60_000)
    expect(conn.state).toBe('awaitingPong')
    await server.when(() => server.pings === 2, 'the second probe')
    await reach(conn, 'open')
    expect(closes).toEqual([])
    expect(server.connections).toBe(1)
  })

  it('a pong deadline that fires on time still closes a dead link', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
    })
    await nextEvent(conn, 'open')
    clock.increment(1000)
    await server.when(() => server.pings === 1, 'the ping')
    const close = nextEvent(conn, 'close')
    clock.increment(1000)
    expect(conn.state).toBe('closing')
    expect((await close).cause).toBe('heartbeat-timeout')
  })

  it('a late deadline is not mistaken for a dead link when traffic arrived after the ping', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
    })
    await nextEvent(conn, 'open')
    clock.increment(1000)
    await server.when(() => server.pings === 1, 'the ping')
    // Data (not a pong) arrives during the sleep; it proves the link.
    const message = nextEvent(conn, 'message')
    for (const client of server.clients()) client.send('news')
    await message
    clock.increment(60_000)
    expect(conn.state).not.toBe('closing')
    expect(conn.metrics.lastClose).toBeNull()
  })

  it('a clock jump while open (sleep) pings at once on wake-up', async () => {
    server = await startControlledServer()
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 5000, timeout: 1000 },
    })
    await nextEvent(conn, 'open')
    clock.increment(3_600_000)
    expect(conn.state).toBe('awaitingPong')
    await server.when(() => server.pings === 1, 'the wake-up ping')
    await reach(conn, 'open')
  })

  it('never sends app data once the pong deadline has passed: it waits for the probe', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SkewableClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
    })
    await nextEvent(conn, 'open')
    clock.increment(1000)
    await server.when(() => server.pings === 1, 'the ping')
    expect(conn.send('before the deadline')).toBe(true)
    await server.when(() => server.received.length === 1, 'the first message')
    // The clock passes the deadline but the timer has not run (a frozen page).
    clock.skew(5000)
    server.answerPings = true
    expect(conn.send('after the deadline')).toBe(true)
    expect(conn.queued).toBe(1)
    expect(conn.send('and another')).toBe(true)
    expect(conn.queued).toBe(2)
    await server.when(() => server.pings === 2, 'the fresh probe')
    await server.when(() => server.received.length === 3, 'the held messages')
    expect(server.received).toEqual(['before the deadline', 'after the deadline', 'and another'])
    expect(conn.state).toBe('open')
    expect(server.connections).toBe(1)
  })

  it('a deadline just passed ends the link; the held message goes out on the next one', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SkewableClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
      reconnect: { initialDelay: 100, jitter: 'none' },
    })
    await nextEvent(conn, 'open')
    clock.increment(1000)
    await server.when(() => server.pings === 1, 'the ping')
    clock.skew(1200)
    expect(conn.send('held')).toBe(true)
    expect(conn.state).toBe('closing')
    await reach(conn, 'waitingToReconnect')
    expect(server.received).toEqual([])
    clock.increment(100)
    await nextEvent(conn, 'open')
    await server.when(() => server.received.length === 1, 'the held message')
    expect(server.received).toEqual(['held'])
  })
})

describe('url and protocols providers', () => {
  it('are called with { attempt, reason } for every kind of attempt', async () => {
    server = await startControlledServer()
    const { win, lifecycle } = targets()
    const clock = new SimulatedClock()
    const urls: AttemptInfo[] = []
    const protocols: AttemptInfo[] = []
    conn = createConnection(
      async (info) => {
        urls.push(info)
        return server.url
      },
      {
        WebSocket,
        clock,
        lifecycle,
        protocols: (info) => {
          protocols.push(info)
          return ['v1']
        },
        heartbeat: { interval: 1000, timeout: 1000 },
        reconnect: { initialDelay: 100, jitter: 'none', factor: 1 },
      },
    )
    await nextEvent(conn, 'open')
    // server-close
    for (const client of server.clients()) client.close(1001)
    await nextEvent(conn, 'reconnecting')
    clock.increment(100)
    await nextEvent(conn, 'open')
    // heartbeat-timeout
    server.answerPings = false
    clock.increment(1000)
    clock.increment(1000)
    await reach(conn, 'waitingToReconnect')
    server.answerPings = true
    clock.increment(100)
    await nextEvent(conn, 'open')
    // manual
    conn.reconnect()
    await nextEvent(conn, 'open')
    // network
    for (const client of server.clients()) client.terminate()
    await reach(conn, 'waitingToReconnect')
    win.dispatchEvent(new Event('online'))
    await nextEvent(conn, 'open')
    expect(urls.map((u) => u.reason)).toEqual([
      'initial',
      'server-close',
      'heartbeat-timeout',
      'manual',
      'network',
    ])
    expect(protocols).toEqual(urls)
    expect(urls.map((u) => u.attempt)).toEqual([0, 1, 2, 0, 1])
  })

  it('reason connect-timeout after an attempt that never opened', async () => {
    // A TCP server that accepts and never answers the handshake.
    const { createServer } = await import('node:net')
    const sockets: import('node:net').Socket[] = []
    let accepted: () => void = () => undefined
    const tcpConnected = new Promise<void>((resolve) => {
      accepted = resolve
    })
    const tcp = createServer((s) => {
      sockets.push(s)
      accepted()
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    const port = (tcp.address() as import('node:net').AddressInfo).port
    server = await startControlledServer()
    const clock = new SimulatedClock()
    const calls: AttemptInfo[] = []
    conn = createConnection(
      (info) => {
        calls.push(info)
        return info.attempt === 0 ? `ws://127.0.0.1:${port}/` : server.url
      },
      { WebSocket, clock, connectTimeout: 500, reconnect: { initialDelay: 10, jitter: 'none' } },
    )
    await tcpConnected
    clock.increment(500)
    await reach(conn, 'waitingToReconnect')
    clock.increment(10)
    await nextEvent(conn, 'open')
    expect(calls).toEqual([
      { attempt: 0, reason: 'initial' },
      { attempt: 1, reason: 'connect-timeout' },
    ])
    expect(conn.metrics.history.map((a) => a.outcome)).toEqual(['connect-timeout', 'open'])
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => tcp.close(resolve))
  })

  for (const [label, options] of [
    [
      'a rejecting url function',
      (url: string, boom: Error) => ({
        url: async (info: AttemptInfo) => {
          if (info.attempt === 0) throw boom
          return url
        },
        protocols: undefined,
      }),
    ],
    [
      'a throwing url function',
      (url: string, boom: Error) => ({
        url: (info: AttemptInfo) => {
          if (info.attempt === 0) throw boom
          return url
        },
        protocols: undefined,
      }),
    ],
    [
      'a rejecting protocols function',
      (url: string, boom: Error) => ({
        url,
        protocols: async (info: AttemptInfo) => {
          if (info.attempt === 0) throw boom
          return 'v1'
        },
      }),
    ],
  ] as const) {
    it(`${label} is a failed attempt: an error event, then backoff, no unhandled rejection`, async () => {
      server = await startControlledServer()
      const boom = new Error('token service down')
      const unhandled: unknown[] = []
      const onUnhandled = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', onUnhandled)
      try {
        const clock = new SimulatedClock()
        const reasons: string[] = []
        const o = options(server.url, boom)
        conn = createConnection(
          (info) => {
            reasons.push(info.reason)
            return typeof o.url === 'function' ? o.url(info) : o.url
          },
          {
            WebSocket,
            clock,
            ...(o.protocols ? { protocols: o.protocols } : {}),
            reconnect: { initialDelay: 200, jitter: 'none' },
          },
        )
        const [error, retry] = await Promise.all([
          nextEvent(conn, 'error'),
          nextEvent(conn, 'reconnecting'),
        ])
        expect(error.error).toBe(boom)
        expect(retry.delay).toBe(200)
        expect(conn.state).toBe('waitingToReconnect')
        clock.increment(200)
        await nextEvent(conn, 'open')
        expect(reasons).toEqual(['initial', 'error'])
        expect(conn.metrics.lastError?.error).toBe(boom)
        await new Promise((resolve) => setImmediate(resolve))
        expect(unhandled).toEqual([])
      } finally {
        process.off('unhandledRejection', onUnhandled)
      }
    })
  }
})
