/**
 * Refusals lose nothing: a message written to a socket that the server refuses
 * before reading it (1013 from admission(), before any inbound frame) goes back to
 * the front of the queue, in order, and is sent on the next socket: no duplicate,
 * no drop (docs/reliability.md, "When a message is handed over").
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, type SendOutcome } from '../src/index.js'
import {
  type ControlledServer,
  startControlledServer,
  WebSocket,
} from './helpers/controlled-server.js'
import {
  expectEachOnceInOrder,
  STORM_CLIENTS,
  stormAdmission,
  stormClients,
} from './helpers/refusal-storm.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

let server: ControlledServer | undefined
const conns: Connection[] = []
afterEach(async () => {
  for (const conn of conns.splice(0)) conn.close()
  await server?.close()
  server = undefined
})

/** Resolves once every connection is `open` or waiting to reconnect (each attempt settled). */
function settled(list: Connection[]): Promise<void> {
  const done = () => list.every((c) => c.state === 'open' || c.state === 'waitingToReconnect')
  return new Promise((resolve, reject) => {
    if (done()) return resolve()
    const timer = setTimeout(() => {
      const states = list.map((c) => c.state).filter((s) => s !== 'open')
      reject(new Error(`attempts did not settle within 20 s: ${states.join(', ')}`))
    }, 20_000)
    // `open` and `reconnecting` end an attempt (no statechange listener: it would
    // make every connection read the chart's inspection stream).
    const check = () => {
      if (!done()) return
      clearTimeout(timer)
      for (const c of list) {
        c.removeEventListener('open', check)
        c.removeEventListener('reconnecting', check)
      }
      resolve()
    }
    for (const c of list) {
      c.addEventListener('open', check)
      c.addEventListener('reconnecting', check)
    }
  })
}

describe("admission's default refusal (101, then 1013) and a client without resume", () => {
  it('300 clients with 10 queued messages each: 3,000 delivered once, in order, 0 drops', async () => {
    server = await startControlledServer()
    const bucket = stormAdmission(server.wss)
    const clock = new SimulatedClock()
    const storm = stormClients(server.url, { WebSocket, clock })
    conns.push(...storm.conns)
    // Each round: the bucket refills (100 more handshakes), every waiting client's
    // timer fires (hints and backoff are at most maxDelay), the attempts settle.
    let rounds = 0
    for (; rounds < 20; rounds++) {
      await settled(conns)
      if (conns.every((c) => c.state === 'open')) break
      bucket.refill()
      clock.increment(1000)
    }
    // Every socket that ended was refused (200 in the first round, then about 100).
    expect(storm.codes).toEqual([])
    expect(storm.refusals.length).toBeGreaterThanOrEqual(200)
    // A last message on every socket: once each has arrived, everything before it has (TCP order).
    for (const conn of conns) conn.send('end')
    await server.when(
      () => server?.received.filter((m) => m === 'end').length === STORM_CLIENTS,
      'end from every client',
    )
    const messages = server.received.filter((m) => m !== 'end')
    expect(storm.drops).toEqual([])
    // Once each, all of them, in order per client.
    expectEachOnceInOrder(messages)
  }, 60_000)
})

/** A connection over scripted sockets, its drops and its sockets. */
function scripted(options: Record<string, unknown> = {}) {
  const registry = new SocketRegistry()
  const conn = createConnection('ws://refusal.invalid/', {
    WebSocket: registry.WebSocket,
    clock: new SimulatedClock(),
    heartbeat: false,
    random: () => 0,
    reconnect: { initialDelay: 10, maxDelay: 10, stableAfter: 0 },
    ...options,
  })
  conns.push(conn)
  const drops: string[] = []
  conn.addEventListener('drop', (e) => drops.push(`${String(e.data)} ${e.reason}`))
  const socket = (i: number) => {
    const s = registry.sockets[i]
    if (s === undefined) throw new Error(`no socket ${i}`)
    return s
  }
  const sent = (i: number) => socket(i).sent.map((r) => String(r.data))
  return { conn, registry, drops, socket, sent }
}

describe('a socket refused before the server read anything', () => {
  it('1013 before any inbound frame: what it took goes back to the front of the queue, in order, and is sent once on the next socket', () => {
    const { conn, drops, socket, sent } = scripted()
    conn.send('a')
    conn.send('b')
    socket(0).fireOpen()
    conn.send('c') // written directly, just as tentative
    expect(sent(0)).toEqual(['a', 'b', 'c'])
    socket(0).readyState = 2 // the close frame arrived: later sends queue
    conn.send('d')
    socket(0).fireClose(1013, 'try again later retry-after=10ms')
    expect(conn.queued).toBe(4)
    conn.reconnect()
    socket(1).fireOpen()
    expect(sent(1)).toEqual(['a', 'b', 'c', 'd'])
    expect(drops).toEqual([])
  })

  it('any inbound frame first (a message or a pong) hands everything over', () => {
    const heard = scripted()
    heard.socket(0).fireOpen()
    heard.conn.send('a')
    heard.socket(0).fireMessage('pong')
    heard.conn.send('b')
    heard.socket(0).fireClose(1013)
    expect(heard.conn.queued).toBe(0)
  })

  it('every other end hands over what was written, as a WebSocket would (1000, 1001, 1006, 1011, 1012 a restarting server sends after reading, an error)', () => {
    for (const code of [1000, 1001, 1006, 1011, 1012]) {
      const { conn, socket } = scripted()
      socket(0).fireOpen()
      conn.send('a')
      socket(0).fireClose(code)
      expect(conn.queued).toBe(0)
    }
    const failed = scripted()
    failed.socket(0).fireOpen()
    failed.conn.send('a')
    failed.socket(0).fireError(3)
    failed.socket(0).fireClose(1013)
    expect(failed.conn.queued).toBe(0)
  })

  it('at most the queue’s size is held back (the oldest beyond counts as handed over); what no longer fits is dropped as the queue would drop it', () => {
    const reject = scripted({ queue: { max: 3, overflow: 'reject' } })
    reject.socket(0).fireOpen()
    for (const m of ['a', 'b', 'c', 'd']) reject.conn.send(m)
    reject.socket(0).readyState = 2
    reject.conn.send('e')
    reject.socket(0).fireClose(1013)
    // b, c, d came back (a was past the bound); e, the newest, no longer fits.
    expect(reject.drops).toEqual(['e queue-full'])
    reject.conn.reconnect()
    reject.socket(1).fireOpen()
    expect(reject.sent(1)).toEqual(['b', 'c', 'd'])

    const oldest = scripted({ queue: { max: 3, overflow: 'drop-oldest' } })
    oldest.socket(0).fireOpen()
    for (const m of ['a', 'b', 'c']) oldest.conn.send(m)
    oldest.socket(0).readyState = 2
    oldest.conn.send('d')
    oldest.socket(0).fireClose(1013)
    expect(oldest.drops).toEqual(['a queue-overflow'])
    expect(oldest.conn.queued).toBe(3)

    // No queue at all: a refused message is reported like any send that found no open socket.
    const none = scripted({ queue: false })
    none.socket(0).fireOpen()
    none.conn.send('a')
    none.socket(0).fireClose(1013)
    expect(none.drops).toEqual(['a not-open'])
  })

  it('a socket not yet heard from holds back the newest messages within the bytes queued at open plus 1 MiB (1 MiB more between trims); older messages count as handed over', () => {
    const { conn, socket, sent } = scripted()
    const KiB64 = 64 * 1024
    const message = (i: number) => `${i}:`.padEnd(KiB64, '.')
    const held = new Set<number>()
    const send = (i: number) => {
      held.add(i)
      conn.send(message(i), (o: SendOutcome) => {
        if (o.status === 'written') held.delete(i)
      })
    }
    // 48 × 64 KiB (3 MiB) queued before open: the queue held them already, all stay held.
    for (let i = 0; i < 48; i++) send(i)
    socket(0).fireOpen()
    expect(held.size).toBe(48)
    // 160 × 64 KiB (10 MiB) written while the server says nothing.
    for (let i = 48; i < 208; i++) send(i)
    const heldBytes = held.size * KiB64
    expect(heldBytes).toBeLessThanOrEqual(5 * 1024 * 1024)
    expect(heldBytes).toBeGreaterThan(4 * 1024 * 1024 - KiB64)
    // After a refusal the newest within the bound come back, in order; the rest were handed over.
    socket(0).fireClose(1013)
    const back = [...held].sort((a, b) => a - b)
    expect(back.length * KiB64).toBeLessThanOrEqual(4 * 1024 * 1024)
    expect(back.at(-1)).toBe(207)
    expect(back.every((m, k) => k === 0 || m === (back[k - 1] as number) + 1)).toBe(true)
    expect(conn.queued).toBe(back.length)
    conn.reconnect()
    socket(1).fireOpen()
    expect(sent(1).map((d) => Number(d.slice(0, d.indexOf(':'))))).toEqual(back)
  })

  it('what comes back is held to queue.maxBytes too, each message entering as a send() would: reject refuses one that would pass the bound, drop-oldest pushes out the oldest, a message over the bound alone is refused', () => {
    // 10 bytes at most; written directly while open: 12 bytes, then 2 queued after the close frame.
    const refuse = (overflow: string) => {
      const run = scripted({ queue: { maxBytes: 10, overflow } })
      const outcomes: string[] = []
      run.socket(0).fireOpen()
      for (const m of ['aaaa', 'bbbb', 'cccc']) {
        run.conn.send(m, (o: SendOutcome) =>
          outcomes.push(`${m} ${o.status}${o.status === 'dropped' ? ` ${o.reason}` : ''}`),
        )
      }
      run.socket(0).readyState = 2
      run.conn.send('dd')
      run.socket(0).fireClose(1013)
      return { ...run, outcomes }
    }
    const reject = refuse('reject')
    // aaaa and bbbb fit (8 bytes); cccc would pass the bound and is refused; dd, queued since, still fits.
    expect(reject.drops).toEqual(['cccc queue-full'])
    expect(reject.outcomes).toEqual(['aaaa queued', 'bbbb queued', 'cccc dropped queue-full'])
    expect([reject.conn.queued, reject.conn.bufferedAmount]).toEqual([3, 10])
    reject.conn.reconnect()
    reject.socket(1).fireOpen()
    expect(reject.sent(1)).toEqual(['aaaa', 'bbbb', 'dd'])

    const oldest = refuse('drop-oldest')
    // 14 bytes came back and waited: the oldest is pushed out until 10 fit.
    expect(oldest.drops).toEqual(['aaaa queue-overflow'])
    expect(oldest.outcomes).toEqual(['bbbb queued', 'cccc queued', 'aaaa dropped queue-overflow'])
    expect([oldest.conn.queued, oldest.conn.bufferedAmount]).toEqual([3, 10])
    oldest.conn.reconnect()
    oldest.socket(1).fireOpen()
    expect(oldest.sent(1)).toEqual(['bbbb', 'cccc', 'dd'])

    // A message larger than the bound never fits: it alone is refused, under either policy.
    for (const overflow of ['reject', 'drop-oldest']) {
      const big = scripted({ queue: { maxBytes: 10, overflow } })
      big.socket(0).fireOpen()
      big.conn.send('x'.repeat(11))
      big.conn.send('a')
      big.socket(0).fireClose(1013)
      expect(big.drops).toEqual([`${'x'.repeat(11)} queue-full`])
      expect([big.conn.queued, big.conn.bufferedAmount]).toEqual([1, 1])
    }
  })

  it('a connection that stops after the refusal reports what came back as dropped (closed)', () => {
    const { conn, drops, socket } = scripted({ reconnect: false })
    socket(0).fireOpen()
    conn.send('a')
    socket(0).fireClose(1013)
    expect(conn.state).toBe('closed')
    expect(drops).toEqual(['a closed'])
  })
})

describe('send(data, outcome): what became of each message', () => {
  it('queued, then written once the server shows it reads', () => {
    const { conn, socket } = scripted()
    const seen: string[] = []
    const note = (m: string) => (o: SendOutcome) =>
      seen.push(`${m} ${o.status}${o.status === 'dropped' ? ` ${o.reason}` : ''}`)
    conn.send('a', note('a'))
    socket(0).fireOpen()
    conn.send('b', note('b'))
    expect(seen).toEqual(['a queued'])
    socket(0).fireMessage('hello')
    expect(seen).toEqual(['a queued', 'a written', 'b written'])
    conn.send('c', note('c')) // the server reads this socket: handed over at once
    expect(seen.at(-1)).toBe('c written')
  })

  it('a refusal puts it back (queued again), the next socket hands it over; every drop names its reason', () => {
    const { conn, socket } = scripted({ queue: { max: 1, overflow: 'reject' } })
    const seen: string[] = []
    const note = (m: string) => (o: SendOutcome) =>
      seen.push(`${m} ${o.status}${o.status === 'dropped' ? ` ${o.reason}` : ''}`)
    conn.send('a', note('a'))
    conn.send('b', note('b'))
    socket(0).fireOpen()
    socket(0).fireClose(1013)
    conn.reconnect()
    socket(1).fireOpen()
    socket(1).fireClose(1006) // no refusal: handed over
    conn.close()
    conn.send('c', note('c'))
    expect(seen).toEqual([
      'a queued',
      'b dropped queue-full',
      'a queued',
      'a written',
      'c dropped closed',
    ])
  })

  it('queued messages of a connection that closes for good are dropped (closed), after their drop event', () => {
    const { conn, drops, socket } = scripted()
    const seen: string[] = []
    conn.send('a', (o) => seen.push(`${o.status} after ${drops.length} drop event(s)`))
    conn.close()
    socket(0).fireClose(1006)
    expect(seen).toEqual(['queued after 0 drop event(s)', 'dropped after 1 drop event(s)'])
  })

  it('a listener that throws is reported later and stops nothing', async () => {
    const { conn, socket, sent } = scripted()
    const thrown = new Promise((resolve) => process.once('uncaughtException', resolve))
    socket(0).fireOpen()
    socket(0).fireMessage('hello')
    conn.send('a', () => {
      throw new Error('listener bug')
    })
    conn.send('b')
    expect(sent(0)).toEqual(['a', 'b'])
    expect(String(await thrown)).toMatch(/listener bug/)
  })

  it('with a delivery layer: written when the layer takes it, dropped with the reason of its drop event', () => {
    let accept = true
    const { conn, drops } = scripted({
      resume: (host: { dispatch(type: string, detail: Record<string, unknown>): void }) => ({
        opened() {},
        inbound: (data: unknown) => data,
        send(data: string) {
          if (!accept) host.dispatch('drop', { data, reason: 'resume-buffer-full' })
          return accept
        },
        ended() {},
        closed() {},
      }),
    })
    const seen: SendOutcome[] = []
    conn.send('a', (o) => seen.push(o))
    accept = false
    conn.send('b', (o) => seen.push(o))
    expect(seen).toEqual([
      { status: 'written' },
      { status: 'dropped', reason: 'resume-buffer-full' },
    ])
    expect(drops).toEqual(['b resume-buffer-full'])
  })
})
