/**
 * Send-side flow control on a scripted socket and a simulated clock:
 * `bufferedAmount` (queue bytes plus the socket's own count) across open, down,
 * reconnect and close; the `bufferedamountlow` event at each fall to the
 * threshold, once per fall, after `open`; `whenBufferedAmountLow()`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection } from '../src/index.js'
import { POLL_MS } from '../src/low-water.js'
import { type ScriptedSocket, SocketRegistry } from './helpers/scripted-socket.js'

const conns: Connection[] = []
afterEach(() => {
  for (const c of conns.splice(0)) c.close()
})

/** A scripted socket that counts what it is given, as a socket that writes nothing yet would. */
function countingSockets(registry: SocketRegistry) {
  return class Counting extends registry.WebSocket {
    override send(data: unknown): void {
      super.send(data)
      this.bufferedAmount +=
        typeof data === 'string'
          ? new TextEncoder().encode(data).byteLength
          : (data as ArrayBuffer).byteLength
    }
  }
}

function world(extra: Record<string, unknown> = {}) {
  const registry = new SocketRegistry()
  const clock = new SimulatedClock()
  const conn = createConnection('ws://flow.invalid/', {
    WebSocket: countingSockets(registry),
    clock,
    heartbeat: false,
    reconnect: { initialDelay: 100, maxDelay: 100, jitter: 'none' },
    ...extra,
  })
  conns.push(conn)
  const socket = () => registry.sockets.at(-1) as ScriptedSocket
  const log: string[] = []
  for (const type of ['open', 'close', 'bufferedamountlow'] as const) {
    conn.addEventListener(type, () => log.push(`${type}@${conn.bufferedAmount}`))
  }
  return { conn, clock, socket, log }
}

describe('bufferedAmount', () => {
  it('counts queued bytes (UTF-8) and the socket’s own count, across open, down, reconnect and close', () => {
    const { conn, clock, socket } = world()
    expect(conn.bufferedAmount).toBe(0)
    conn.send('abc') // 3 bytes
    conn.send('é€😀') // 2 + 3 + 4 bytes
    conn.send(new Uint8Array(10))
    expect(conn.bufferedAmount).toBe(22)
    socket().fireOpen()
    // Flushed: the queue is empty and the socket holds what it has not written.
    expect(socket().sent).toHaveLength(3)
    expect(conn.bufferedAmount).toBe(22)
    socket().bufferedAmount = 12
    expect(conn.bufferedAmount).toBe(12)
    // Down: the dead socket's count is no longer the connection's; the queue's is.
    socket().fireClose(1006)
    expect(conn.state).toBe('waitingToReconnect')
    expect(conn.bufferedAmount).toBe(0)
    conn.send(new ArrayBuffer(7))
    expect(conn.bufferedAmount).toBe(7)
    clock.increment(100)
    expect(conn.bufferedAmount).toBe(7)
    socket().fireOpen()
    conn.send('xy')
    expect(conn.bufferedAmount).toBe(9)
    // Closed for good: queued data was dropped, and the socket is gone.
    socket().fireClose(1006)
    conn.send('later')
    expect(conn.bufferedAmount).toBe(5)
    conn.close()
    expect(conn.bufferedAmount).toBe(0)
  })

  it('counts a message pushed out by drop-oldest no more', () => {
    const { conn } = world({ queue: { max: 2, overflow: 'drop-oldest' } })
    conn.send('aaaa')
    conn.send('bb')
    conn.send('c')
    expect(conn.queued).toBe(2)
    expect(conn.bufferedAmount).toBe(3)
  })
})

describe('queue.maxBytes', () => {
  function queued(overflow: 'reject' | 'drop-oldest') {
    const { conn } = world({ queue: { max: 100, maxBytes: 10, overflow } })
    const drops: string[] = []
    conn.addEventListener('drop', (e) => drops.push(`${e.data}:${e.reason}`))
    return { conn, drops }
  }

  it("reject: a message that would pass the byte bound is refused ('queue-full')", () => {
    const { conn, drops } = queued('reject')
    expect([conn.send('aaaa'), conn.send('bbbb'), conn.send('ccc')]).toEqual([true, true, false])
    expect(drops).toEqual(['ccc:queue-full'])
    expect([conn.queued, conn.bufferedAmount]).toEqual([2, 8])
    expect(conn.send('cc')).toBe(true)
    expect(conn.bufferedAmount).toBe(10)
  })

  it("drop-oldest: the oldest go until the new one fits ('queue-overflow'); one larger than the bound is refused alone", () => {
    const { conn, drops } = queued('drop-oldest')
    conn.send('aaaa')
    conn.send('bbbb')
    expect(conn.send('ccccc')).toBe(true)
    expect(drops).toEqual(['aaaa:queue-overflow'])
    expect([conn.queued, conn.bufferedAmount]).toEqual([2, 9])
    expect(conn.send('x'.repeat(11))).toBe(false)
    expect(drops).toEqual(['aaaa:queue-overflow', `${'x'.repeat(11)}:queue-full`])
    expect([conn.queued, conn.bufferedAmount]).toEqual([2, 9])
  })

  it('refuses a bound that is not a whole number ≥ 1, naming it', () => {
    expect(() => world({ queue: { maxBytes: 0 } })).toThrow(/queue\.maxBytes/)
    expect(() => world({ queue: { maxBytes: 1.5 } })).toThrow(/queue\.maxBytes/)
    expect(world({ queue: { maxBytes: Number.POSITIVE_INFINITY } }).conn.send('x')).toBe(true)
  })
})

describe('bufferedamountlow', () => {
  it('fires once per fall to the threshold, after open, including when the queue drains after a reconnect', () => {
    const { conn, clock, socket, log } = world()
    conn.bufferedAmountLowThreshold = 4
    conn.send('0123456789') // queued while connecting: 10 > 4
    socket().fireOpen()
    clock.increment(POLL_MS)
    expect(log).toEqual(['open@10'])
    socket().bufferedAmount = 5
    clock.increment(POLL_MS)
    expect(log).toEqual(['open@10'])
    socket().bufferedAmount = 4
    clock.increment(POLL_MS)
    expect(log).toEqual(['open@10', 'bufferedamountlow@4'])
    socket().bufferedAmount = 0
    clock.increment(10 * POLL_MS)
    expect(log).toHaveLength(2)
    // A send that stays at or below the threshold is no crossing.
    conn.send('abcd')
    expect(conn.bufferedAmount).toBe(4)
    clock.increment(10 * POLL_MS)
    expect(log).toHaveLength(2)

    // Down with bytes queued: nothing drains (and nothing is read) until the next open.
    socket().bufferedAmount = 0
    socket().fireClose(1006)
    conn.send('0123456789')
    clock.increment(99)
    expect(log).toEqual(['open@10', 'bufferedamountlow@4', 'close@0'])
    clock.increment(1)
    socket().fireOpen()
    clock.increment(POLL_MS)
    socket().bufferedAmount = 0
    clock.increment(POLL_MS)
    expect(log).toEqual([
      'open@10',
      'bufferedamountlow@4',
      'close@0',
      'open@10',
      'bufferedamountlow@0',
    ])
  })

  it('watches a rise that came before the first listener', () => {
    const registry = new SocketRegistry()
    const clock = new SimulatedClock()
    const conn = createConnection('ws://flow.invalid/', {
      WebSocket: countingSockets(registry),
      clock,
      heartbeat: false,
    })
    conns.push(conn)
    const socket = registry.sockets[0] as ScriptedSocket
    socket.fireOpen()
    conn.send('abc')
    const seen: number[] = []
    conn.addEventListener('bufferedamountlow', () => seen.push(conn.bufferedAmount))
    socket.bufferedAmount = 0
    clock.increment(POLL_MS)
    expect(seen).toEqual([0])
  })

  it('has an onbufferedamountlow handler attribute', () => {
    const { conn, clock, socket } = world()
    socket().fireOpen()
    const seen: unknown[] = []
    expect(conn.onbufferedamountlow).toBe(null)
    conn.onbufferedamountlow = function (event) {
      seen.push([this === conn, event.type, event.target === conn])
    }
    conn.send('x')
    clock.increment(POLL_MS)
    socket().bufferedAmount = 0
    clock.increment(POLL_MS)
    expect(seen).toEqual([[true, 'bufferedamountlow', true]])
  })

  it('refuses a threshold that is not a number of bytes ≥ 0, naming it', () => {
    const { conn } = world()
    expect(() => {
      conn.bufferedAmountLowThreshold = -1
    }).toThrow(/`bufferedAmountLowThreshold` must be a number of bytes ≥ 0; got number -1/)
    expect(() => conn.whenBufferedAmountLow(Number.NaN)).toThrow(/`level`.*got NaN/)
    expect(conn.bufferedAmountLowThreshold).toBe(0)
  })
})

describe('whenBufferedAmountLow()', () => {
  it('resolves at once when low, at the fall to its level otherwise, and rejects when the connection closes', async () => {
    const { conn, clock, socket } = world()
    await conn.whenBufferedAmountLow()
    conn.send('0123456789')
    const order: string[] = []
    const at5 = conn.whenBufferedAmountLow(5).then(() => order.push('5'))
    const at0 = conn.whenBufferedAmountLow().then(() => order.push('0'))
    socket().fireOpen()
    clock.increment(POLL_MS)
    expect(order).toEqual([])
    socket().bufferedAmount = 5
    clock.increment(POLL_MS)
    await at5
    expect(order).toEqual(['5'])
    socket().bufferedAmount = 0
    clock.increment(POLL_MS)
    await at0
    expect(order).toEqual(['5', '0'])

    socket().fireClose(1006)
    conn.send('queued')
    const never = conn.whenBufferedAmountLow()
    conn.close()
    await expect(never).rejects.toMatchObject({ name: 'InvalidStateError' })
    await expect(conn.whenBufferedAmountLow()).rejects.toMatchObject({ name: 'InvalidStateError' })
  })
})
