/**
 * The fault matrix, in Node, with `ws` as the client implementation. Each case
 * runs the controller against real servers and real faults (a killed or frozen
 * server process, a black-holing proxy, scripted handshakes) and checks:
 * the sequence of states; never two live sockets (the recorder); messages sent
 * during the fault delivered after recovery in order and exactly once, or
 * reported by `drop`; no unhandled error or rejection; and nothing left behind
 * after `close()` (no controller timer, every socket closed, handle counts back).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import { type Connection, type ConnectionOptions, createConnection } from '../src/index.js'
import { DETECTED, DROPPED, END, OUTAGE, path } from './harness/paths.js'
import { FaultProxy } from './harness/proxy.js'
import { CountingClock, type RecorderOptions, SocketRecorder } from './harness/recorder.js'
import { ServerProcess } from './harness/server-process.js'
import { UpgradeServer } from './harness/upgrade-server.js'
import { Watch } from './harness/watch.js'

const problems: unknown[] = []
const onProblem = (error: unknown) => problems.push(error)
beforeAll(() => {
  process.on('unhandledRejection', onProblem)
  process.on('uncaughtException', onProblem)
})
afterAll(() => {
  process.off('unhandledRejection', onProblem)
  process.off('uncaughtException', onProblem)
})

/** Run after each test even when it failed, last registered first. */
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  problems.length = 0
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serverProcess(): Promise<ServerProcess> {
  const server = new ServerProcess()
  cleanups.push(() => server.kill())
  return server.start()
}
async function proxyTo(port: number): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(port)
  cleanups.push(() => proxy.close())
  return proxy
}
async function upgradeServer(): Promise<UpgradeServer> {
  const server = await UpgradeServer.start()
  cleanups.push(() => server.close())
  return server
}

type Handles = { sockets: number; timers: number }
function handles(): Handles {
  const info = process.getActiveResourcesInfo()
  return {
    sockets: info.filter((t) => t === 'TCPSocketWrap').length,
    timers: info.filter((t) => t === 'Timeout').length,
  }
}
/** Waits (yielding to the event loop, no fixed sleep) until the handle counts are back. */
async function handlesBackTo(baseline: Handles, timeout = 3000): Promise<void> {
  const deadline = performance.now() + timeout
  let now = handles()
  while (
    (now.sockets > baseline.sockets || now.timers > baseline.timers) &&
    performance.now() < deadline
  ) {
    await new Promise((resolve) => setImmediate(resolve))
    now = handles()
  }
  expect(now.sockets).toBeLessThanOrEqual(baseline.sockets)
  expect(now.timers).toBeLessThanOrEqual(baseline.timers)
}

interface Harness {
  conn: Connection
  rec: SocketRecorder
  watch: Watch
  clock: CountingClock | SimulatedClock
  baseline: Handles
}

const FAST: ConnectionOptions = {
  heartbeat: { interval: 1000, timeout: 1000 },
  reconnect: { initialDelay: 20, maxDelay: 100 },
  connectTimeout: 2000,
  closeTimeout: 150,
}

function connect(
  url: string,
  options: ConnectionOptions = {},
  recorderOptions: RecorderOptions = {},
): Harness {
  const baseline = handles()
  const rec = new SocketRecorder(WebSocket as never, recorderOptions)
  const clock = (options.clock as SimulatedClock | undefined) ?? new CountingClock()
  const conn = createConnection(url, { ...FAST, ...options, WebSocket: rec.WebSocket, clock })
  const watch = new Watch(conn)
  cleanups.push(() => conn.close())
  return { conn, rec, watch, clock, baseline }
}

/**
 * `close()`, then everything the matrix asks of the end: `closed`, no controller
 * timer pending, every socket closed, never two live sockets, no unhandled
 * error, and (once the servers are gone) no socket or timer handle left.
 */
async function closeAndCheck(h: Harness, stopServers: () => Promise<unknown>): Promise<void> {
  h.conn.close()
  await h.watch.waitFor(() => h.conn.state === 'closed', 'closed after close()')
  await h.rec.waitFor(() => h.rec.allClosed, 'every socket closed')
  const pending =
    h.clock instanceof CountingClock
      ? h.clock.pending
      : (h.clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size
  expect(pending, 'controller timers pending after close()').toBe(0)
  expect(h.rec.violations).toEqual([])
  expect(h.rec.maxLive).toBeLessThanOrEqual(1)
  expect(problems).toEqual([])
  await stopServers()
  await handlesBackTo(h.baseline)
}

/** Sends `prefix1…prefixN` and checks each was queued (not written to a socket). */
function sendQueued(conn: Connection, prefix: string, n: number): string[] {
  const sent: string[] = []
  for (let i = 1; i <= n; i++) {
    const before = conn.queued
    expect(conn.send(`${prefix}${i}`)).toBe(true)
    expect(conn.queued, `${prefix}${i} queued in state ${conn.state}`).toBe(before + 1)
    sent.push(`${prefix}${i}`)
  }
  return sent
}

/** When the connection first leaves `open`, queue `n` messages at once (during the fault). */
function queueOnFault(h: Harness, prefix: string, n: number): string[] {
  const sent: string[] = []
  const onChange = (e: { from: string; to: string }) => {
    const wasUp = e.from === 'open' || e.from === 'awaitingPong'
    const isUp = e.to === 'open' || e.to === 'awaitingPong'
    if (!wasUp || isUp) return
    h.conn.removeEventListener('statechange', onChange)
    sent.push(...sendQueued(h.conn, prefix, n))
  }
  h.conn.addEventListener('statechange', onChange)
  return sent
}

describe('fault matrix (Node, ws client)', () => {
  it('1. server killed (TCP reset): reconnects once it is back, queued messages delivered once', async () => {
    const server = await serverProcess()
    const h = connect(server.url)
    await h.watch.next('open')
    h.conn.send('before')
    await server.waitFor(() => server.messages.includes('before'), 'before delivered')

    const queued = queueOnFault(h, 'q', 5)
    const port = server.port
    await server.kill()
    // Wait for at least one refused attempt before the server comes back.
    await h.watch.waitFor(
      () =>
        h.watch.states.filter((s) => s === 'connecting').length >= 2 &&
        h.conn.state !== 'connecting',
      'a refused attempt',
    )
    expect(queued).toHaveLength(5)
    await server.start(port)
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length === 6, 'queued messages delivered')
    expect(server.messages).toEqual(['before', ...queued])
    expect(
      server.records.filter((r) => r.type === 'message' && r.run === 2).map((r) => r.data),
    ).toEqual(queued)
    expect(h.watch.closes[0]).toMatchObject({ code: 1006, wasClean: false, willReconnect: true })
    expect(h.watch.drops).toEqual([])

    await closeAndCheck(h, () => server.kill())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting ', DROPPED, OUTAGE, 'connecting ', END),
    )
  })

  it('2. graceful server close with 1001 and 1012: reconnects, queued messages delivered once', async () => {
    const server = await serverProcess()
    const h = connect(server.url)
    await h.watch.next('open')
    const batches: string[][] = []
    for (const code of [1001, 1012]) {
      batches.push(queueOnFault(h, `c${code}-`, 3))
      const reopened = h.watch.next('open')
      await server.command({ cmd: 'close', code, reason: `bye ${code}` })
      await reopened
    }
    await server.waitFor(() => server.messages.length === 6, 'queued messages delivered')
    expect(server.messages).toEqual(batches.flat())
    expect(h.watch.closes.map((c) => [c.code, c.reason, c.wasClean, c.willReconnect])).toEqual([
      [1001, 'bye 1001', true, true],
      [1012, 'bye 1012', true, true],
    ])
    await closeAndCheck(h, () => server.kill())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting ', DROPPED, 'connecting ', DROPPED, 'connecting ', END),
    )
  })

  it('3. server frozen (SIGSTOP, TCP still up): the heartbeat detects it, recovery after SIGCONT', async () => {
    const server = await serverProcess()
    const h = connect(server.url, {
      heartbeat: { interval: 150, timeout: 300 },
      connectTimeout: 500,
    })
    await h.watch.next('open')
    const queued = queueOnFault(h, 'f', 5)
    server.freeze()
    // Detected by the heartbeat, the dead socket abandoned, and at least one
    // attempt that the frozen server never answered.
    await h.watch.waitFor(
      () => h.watch.changes.some((c) => c.event === 'timer.connect'),
      'an attempt timed out against the frozen server',
    )
    server.thaw()
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length >= 5, 'queued messages delivered')
    expect(server.messages).toEqual(queued)
    expect(h.watch.closes[0], h.watch.path).toMatchObject({
      cause: 'heartbeat-timeout',
      willReconnect: true,
    })

    await closeAndCheck(h, () => server.kill())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting ', DETECTED, OUTAGE, 'connecting ', END),
    )
  })

  it('4. proxy black-hole in the middle of a message stream: nothing duplicated, nothing queued lost', async () => {
    const server = await serverProcess()
    await server.command({ cmd: 'stream', every: 10 })
    const proxy = await proxyTo(server.port)
    const h = connect(proxy.url, {
      heartbeat: { interval: 150, timeout: 300 },
      connectTimeout: 500,
    })
    await h.watch.next('open')
    let ticks = 0
    h.conn.addEventListener('message', () => ticks++)
    await h.watch.waitFor(() => ticks >= 5, 'the server stream flowing')

    // The client streams too: every message is classified as written to a socket or queued.
    const written: string[] = []
    const queued: string[] = []
    let n = 0
    const pump = setInterval(() => {
      const data = `m${n++}`
      const before = h.conn.queued
      expect(h.conn.send(data)).toBe(true)
      ;(h.conn.queued > before ? queued : written).push(data)
    }, 5)
    cleanups.push(() => clearInterval(pump))
    await server.waitFor(() => server.messages.length >= 5, 'client stream flowing')

    proxy.setMode('black-hole')
    await h.watch.waitFor(
      () => h.watch.changes.some((c) => c.event === 'timer.connect'),
      'an attempt through the black hole timed out',
    )
    proxy.setMode('pass')
    await h.watch.next('open')
    const ticksAfter = ticks
    await h.watch.waitFor(() => ticks >= ticksAfter + 5, 'the stream flowing again')
    await server.waitFor(
      () => written.length > 0 && server.messages.includes(written.at(-1) as string),
      'stream after recovery',
    )
    clearInterval(pump)

    const received = server.messages
    const index = (m: string) => Number(m.slice(1))
    // In order and never twice.
    for (let i = 1; i < received.length; i++) {
      expect(index(received[i] as string)).toBeGreaterThan(index(received[i - 1] as string))
    }
    // Every message queued during the fault arrived.
    expect(queued.length).toBeGreaterThan(0)
    expect(queued.filter((m) => !received.includes(m))).toEqual([])
    // Only messages written to the black-holed socket before the fault was detected may be missing.
    const lost = written.filter((m) => !received.includes(m))
    const firstQueued = index(queued[0] as string)
    expect(lost.every((m) => index(m) < firstQueued)).toBe(true)
    expect(h.watch.closes[0], h.watch.path).toMatchObject({ cause: 'heartbeat-timeout' })

    await closeAndCheck(h, async () => {
      await proxy.close()
      await server.kill()
    })
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting ', DETECTED, OUTAGE, 'connecting ', END),
    )
  })

  it('5. handshake answered 401 and 503: retried with backoff, then queued messages delivered', async () => {
    const server = await upgradeServer()
    server.script.push({ refuse: 401 }, { refuse: 503 })
    const h = connect(server.url)
    const queued = sendQueued(h.conn, 'h', 3)
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(queued)
    expect(h.watch.errors.map((e) => String((e as Error).message))).toEqual([
      expect.stringContaining('401'),
      expect.stringContaining('503'),
    ])
    expect(h.watch.reconnecting.map((r) => r.attempt)).toEqual([1, 2])
    await closeAndCheck(h, () => server.close())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting closing waitingToReconnect '.repeat(2), 'connecting ', END),
    )
  })

  it('6. TCP accepted but no HTTP answer: connectTimeout abandons the attempt', async () => {
    const server = await upgradeServer()
    server.script.push('silent', 'silent')
    const h = connect(server.url, { connectTimeout: 400 })
    const queued = sendQueued(h.conn, 's', 3)
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(queued)
    expect(h.watch.closes.map((c) => c.cause)).toEqual(['connect-timeout', 'connect-timeout'])
    expect(h.rec.sockets).toHaveLength(3)
    await closeAndCheck(h, () => server.close())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting waitingToReconnect '.repeat(2), 'connecting ', END),
    )
  })

  it('7. the server sends an invalid frame: the client fails it with 1002 and reconnects', async () => {
    const server = await upgradeServer()
    server.script.push('invalid-frame')
    const h = connect(server.url)
    // The bad frame follows the handshake at once: listen before the first open.
    const queued = queueOnFault(h, 'i', 3)
    await h.watch.waitFor(() => h.watch.opens === 2, 'open again')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(queued)
    await server.waitFor(() => server.rawCloseCodes.length === 1, 'the client close frame')
    expect(server.rawCloseCodes).toEqual([1002])
    expect(h.watch.errors).toHaveLength(1)
    await closeAndCheck(h, () => server.close())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting open (?:closing )?waitingToReconnect connecting ', END),
    )
  })

  it('8. flapping: 200 accept-then-close cycles never reset the attempt counter, delays grow', async () => {
    const server = await upgradeServer()
    server.otherwise = { acceptThenClose: 1011 }
    const clock = new SimulatedClock()
    const policy = {
      initialDelay: 10,
      factor: 2,
      maxDelay: 60_000,
      jitter: 'none',
      stableAfter: 1000,
    }
    const h = connect(server.url, {
      clock,
      heartbeat: false,
      reconnect: { ...policy, jitter: 'none' },
    })
    const CYCLES = 200
    // Each open lasts just under stableAfter on the clock before the server's close arrives.
    h.conn.addEventListener('statechange', (e) => {
      if (e.to === 'open') queueMicrotask(() => clock.increment(policy.stableAfter - 1))
    })
    h.conn.addEventListener('reconnecting', (e) => {
      if (e.attempt === CYCLES) server.otherwise = 'accept'
      setImmediate(() => clock.increment(e.delay))
    })
    await h.watch.waitFor(
      () => h.watch.reconnecting.length === CYCLES && h.conn.state === 'open',
      'the last cycle',
      30_000,
    )
    const attempts = h.watch.reconnecting.map((r) => r.attempt)
    const delays = h.watch.reconnecting.map((r) => r.delay)
    expect(attempts).toEqual(Array.from({ length: CYCLES }, (_, i) => i + 1))
    expect(delays).toEqual(
      attempts.map((a) =>
        Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** (a - 1)),
      ),
    )
    for (let i = 1; i < delays.length; i++) {
      expect(delays[i] as number).toBeGreaterThanOrEqual(delays[i - 1] as number)
    }
    expect(delays.at(-1)).toBe(policy.maxDelay)
    expect(h.rec.sockets).toHaveLength(CYCLES + 1)

    // A connection that does stay up for stableAfter resets the counter.
    clock.increment(1)
    for (const ws of server.clients) ws.close(1011, 'one more')
    await h.watch.waitFor(() => h.watch.reconnecting.length === CYCLES + 1, 'the next retry')
    expect(h.watch.reconnecting.at(-1)).toMatchObject({ attempt: 1, delay: policy.initialDelay })
    server.otherwise = 'accept'
    await h.watch.waitFor(() => h.watch.opens === CYCLES + 2, 'open again')

    await closeAndCheck(h, () => server.close())
    expect(h.watch.path).toBe(
      `connecting ${'open waitingToReconnect connecting '.repeat(CYCLES + 1)}open closing closed`,
    )
  })

  it('9. connection refused, and a host that does not resolve: retries, gives up, reports the queue as dropped', async () => {
    // A port that was just closed refuses connections.
    const spare = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => spare.once('listening', resolve))
    const refusedPort = (spare.address() as { port: number }).port
    await new Promise((resolve) => spare.close(resolve))

    // A name under .invalid never resolves (RFC 6761 §6.4); a resolver says so as
    // ENOTFOUND, or as EAI_AGAIN when it cannot be reached (no network).
    for (const [url, codes] of [
      [`ws://127.0.0.1:${refusedPort}/`, ['ECONNREFUSED']],
      ['ws://nonexistent.invalid/', ['ENOTFOUND', 'EAI_AGAIN']],
    ] as const) {
      const h = connect(url, { reconnect: { initialDelay: 5, maxAttempts: 2 } })
      const queued = sendQueued(h.conn, 'r', 3)
      await h.watch.waitFor(() => h.conn.state === 'closed', `gave up on ${url}`)
      expect(h.watch.gaveUp).toEqual([2])
      const seen = h.watch.errors.map((e) => (e as { code?: string }).code)
      expect(seen).toHaveLength(3)
      for (const code of seen) expect(codes, `${url}: ${seen.join(', ')}`).toContain(code)
      expect(h.watch.drops.map((d) => [d.data, d.reason])).toEqual(queued.map((q) => [q, 'closed']))
      expect(h.conn.send('late')).toBe(false)
      expect(h.watch.drops.at(-1)).toMatchObject({ data: 'late', reason: 'closed' })
      expect(h.watch.path).toBe(
        'connecting closing waitingToReconnect connecting closing waitingToReconnect connecting closing closed',
      )
      await closeAndCheck(h, async () => undefined)
    }
  })

  it('10. a long outage: delays capped at maxDelay and spread by jitter; a full queue reports drops', async () => {
    const server = await serverProcess()
    const port = server.port
    await server.kill()
    // A seeded generator: the spread below is reproducible.
    let seed = 0x2f6b
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const clock = new SimulatedClock()
    const maxDelay = 1000
    const h = connect(server.url, {
      clock,
      random,
      heartbeat: false,
      reconnect: { initialDelay: 10, factor: 2, maxDelay },
      queue: { max: 3 },
    })
    const queued = sendQueued(h.conn, 'o', 3)
    expect(h.conn.send('o4')).toBe(false)
    expect(h.watch.drops.map((d) => [d.data, d.reason])).toEqual([['o4', 'queue-full']])

    const RETRIES = 80
    let held = 0
    h.conn.addEventListener('reconnecting', (e) => {
      if (e.attempt < RETRIES) setImmediate(() => clock.increment(e.delay))
      else held = e.delay
    })
    await h.watch.waitFor(() => h.watch.reconnecting.length === RETRIES, 'the long outage')
    const delays = h.watch.reconnecting.map((r) => r.delay)
    expect(Math.max(...delays)).toBeLessThan(maxDelay)
    // Once the ceiling is capped (10 * 2^7 > 1000), the delays cover [0, maxDelay).
    const capped = delays.slice(8)
    expect(new Set(capped).size).toBeGreaterThan(capped.length * 0.9)
    expect(Math.min(...capped)).toBeLessThan(maxDelay * 0.2)
    expect(Math.max(...capped)).toBeGreaterThan(maxDelay * 0.8)
    const mean = capped.reduce((a, b) => a + b, 0) / capped.length
    expect(mean).toBeGreaterThan(maxDelay * 0.35)
    expect(mean).toBeLessThan(maxDelay * 0.65)
    expect(clock.now()).toBeGreaterThan(30_000)

    await server.start(port)
    clock.increment(held)
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(queued)
    expect(h.watch.drops).toHaveLength(1)

    await closeAndCheck(h, () => server.kill())
    expect(h.watch.path, h.watch.path).toMatch(
      path('connecting ', OUTAGE, 'connecting open closing closed'),
    )
  })

  it("11. an abandoned socket's close event arriving after the new socket opened changes nothing", async () => {
    const server = await serverProcess()
    const proxy = await proxyTo(server.port)
    // Browser-like sockets: no terminate(), so the abandoned one stays until its own close.
    const h = connect(
      proxy.url,
      { heartbeat: { interval: 150, timeout: 300 }, closeTimeout: 100 },
      { hideTerminate: true },
    )
    await h.watch.next('open')
    const queued = queueOnFault(h, 'a', 3)
    // Only the current link goes dark; new connections pass.
    proxy.setMode('black-hole', 'existing')
    await h.watch.next('open')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(queued)

    const [old, current] = h.rec.sockets
    expect(old?.closedAt).toBeUndefined()
    const before = {
      states: h.watch.path,
      closes: h.watch.closes.length,
      errors: h.watch.errors.length,
    }
    // Release the abandoned socket: its close (1006) arrives now, late.
    proxy.links[0]?.destroy(true)
    await h.rec.waitFor(() => old?.closedAt !== undefined, 'the late close event')
    expect(old?.closedAt).toBeGreaterThan(current?.openedAt as number)
    // The new socket still works, and the late close changed nothing.
    h.conn.send('after')
    await server.waitFor(() => server.messages.includes('after'), 'a message on the new socket')
    expect(h.conn.state).toMatch(/^(open|awaitingPong)$/)
    // Only heartbeat cycles on the new socket may follow; no close, no error, no new attempt.
    expect(h.watch.path.startsWith(before.states)).toBe(true)
    const since = h.watch.path.slice(before.states.length).split(' ').filter(Boolean)
    expect(
      since.filter((s) => s !== 'open' && s !== 'awaitingPong'),
      h.watch.path,
    ).toEqual([])
    expect({ closes: h.watch.closes.length, errors: h.watch.errors.length }).toEqual({
      closes: before.closes,
      errors: before.errors,
    })
    expect(current?.closedAt).toBeUndefined()

    await closeAndCheck(h, async () => {
      await proxy.close()
      await server.kill()
    })
    expect(h.watch.path, h.watch.path).toMatch(path('connecting ', DETECTED, 'connecting ', END))
  })

  it('a slow link (proxy delay) longer than the heartbeat interval causes no false reconnect', async () => {
    const server = await serverProcess()
    const proxy = await proxyTo(server.port)
    const h = connect(proxy.url, { heartbeat: { interval: 100, timeout: 400 } })
    await h.watch.next('open')
    // Each ping waits at least 2 × 60 ms for its pong: longer than nothing, shorter than the timeout.
    proxy.setMode({ delay: 60 })
    const roundTrips = () =>
      h.watch.changes.filter((c) => c.from === 'awaitingPong' && c.to === 'open').length
    const sent = ['s1', 's2', 's3'].filter((m) => h.conn.send(m))
    await h.watch.waitFor(() => roundTrips() >= 3, 'three heartbeat round trips over the slow link')
    await server.waitFor(() => server.messages.length === 3, 'messages over the slow link')
    expect(server.messages).toEqual(sent)
    expect(h.watch.closes).toEqual([])
    await closeAndCheck(h, async () => {
      await proxy.close()
      await server.kill()
    })
    expect(h.watch.path, h.watch.path).toMatch(path('connecting ', END))
  })
})
