/**
 * heartline/streams in Node: the writable's backpressure on a scripted socket
 * and a simulated clock; the readable pausing a real `ws` socket (the server's
 * own buffer grows: it feels the backpressure) while heartbeats still prove the
 * link; a reconnect in the middle of a piped transfer, with resume (every chunk
 * once, in order) and without (the stream fails: the loss is reported).
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection } from '../src/index.js'
import { POLL_MS } from '../src/low-water.js'
import { resume } from '../src/resume/index.js'
import { acceptSessions } from '../src/server/index.js'
import { StreamInterruptedError, StreamSocket, toStreams } from '../src/streams/index.js'
import { waitFor } from './harness/wait.js'
import { type ScriptedSocket, SocketRegistry } from './helpers/scripted-socket.js'
import { track } from './helpers/settled.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function wsServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  cleanups.push(() => {
    for (const client of wss.clients) client.terminate()
  })
  return { wss, url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` }
}

/** Re-checks `check` every 5 ms of the event loop (a safety timeout turns a hang into a failure). */
function until<T>(check: () => T | undefined | false, what: string) {
  return waitFor(check, what, 15_000, (wake) => {
    const timer = setInterval(wake, 5)
    return () => clearInterval(timer)
  })
}

const ticks = () => new Promise((resolve) => setImmediate(resolve))

function scripted() {
  const registry = new SocketRegistry()
  class Counting extends registry.WebSocket {
    override send(data: unknown): void {
      super.send(data)
      this.bufferedAmount += (data as Uint8Array).byteLength
    }
  }
  const clock = new SimulatedClock()
  const conn = createConnection('ws://streams.invalid/', {
    WebSocket: Counting,
    clock,
    heartbeat: false,
    reconnect: { initialDelay: 100, maxDelay: 100, jitter: 'none' },
  })
  cleanups.push(() => conn.close())
  return { conn, clock, socket: () => registry.sockets.at(-1) as ScriptedSocket }
}

describe('toStreams: the writable', () => {
  it('waits while bufferedAmount is above the high-water mark, and fails when a socket ends without resume', async () => {
    const { conn, clock, socket } = scripted()
    const writer = toStreams(conn, { highWaterMark: 100 }).writable.getWriter()
    // Connecting: the queue's bytes count.
    await writer.write(new Uint8Array(60))
    const second = track(writer.write(new Uint8Array(60)))
    await ticks()
    expect(conn.bufferedAmount).toBe(120)
    expect(second.settled).toBe(false)
    socket().fireOpen()
    clock.increment(10 * POLL_MS)
    await ticks()
    expect(second.settled).toBe(false)
    socket().bufferedAmount = 100
    clock.increment(POLL_MS)
    await ticks()
    expect(second).toEqual({ settled: true, error: undefined })

    const third = track(writer.write(new Uint8Array(60)))
    await ticks()
    expect(third.settled).toBe(false)
    socket().fireClose(1006)
    await ticks()
    expect(third.error).toBeInstanceOf(StreamInterruptedError)
    await expect(writer.write(new Uint8Array(1))).rejects.toBeInstanceOf(StreamInterruptedError)
  })

  it('refuses a bad option, naming it', () => {
    const { conn } = scripted()
    expect(() => toStreams(conn, { highWaterMark: 0 })).toThrow(/`highWaterMark`.*≥ 1; got 0/)
    expect(() => toStreams(conn, { highWaterMark: 10, maxBytes: 5 })).toThrow(/`maxBytes`.*≥ 10/)
  })
})

describe('toStreams: the readable over ws', () => {
  it('pauses the socket when full (the server’s buffer grows), reads one message per heartbeat while paused, then delivers everything in order', async () => {
    const { wss, url } = await wsServer()
    const CHUNK = 64 * 1024
    const COUNT = 256 // 16 MiB: more than loopback's socket buffers hold
    let serverSocket: WebSocket | undefined
    wss.on('connection', (ws) => {
      serverSocket = ws
      for (let i = 0; i < COUNT; i++) {
        const chunk = Buffer.alloc(CHUNK)
        chunk.writeUInt32BE(i, 0)
        ws.send(chunk)
      }
    })
    const clock = new SimulatedClock()
    const conn: Connection = createConnection(url, {
      WebSocket: WebSocket as never,
      clock,
      heartbeat: { interval: 1000, timeout: 1000 },
      reconnect: false,
    })
    cleanups.push(() => conn.close())
    let arrived = 0
    conn.addEventListener('message', () => arrived++)
    const { readable } = toStreams(conn, { highWaterMark: 4 * CHUNK })
    await until(() => conn.state === 'open' && arrived >= 4, 'the high-water mark reached')
    const paused = arrived
    // Paused at the mark: what a read already held may still arrive (ws emits a read's messages).
    expect(paused * CHUNK).toBeLessThanOrEqual(4 * CHUNK + 1024 * 1024)
    // Heartbeats while paused: each ping has the socket read up to the first
    // message, which proves the link (the pong waits behind the unread data).
    for (let beat = 1; beat <= 3; beat++) {
      const before = arrived
      clock.increment(1000)
      expect(conn.state).toBe('awaitingPong')
      await until(() => conn.state === 'open' && arrived > before, `a message for ping ${beat}`)
    }
    // Backpressure reached the server: most of what it sent is still in its own
    // buffer, and the client holds little more than the mark.
    expect(serverSocket?.bufferedAmount ?? 0).toBeGreaterThan(4 * 1024 * 1024)
    expect((arrived - paused) * CHUNK).toBeLessThanOrEqual(3 * 1024 * 1024)
    expect(arrived - paused).toBeGreaterThanOrEqual(3)

    const reader = readable.getReader()
    for (let i = 0; i < COUNT; i++) {
      const { value } = await reader.read()
      expect((value as Buffer).readUInt32BE(0)).toBe(i)
    }
    expect(arrived).toBe(COUNT)
  })

  it('fails with StreamInterruptedError when the socket ends and resume is off', async () => {
    const { wss, url } = await wsServer()
    wss.on('connection', (ws) => ws.send('hello'))
    const conn = createConnection(url, {
      WebSocket: WebSocket as never,
      reconnect: { initialDelay: 10, maxDelay: 10 },
    })
    cleanups.push(() => conn.close())
    const reader = toStreams(conn).readable.getReader()
    expect((await reader.read()).value).toBe('hello')
    for (const ws of wss.clients) ws.terminate()
    await expect(reader.read()).rejects.toBeInstanceOf(StreamInterruptedError)
  })
})

describe('StreamSocket where WebSocketStream is absent (Node)', () => {
  it('is not available, its constructor says what is missing, and a connection given it reports the failed attempt', async () => {
    expect(StreamSocket.available).toBe(false)
    expect(() => new StreamSocket('ws://127.0.0.1:9')).toThrow(
      /StreamSocket needs WebSocketStream .*`StreamSocket.available \? StreamSocket : WebSocket`/,
    )
    // The class passes heartline's WebSocket check (constants, send, close, addEventListener).
    const conn = createConnection('ws://127.0.0.1:9', { WebSocket: StreamSocket, reconnect: false })
    const error = await new Promise<unknown>((resolve) =>
      conn.addEventListener('error', (e) => resolve(e.error)),
    )
    expect(error).toBeInstanceOf(TypeError)
    conn.close()
  })
})

describe('toStreams: a reconnect in the middle of a piped transfer', () => {
  it('with resume on: every chunk arrives once, in order', async () => {
    const { wss, url } = await wsServer()
    const sessions = acceptSessions(wss, { ackDelay: 0 })
    const got: number[] = []
    sessions.on('session', (session) => {
      session.on('message', (data) => {
        got.push((data as Buffer).readUInt32BE(0))
        // Mid-transfer, the link dies.
        if (got.length === 100) for (const ws of wss.clients) ws.terminate()
      })
    })
    const conn = createConnection(url, {
      WebSocket: WebSocket as never,
      reconnect: { initialDelay: 10, maxDelay: 20 },
      resume: resume({ ackDelay: 0 }),
    })
    cleanups.push(() => conn.close())
    let resumed = 0
    conn.addEventListener('resumed', () => resumed++)
    const COUNT = 400
    let i = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === COUNT) return controller.close()
        const chunk = new Uint8Array(1024)
        new DataView(chunk.buffer).setUint32(0, i++)
        controller.enqueue(chunk)
      },
    })
    await source.pipeTo(toStreams(conn, { highWaterMark: 16 * 1024 }).writable)
    expect(['closing', 'closed']).toContain(conn.state)
    expect(resumed).toBeGreaterThanOrEqual(1)
    await until(() => got.length >= COUNT, 'every chunk')
    expect(got).toEqual(Array.from({ length: COUNT }, (_, n) => n))
  })

  it('with resume off: the pipe fails with StreamInterruptedError (the loss is reported)', async () => {
    const { wss, url } = await wsServer()
    let got = 0
    wss.on('connection', (ws) => {
      ws.on('message', () => {
        if (++got === 100) for (const client of wss.clients) client.terminate()
      })
    })
    const conn = createConnection(url, {
      WebSocket: WebSocket as never,
      reconnect: { initialDelay: 10, maxDelay: 20 },
    })
    cleanups.push(() => conn.close())
    let i = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i++ === 100_000) return controller.close()
        controller.enqueue(new Uint8Array(1024))
      },
    })
    await expect(
      source.pipeTo(toStreams(conn, { highWaterMark: 16 * 1024 }).writable),
    ).rejects.toBeInstanceOf(StreamInterruptedError)
  })
})

describe('toStreams: closed while waiting to reconnect', () => {
  it('with resume on: close() between sockets ends the readable (no close event comes then)', async () => {
    const { wss, url } = await wsServer()
    acceptSessions(wss, { ackDelay: 0 })
    const conn = createConnection(url, {
      WebSocket: WebSocket as never,
      // Long enough that the connection is still waiting when close() is called.
      reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
      resume: resume(),
    })
    cleanups.push(() => conn.close())
    const reader = toStreams(conn).readable.getReader()
    await until(() => conn.state === 'open', 'the session open')
    for (const ws of wss.clients) ws.terminate()
    await until(() => conn.state === 'waitingToReconnect', 'the link lost')
    const read = track(reader.read())
    conn.close()
    await ticks()
    expect(conn.state).toBe('closed')
    expect(read).toEqual({ settled: true, error: undefined })
    expect(await reader.read()).toEqual({ done: true, value: undefined })
  })
})
