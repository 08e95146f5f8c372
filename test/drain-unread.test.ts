/**
 * `drain()` and the client that opened just before it: a socket on which the
 * application has read nothing and written nothing (watched by `attachHeartbeat`
 * from its connection on) is closed with 1013, and nothing it sends reaches the
 * application, so a heartline client puts what it flushed into it back in its
 * queue and sends it to the next server. A socket whose messages were read, or
 * into which the application wrote, keeps 1012: what it took is handed over.
 * Real `ws` servers on port 0; the client's clock is simulated.
 */
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, type SendOutcome } from '../src/index.js'
import { acceptSessions, attachHeartbeat, type DrainResult, drain } from '../src/server/index.js'
import { nextEvent } from './helpers/controlled-server.js'
import { until } from './helpers/hostile.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface App {
  wss: WebSocketServer
  url: string
  /** Every message the application's own listener received, across its sockets. */
  received: string[]
  /** The TCP socket of each connection, in order. */
  sockets: net.Socket[]
}

/** A `ws` server with the heartbeat attached first, then the application's listener. */
async function app(
  onConnection?: (ws: WebSocket, request: IncomingMessage) => void,
  options: { perMessageDeflate?: boolean } = {},
) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options })
  await once(wss, 'listening')
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  )
  cleanups.push(attachHeartbeat(wss, { sweepInterval: 0 }))
  const port = (wss.address() as net.AddressInfo).port
  const a: App = { wss, url: `ws://127.0.0.1:${port}/`, received: [], sockets: [] }
  wss.on('connection', (ws, request) => {
    a.sockets.push(request.socket as net.Socket)
    ws.on('error', () => undefined)
    ws.on('message', (data) => a.received.push(data.toString()))
    onConnection?.(ws, request)
  })
  return a
}

/** A heartline client (no heartbeat: it writes only what the test sends) and what it saw. */
function client(url: string) {
  let target = url
  const clock = new SimulatedClock()
  const conn: Connection = createConnection(() => target, {
    WebSocket,
    clock,
    heartbeat: false,
    random: () => 0.5,
  })
  cleanups.push(() => conn.close())
  const drops: unknown[] = []
  conn.addEventListener('drop', (event) => drops.push(event))
  /** The outcomes each message was told, by message. */
  const outcomes = new Map<string, string[]>()
  const send = (text: string) => {
    outcomes.set(text, [])
    conn.send(text, (outcome: SendOutcome) => outcomes.get(text)?.push(outcome.status))
  }
  /** Points the client at `next`, lets its retry run, and waits until `end` sent after it arrives there. */
  const moveTo = async (next: App) => {
    target = next.url
    const reopened = nextEvent(conn, 'open')
    clock.increment(60_000)
    await reopened
    send('end')
    await until(() => next.received.includes('end'), 'the marker on the next server')
  }
  return { conn, clock, drops, outcomes, send, moveTo }
}

/** Starts drain() of `server` in the client's first `open` listener (its queue was written just before); returns its result. */
function drainAtOpen(c: { conn: Connection }, server: App) {
  let drained: Promise<DrainResult> | undefined
  c.conn.addEventListener('open', () => {
    drained ??= drain(server.wss, { window: 1000 })
  })
  return () => drained
}

const messages = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('drain() and a client that opened just before it', () => {
  it('nothing read, nothing written: 1013, and the queue arrives once, in order, on the next server', async () => {
    const a = await app()
    const b = await app()
    const c = client(a.url)
    const sent = messages(50)
    for (const m of sent) c.send(m)
    // The queue is written before `open` fires (rule 1): the drain starts in the
    // same tick, before the server could read any of it.
    const drained = drainAtOpen(c, a)
    const close = await nextEvent(c.conn, 'close')
    expect(close.code).toBe(1013)
    expect(close.reason).toBe('service restart retry-after=500ms')
    expect(await drained()).toEqual({ clients: 1, terminated: 0, unread: 1 })
    // Written into the first socket, given back by the refusal.
    for (const m of sent) expect(c.outcomes.get(m)).toEqual(['queued', 'queued'])
    await c.moveTo(b)
    expect(b.received).toEqual([...sent, 'end'])
    expect(a.received).toEqual([])
    expect(c.drops).toEqual([])
  })

  it('messages read (fault 2): 1012, nothing sent again', async () => {
    const a = await app()
    const b = await app()
    const c = client(a.url)
    await nextEvent(c.conn, 'open')
    const sent = messages(5)
    for (const m of sent) c.send(m)
    await until(() => a.received.length === 5, 'the messages read')
    const closed = nextEvent(c.conn, 'close')
    expect(await drain(a.wss, { window: 1000 })).toEqual({ clients: 1, terminated: 0, unread: 0 })
    expect((await closed).code).toBe(1012)
    for (const m of sent) expect(c.outcomes.get(m)).toEqual(['written'])
    await c.moveTo(b)
    expect(a.received).toEqual(sent)
    expect(b.received).toEqual(['end'])
    expect(c.drops).toEqual([])
  })

  it('a greeting written, nothing read: 1012, and the messages reach the application once', async () => {
    const a = await app((ws) => ws.send('hello'))
    const b = await app()
    const c = client(a.url)
    const sent = messages(20)
    for (const m of sent) c.send(m)
    const drained = drainAtOpen(c, a)
    expect((await nextEvent(c.conn, 'close')).code).toBe(1012)
    expect(await drained()).toEqual({ clients: 1, terminated: 0, unread: 0 })
    await c.moveTo(b)
    expect(a.received).toEqual(sent)
    expect(b.received).toEqual(['end'])
    expect(c.drops).toEqual([])
  })

  it('a greeting still being compressed when the drain starts: 1012, the messages reach the application once', async () => {
    // permessage-deflate: the greeting waits in ws's sender (bufferedAmount), not yet on the TCP socket.
    let drained: Promise<DrainResult> | undefined
    const a: App = await app(
      (ws) => {
        ws.send('hello')
        drained ??= drain(a.wss, { window: 1000 })
      },
      { perMessageDeflate: true },
    )
    const b = await app()
    const c = client(a.url)
    const sent = messages(20)
    for (const m of sent) c.send(m)
    expect((await nextEvent(c.conn, 'close')).code).toBe(1012)
    expect(await drained).toEqual({ clients: 1, terminated: 0, unread: 0 })
    await c.moveTo(b)
    expect(a.received).toEqual(sent)
    expect(b.received).toEqual(['end'])
    expect(c.drops).toEqual([])
  })

  it("a SessionServer's socket keeps 1012 before its hello (resume re-sends on its own)", async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    const sessions = acceptSessions(wss)
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())))
    cleanups.push(() => sessions.close())
    const raw = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`)
    cleanups.push(() => raw.terminate())
    const closed = once(raw, 'close')
    await once(wss, 'connection')
    expect(await drain(wss, { window: 1000 })).toEqual({ clients: 1, terminated: 0, unread: 0 })
    expect((await closed)[0]).toBe(1012)
  })
})

/** A masked text frame of `size` bytes (RFC 6455 §5.2; 126 ≤ size < 65 536). */
function frame(size: number): Buffer {
  const head = Buffer.from([0x81, 0x80 | 126, size >> 8, size & 0xff, 1, 2, 3, 4])
  const payload = Buffer.alloc(size, 0x61)
  for (let i = 0; i < size; i++) payload[i] = (payload[i] as number) ^ ((i % 4) + 1)
  return Buffer.concat([head, payload])
}

describe('drain() and a hostile client after its 1013', () => {
  it('keeps sending and never answers the close: none of it reaches the application, nothing piles up, terminated at closeTimeout', async () => {
    const a = await app()
    const port = new URL(a.url).port
    const socket = net.connect({ port: Number(port), host: '127.0.0.1' })
    cleanups.push(() => socket.destroy())
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    let inbound = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      inbound = Buffer.concat([inbound, chunk])
    })
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    await until(() => a.sockets.length === 1, 'the connection')
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const drained = drain(a.wss, { window: 1000, closeTimeout: 5000 })
    // The close frame: 0x88, length, 1013.
    const closeAt = () => inbound.indexOf(Buffer.from([0x88]), inbound.indexOf('\r\n\r\n'))
    await until(() => closeAt() > 0, 'the close frame')
    expect(inbound.readUInt16BE(closeAt() + 2)).toBe(1013)
    // 4 MiB after the close frame, 1 KiB frames; the client never sends its own close.
    const chunk = Buffer.concat(Array.from({ length: 64 }, () => frame(1024)))
    const server = a.sockets[0] as net.Socket
    let written = 0
    while (written < 4 * 1024 * 1024) {
      if (!socket.write(chunk)) await once(socket, 'drain')
      written += chunk.length
    }
    await until(() => server.bytesRead >= written, 'the server to take every byte')
    expect(a.received).toEqual([])
    // Read and let go: nothing waits in the server's buffers.
    expect(server.readableLength).toBe(0)
    expect([...a.wss.clients].map((ws) => ws.bufferedAmount)).toEqual([0])
    vi.advanceTimersByTime(5000)
    expect(await drained).toEqual({ clients: 1, terminated: 1, unread: 1 })
    expect(server.destroyed).toBe(true)
    expect(a.received).toEqual([])
  })
})
