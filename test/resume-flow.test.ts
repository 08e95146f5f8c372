/**
 * End-to-end backpressure with `resume` on (docs/flow-control.md, "With
 * resume"): the resume layer's `ack` event and `whenAcknowledged()`, woken by
 * the server's acknowledgements, never by a timer; heartline/streams' writable
 * waiting on them, so a producer never meets `resume-buffer-full`, and its
 * close() waiting for the last ack without polling.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection } from '../src/index.js'
import { ackFrame, MESSAGE_OVERHEAD, welcomeFrame } from '../src/protocol/resume.js'
import { resume, sessionOf, whenAcknowledged } from '../src/resume/index.js'
import { acceptSessions } from '../src/server/index.js'
import { toStreams } from '../src/streams/index.js'
import { waitFor } from './harness/wait.js'
import { type ScriptedSocket, SocketRegistry } from './helpers/scripted-socket.js'
import { microtasks, track } from './helpers/settled.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A resume connection over a scripted socket, welcomed into a new session. */
function welcomed(maxBytes: number) {
  const registry = new SocketRegistry()
  const conn = createConnection('ws://flow.invalid/', {
    WebSocket: registry.WebSocket,
    clock: new SimulatedClock(),
    heartbeat: false,
    resume: resume({ maxBytes }),
  })
  cleanups.push(() => conn.close())
  const socket = registry.sockets[0] as ScriptedSocket
  socket.fireOpen()
  socket.fireMessage(welcomeFrame({ v: 1, sid: 'flow-1', ack: 0, resumed: false }))
  const drops: string[] = []
  conn.addEventListener('drop', (e) => drops.push(`${String(e.data)} ${e.reason}`))
  return { conn, socket, drops, registry }
}

describe('the ack event and whenAcknowledged()', () => {
  it('fire when acknowledgements free room (once per turn in which acks let messages go), and a close rejects the wait', async () => {
    const size = 4 + MESSAGE_OVERHEAD // 'aaaa' as maxBytes counts it
    const { conn, socket, drops } = welcomed(3 * size)
    const acks: string[] = []
    conn.addEventListener('ack', (e) =>
      acks.push(`${e.acknowledged} ${e.buffered} ${e.bufferedBytes}`),
    )
    for (const m of ['aaaa', 'bbbb', 'cccc']) expect(conn.send(m)).toBe(true)
    expect(sessionOf(conn)).toMatchObject({
      buffered: 3,
      bufferedBytes: 3 * size,
      maxBytes: 3 * size,
    })
    // Room for one more message: at most maxBytes - size kept.
    const room = track(whenAcknowledged(conn, 2 * size))
    const all = track(whenAcknowledged(conn))
    await microtasks()
    expect([room.settled, all.settled]).toEqual([false, false])

    socket.fireMessage(ackFrame(1))
    await microtasks()
    expect(acks).toEqual([`1 2 ${2 * size}`])
    expect([room.settled, room.error, all.settled]).toEqual([true, undefined, false])
    // An ack that lets nothing go tells nothing (a server repeating itself cannot flood the app).
    for (let i = 0; i < 100; i++) socket.fireMessage(ackFrame(1))
    await microtasks()
    expect(acks).toHaveLength(1)

    // Acks of one turn are told once, with the counts after the last.
    socket.fireMessage(ackFrame(2))
    socket.fireMessage(ackFrame(3))
    await microtasks()
    expect(acks).toEqual([`1 2 ${2 * size}`, '3 0 0'])
    expect([all.settled, all.error]).toEqual([true, undefined])
    expect(drops).toEqual([])

    // A close drops what is kept: the wait fails instead of hanging.
    conn.send('dddd')
    const cut = track(whenAcknowledged(conn))
    conn.close()
    socket.fireClose(1000)
    expect(conn.state).toBe('closed')
    await microtasks()
    expect((cut.error as Error).name).toBe('InvalidStateError')
    await expect(whenAcknowledged(conn)).rejects.toThrow(/closed before the server acknowledged/)
    expect(drops).toEqual(['dddd closed'])
  })

  it('a listener that sends on the ack of a resumed welcome writes after the replay, in seq order', async () => {
    const { conn, socket, registry } = welcomed(4096)
    for (const m of ['a', 'b', 'c']) conn.send(m)
    let sent = false
    conn.addEventListener('ack', () => {
      if (sent) return
      sent = true
      conn.send('d')
    })
    socket.fireClose(1006)
    conn.reconnect()
    const next = registry.sockets[1] as ScriptedSocket
    next.fireOpen()
    next.fireMessage(welcomeFrame({ v: 1, sid: 'flow-1', ack: 1, resumed: true }))
    await microtasks()
    const frames = next.sent.map((r) => String(r.data)).filter((f) => f.startsWith('M'))
    expect(frames).toEqual(['M2 b', 'M3 c', 'M4 d'])
  })

  it('refuses a connection without resume, and a bad level, naming them', () => {
    const registry = new SocketRegistry()
    const plain = createConnection('ws://flow.invalid/', {
      WebSocket: registry.WebSocket,
      clock: new SimulatedClock(),
    })
    cleanups.push(() => plain.close())
    expect(() => whenAcknowledged(plain)).toThrow(
      /needs a connection created with the `resume` option/,
    )
    const { conn } = welcomed(1024)
    expect(() => whenAcknowledged(conn, -1)).toThrow(/`bytes` must be a number ≥ 0; got -1/)
  })
})

describe('toStreams with resume: the writable', () => {
  it('close() waits for the last acknowledgement on the ack event, with no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const { conn, socket } = welcomed(4096)
    const writer = toStreams(conn).writable.getWriter()
    await writer.write('aaaa')
    const closing = track(writer.close())
    await microtasks()
    // Nothing polls: no timer is armed while the ack is awaited.
    expect(vi.getTimerCount()).toBe(0)
    expect([closing.settled, socket.closeCall]).toEqual([false, null])
    socket.fireMessage(ackFrame(1))
    await microtasks()
    expect(socket.closeCall?.code).toBe(1000)
    expect([closing.settled, closing.error]).toEqual([true, undefined])
  })

  it('refuses a chunk that can never fit the resume buffer, naming maxBytes', async () => {
    const { conn, drops } = welcomed(100)
    const writer = toStreams(conn).writable.getWriter()
    await expect(writer.write('x'.repeat(37))).rejects.toThrow(/resume.*`maxBytes` \(100\)/)
    expect(drops).toEqual([])
    // A Blob is measured by its size, then refused by send() as resume refuses it.
    const blobs = toStreams(conn).writable.getWriter()
    await expect(blobs.write(new Blob(['x']))).rejects.toThrow(/read a Blob first/)
  })

  it('a producer piping through it to a server that acks slowly: every byte once, in order, 0 drops, never more kept than maxBytes, across a reconnect', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate()
    })
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
    // The server acknowledges only on its ack timer (ackEvery is out of reach).
    const sessions = acceptSessions(wss, { ackDelay: 10, ackEvery: 1_000_000 })
    const CHUNK = 1024
    const COUNT = 160
    const got: number[] = []
    let bytes = 0
    sessions.on('session', (session) => {
      session.on('message', (data) => {
        const chunk = data as Buffer
        bytes += chunk.byteLength
        got.push(chunk.readUInt32BE(0))
        // Mid-transfer, the link dies once.
        if (got.length === 60) for (const ws of wss.clients) ws.terminate()
      })
    })
    const maxBytes = 8 * (CHUNK + MESSAGE_OVERHEAD)
    let most = 0
    let conn: Connection | undefined
    conn = createConnection(url, {
      WebSocket: WebSocket as never,
      reconnect: { initialDelay: 10, maxDelay: 20 },
      resume: resume({
        maxBytes,
        // Whenever a message is written, what the layer keeps.
        trace: (record) => {
          if (record.type === 'send' && conn)
            most = Math.max(most, sessionOf(conn)?.bufferedBytes ?? 0)
        },
      }),
    })
    cleanups.push(() => conn?.close())
    const drops: string[] = []
    conn.addEventListener('drop', (e) => drops.push(e.reason))
    let acks = 0
    conn.addEventListener('ack', () => acks++)
    let resumed = 0
    conn.addEventListener('resumed', () => resumed++)
    let i = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === COUNT) return controller.close()
        const chunk = new Uint8Array(CHUNK)
        new DataView(chunk.buffer).setUint32(0, i++)
        controller.enqueue(chunk)
      },
    })
    await source.pipeTo(toStreams(conn).writable)
    // close() returned after the last ack: the server holds every chunk.
    expect(got).toEqual(Array.from({ length: COUNT }, (_, n) => n))
    expect(bytes).toBe(COUNT * CHUNK)
    expect(drops).toEqual([])
    expect(resumed).toBeGreaterThanOrEqual(1)
    // The bound was reached and held: the producer waited on acks, never past maxBytes.
    expect(most).toBeLessThanOrEqual(maxBytes)
    expect(most).toBeGreaterThan(maxBytes - (CHUNK + MESSAGE_OVERHEAD))
    expect(acks).toBeGreaterThanOrEqual(COUNT / 8)
    await waitFor(
      () => conn?.state === 'closed',
      'the connection closed',
      5_000,
      (wake) => {
        conn?.addEventListener('close', wake)
        return () => conn?.removeEventListener('close', wake)
      },
    )
  })
})
