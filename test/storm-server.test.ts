/**
 * heartline/server's storm helpers against real `ws` servers on port 0: `drain()`
 * closes every client with 1012 and a hint of its own, spread evenly, and refuses
 * newcomers; `admission()` accepts up to a rate and refuses the rest with 1013 and
 * a paced hint, without a `connection` event; heartline connections follow both.
 */
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, parseRetryHint } from '../src/index.js'
import { admission, drain } from '../src/server/index.js'
import {
  nextEvent as next,
  startControlledServer as startServer,
  type ControlledServer as TestServer,
  WebSocket,
} from './helpers/controlled-server.js'

let server: TestServer | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await server?.close()
  server = undefined
})

/** A raw `ws` client and the close it will get (code and reason). */
function raw(url: string, protocols?: string[]) {
  const ws = new WebSocket(url, protocols)
  cleanups.push(() => ws.terminate())
  const closed = once(ws, 'close').then(([code, reason]) => ({
    code: code as number,
    reason: String(reason),
  }))
  const opened = once(ws, 'open').then(() => ws)
  return { ws, closed, opened }
}

function connection(url: string, clock = new SimulatedClock()): Connection {
  const conn = createConnection(url, {
    WebSocket,
    clock,
    heartbeat: false,
    random: () => 0.5,
  })
  cleanups.push(() => conn.close())
  return conn
}

/** A fixed sequence in [0, 1), so the slot order is reproducible. */
function sequence() {
  let i = 0
  return () => ((i++ * 0.618_033_988_7) % 1) as number
}

describe('drain', () => {
  it('closes every client with 1012 and its own hint, spread evenly over the window', async () => {
    server = await startServer()
    const clients = Array.from({ length: 10 }, () => raw(server?.url as string))
    await Promise.all(clients.map((c) => c.opened))
    const result = await drain(server.wss, { window: 1000, random: sequence() })
    expect(result).toEqual({ clients: 10, terminated: 0, unread: 0 })
    const closes = await Promise.all(clients.map((c) => c.closed))
    for (const close of closes) {
      expect(close.code).toBe(1012)
      expect(close.reason).toMatch(/^service restart retry-after=\d+ms$/)
    }
    const hints = closes.map((c) => parseRetryHint(c.reason)).sort((a, b) => (a ?? 0) - (b ?? 0))
    expect(hints).toEqual([50, 150, 250, 350, 450, 550, 650, 750, 850, 950])
    expect(server.wss.clients.size).toBe(0)
  })

  it('heartline connections that stayed up wait their hint, not counted as an attempt', async () => {
    server = await startServer()
    const clocks = Array.from({ length: 4 }, () => new SimulatedClock())
    const conns = clocks.map((clock) => connection(server?.url as string, clock))
    await Promise.all(conns.map((c) => next(c, 'open')))
    // Up for stableAfter (5 s by default): the hinted retry is free.
    for (const clock of clocks) clock.increment(5000)
    const retries = Promise.all(conns.map((c) => next(c, 'reconnecting')))
    await drain(server.wss, { window: 8000 })
    const delays = (await retries).map((r) => {
      expect(r.attempt).toBe(0)
      return r.delay
    })
    // The hints 1000, 3000, 5000, 7000, each plus jitter (random() = 0.5 of initialDelay).
    expect(delays.sort((a, b) => a - b)).toEqual([1500, 3500, 5500, 7500])
    for (const c of conns) expect(c.state).toBe('waitingToReconnect')
  })

  it('answers handshakes from the call on with 503 before upgrading, so no queue is sent into them', async () => {
    server = await startServer()
    await drain(server.wss, { window: 2000, code: 4500, reason: 'moving' })
    const before = server.connections
    const request = http.request({
      host: '127.0.0.1',
      port: new URL(server.url).port,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version': '13',
      },
    })
    request.end()
    const [response] = await once(request, 'response')
    expect((response as http.IncomingMessage).statusCode).toBe(503)
    expect((response as http.IncomingMessage).headers['retry-after']).toBe('2')
    expect(server.connections).toBe(before)
  })

  it('closes clients with the code and text given', async () => {
    server = await startServer()
    const c = raw(server.url)
    await c.opened
    await drain(server.wss, { window: 2000, code: 4500, reason: 'moving' })
    const close = await c.closed
    expect(close).toEqual({ code: 4500, reason: 'moving retry-after=1000ms' })
  })

  it('terminates a client that does not answer the close frame after closeTimeout', async () => {
    server = await startServer()
    const deaf = raw(server.url)
    const ws = await deaf.opened
    // A paused socket reads nothing, so it never sees the close frame nor answers it.
    ;(ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const result = await drain(server.wss, { window: 100, closeTimeout: 100 })
    expect(result).toEqual({ clients: 1, terminated: 1, unread: 0 })
  })

  it('with no clients resolves at once', async () => {
    server = await startServer()
    expect(await drain(server.wss, { window: 10_000 })).toEqual({
      clients: 0,
      terminated: 0,
      unread: 0,
    })
  })

  it('rejects bad options, naming them', async () => {
    server = await startServer()
    const wss = server.wss
    expect(() => drain(wss, { window: -1 })).toThrow(/drain\(\) `window`.*got -1/)
    expect(() => drain(wss, { window: 1.5 })).toThrow(/window/)
    expect(() => drain(wss, { window: 4_000_000 })).toThrow(/window/)
    expect(() => drain(wss, { window: 10, code: 1006 })).toThrow(/`code`.*got 1006/)
    expect(() => drain(wss, { window: 10, closeTimeout: Number.NaN })).toThrow(/closeTimeout/)
    expect(() => drain(wss, { window: 10, reason: 'x'.repeat(110) })).toThrow(/123/)
    expect(() => drain(undefined as never, undefined as never)).toThrow(/window/)
  })
})

describe('admission', () => {
  it('accepts up to the burst, then refuses with 1013 and paced hints, no connection event', async () => {
    server = await startServer()
    let t = 0
    const stop = admission(server.wss, { perSecond: 10, burst: 2, now: () => t })
    cleanups.push(stop)
    const a = raw(server.url)
    const b = raw(server.url)
    await Promise.all([a.opened, b.opened])
    await server.when(() => server?.connections === 2, 'two connections')
    const refused = [raw(server.url), raw(server.url), raw(server.url)]
    const closes = await Promise.all(refused.map((r) => r.closed))
    for (const close of closes) {
      expect(close.code).toBe(1013)
      expect(close.reason).toMatch(/^try again later retry-after=\d+ms$/)
    }
    // The bucket is empty: the next token comes in 100 ms, the next slots every 100 ms.
    expect(closes.map((c) => parseRetryHint(c.reason))).toEqual([100, 200, 300])
    expect(server.connections).toBe(2)
    // A token refills after 100 ms of the injected clock.
    t = 100
    const c = raw(server.url)
    await c.opened
    await server.when(() => server?.connections === 3, 'the third connection')
  })

  it('answers a client that offered subprotocols with one, so it reads the close', async () => {
    server = await startServer()
    cleanups.push(admission(server.wss, { perSecond: 1, burst: 1, now: () => 0 }))
    await raw(server.url).opened
    const refused = raw(server.url, ['chat.v2', 'chat.v1'])
    await refused.opened
    expect(refused.ws.protocol).toBe('chat.v2')
    expect((await refused.closed).code).toBe(1013)
  })

  it('a refused heartline connection waits its hint, floored at initialDelay and counted (it never stayed up)', async () => {
    server = await startServer()
    cleanups.push(admission(server.wss, { perSecond: 4, burst: 1, now: () => 0 }))
    const first = connection(server.url)
    await next(first, 'open')
    const second = connection(server.url)
    const [close, retry] = await Promise.all([next(second, 'close'), next(second, 'reconnecting')])
    expect(close.code).toBe(1013)
    expect(close.willReconnect).toBe(true)
    expect(retry.delay).toBe(1500) // the 250 ms hint, floored at initialDelay (1000), plus jitter
    expect(retry.attempt).toBe(1)
  })

  it("refuse: 'http' answers 503 with Retry-After before the upgrade", async () => {
    server = await startServer()
    cleanups.push(admission(server.wss, { perSecond: 1, burst: 1, refuse: 'http', now: () => 0 }))
    await raw(server.url).opened
    const late = new WebSocket(server.url)
    const [, response] = await once(late, 'unexpected-response')
    expect((response as http.IncomingMessage).statusCode).toBe(503)
    expect((response as http.IncomingMessage).headers['retry-after']).toBe('1')
    ;(response as http.IncomingMessage).resume()
    expect(server.connections).toBe(1)
  })

  it('leaves malformed upgrades to ws, which answers them itself', async () => {
    server = await startServer()
    cleanups.push(admission(server.wss, { perSecond: 1, burst: 1, now: () => 0 }))
    const port = new URL(server.url).port
    const request = http.request({
      host: '127.0.0.1',
      port,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'short' },
    })
    request.end()
    const [response] = await once(request, 'response')
    expect((response as http.IncomingMessage).statusCode).toBe(400)
  })

  it('removing the gate accepts everything again', async () => {
    server = await startServer()
    const stop = admission(server.wss, { perSecond: 1, burst: 1, now: () => 0 })
    await raw(server.url).opened
    const refused = raw(server.url)
    expect((await refused.closed).code).toBe(1013)
    stop()
    await raw(server.url).opened
    await raw(server.url).opened
    await server.when(() => server?.connections === 3, 'three connections')
  })

  it('works in noServer mode, where the application calls handleUpgrade', async () => {
    const { WebSocketServer } = await import('ws')
    const wss = new WebSocketServer({ noServer: true })
    const http1 = http.createServer()
    http1.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
    })
    http1.listen(0, '127.0.0.1')
    await once(http1, 'listening')
    cleanups.push(() => new Promise((resolve) => http1.close(resolve)))
    cleanups.push(() => {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    })
    cleanups.push(admission(wss, { perSecond: 1, burst: 1, now: () => 0 }))
    const url = `ws://127.0.0.1:${(http1.address() as AddressInfo).port}`
    await raw(url).opened
    expect((await raw(url).closed).code).toBe(1013)
  })

  it('rejects bad options, naming them', async () => {
    server = await startServer()
    const wss = server.wss
    expect(() => admission(wss, { perSecond: 0 })).toThrow(/admission\(\) `perSecond`.*got 0/)
    expect(() => admission(wss, { perSecond: Number.POSITIVE_INFINITY })).toThrow(/perSecond/)
    expect(() => admission(wss, { perSecond: 10, burst: 0.5 })).toThrow(/`burst`.*got 0.5/)
    expect(() => admission(wss, { perSecond: 10, code: 999 })).toThrow(/`code`/)
    expect(() => admission(wss, { perSecond: 10, reason: 'x'.repeat(120) })).toThrow(/123/)
    expect(() => admission(wss, { perSecond: 10, refuse: 'tcp' as never })).toThrow(/`refuse`/)
  })
})
