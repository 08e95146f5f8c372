/** The adapter against real `ws` servers on port 0, with `ws` as the client. */

import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  type CloseEventDetails,
  type Connection,
  type ConnectionOptions,
  createConnection,
  presets,
  type StateChangeEvent,
} from '../src/index.js'
import { killed, spawnEchoServer } from './helpers/process.js'
import { next, startServer, type TestServer, trackingClock } from './helpers/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function connect(url: string, options: ConnectionOptions = {}): Connection {
  const conn = createConnection(url, { WebSocket, ...options })
  cleanups.push(() => {
    if (conn.state !== 'closed') conn.close()
  })
  return conn
}
async function server(options?: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(options)
  cleanups.push(() => s.close())
  return s
}
function recordStates(conn: Connection): string[] {
  const states: string[] = [conn.state]
  conn.addEventListener('statechange', (e: StateChangeEvent) => states.push(e.to))
  return states
}

describe('against a real ws server', () => {
  it('opens, echoes, and reports open state inside onopen', async () => {
    const s = await server()
    const conn = connect(s.url)
    const seen: unknown[] = []
    conn.onopen = () => {
      seen.push([conn.state, conn.readyState])
      conn.send('hello')
    }
    const message = await next<MessageEvent>(conn, 'message')
    expect(seen).toEqual([['open', 1]])
    expect(message.data).toBe('echo:hello')
    expect(conn.url).toBe(`${s.url}/`)
  })

  it('a listener whose type is an object the platform converts to "message" receives messages', async () => {
    const s = await server()
    const conn = connect(s.url)
    // EventTarget converts the type with String(); no other message listener exists.
    const type = { toString: () => 'message' } as unknown as 'message'
    const message = new Promise<unknown>((resolve) => {
      conn.addEventListener(type, (e) => resolve(e.data))
    })
    conn.onopen = () => conn.send('converted')
    expect(await message).toBe('echo:converted')
  })

  it('hides pongs from the application, and delivers them when asked', async () => {
    const s = await server()
    for (const deliverPongs of [false, true]) {
      const conn = connect(s.url, { heartbeat: { interval: 30, timeout: 1000, deliverPongs } })
      const messages: unknown[] = []
      conn.onmessage = (e) => messages.push(e.data)
      // Wait for two full heartbeat cycles (each ends with a pong coming back).
      let cycles = 0
      await next<StateChangeEvent>(conn, 'statechange', (e) => {
        if (e.from === 'awaitingPong' && e.to === 'open') cycles++
        return cycles === 2
      })
      conn.send('data')
      await next<MessageEvent>(conn, 'message', (e) => e.data === 'echo:data')
      if (deliverPongs)
        expect(messages.filter((m) => m === 'pong').length).toBeGreaterThanOrEqual(2)
      else expect(messages).toEqual(['echo:data'])
      conn.close()
    }
  })

  it('sends queued messages in order before the open event, then new ones', async () => {
    const s = await server()
    const conn = connect(s.url)
    expect(conn.send('one')).toBe(true)
    expect(conn.send('two')).toBe(true)
    expect(conn.queued).toBe(2)
    conn.onopen = () => conn.send('three')
    const got: string[] = []
    await next<MessageEvent>(conn, 'message', (e) => got.push(String(e.data)) === 3)
    expect(got).toEqual(['echo:one', 'echo:two', 'echo:three'])
    expect(s.received).toEqual(['one', 'two', 'three'])
    expect(conn.queued).toBe(0)
  })

  it('a killed and restarted server receives the messages queued meanwhile, in order, once', async () => {
    let s = await startServer()
    const port = s.port
    const conn = connect(s.url, {
      reconnect: { initialDelay: 20, maxDelay: 50 },
      heartbeat: { interval: 200, timeout: 200 },
    })
    await next(conn, 'open')
    conn.send('before')
    await next<MessageEvent>(conn, 'message', (e) => e.data === 'echo:before')
    const before = s.received.slice()
    await s.close()
    await next(conn, 'close')
    for (let i = 0; i < 20; i++) expect(conn.send(`queued-${i}`)).toBe(true)
    // Let at least one retry fail against the closed port.
    await next<CloseEventDetails>(conn, 'close', (e) => e.willReconnect)
    s = await startServer({ port })
    cleanups.push(() => s.close())
    await next(conn, 'open')
    await next<MessageEvent>(conn, 'message', (e) => e.data === 'echo:queued-19')
    expect(before).toEqual(['before'])
    expect(s.received).toEqual(Array.from({ length: 20 }, (_, i) => `queued-${i}`))
  })

  for (const [label, heartbeat, closeTimeout] of [
    ['small timings', { interval: 150, timeout: 150 }, 100],
    ['the classic recipe (presets.seed)', presets.seed.heartbeat, 1000],
  ] as const) {
    it(`a frozen server (SIGSTOP) is detected and a new attempt starts within interval + timeout + closeTimeout: ${label}`, async () => {
      const { child, port } = await spawnEchoServer()
      cleanups.push(() => killed(child))
      const conn = connect(`ws://127.0.0.1:${port}`, {
        heartbeat,
        closeTimeout,
        reconnect: { initialDelay: 0, maxDelay: 0 },
      })
      const states = recordStates(conn)
      await next(conn, 'open')
      // One heartbeat round trip first, to prove the link works; the freeze then
      // starts right after an inbound message, the worst case for detection.
      let aliveAt = 0
      await next<StateChangeEvent>(conn, 'statechange', (e) => {
        aliveAt = performance.now()
        return e.from === 'awaitingPong' && e.to === 'open'
      })
      const frozenAt = performance.now()
      child.kill('SIGSTOP')
      cleanups.push(() => child.kill('SIGCONT'))
      let connectingAt = 0
      await next<StateChangeEvent>(
        conn,
        'statechange',
        (e) => {
          connectingAt = performance.now()
          return e.to === 'connecting'
        },
        20_000,
      )
      const detection = connectingAt - frozenAt
      const budget = heartbeat.interval + heartbeat.timeout + closeTimeout
      // Real timers fire late, by more on a slower or busier machine and over more
      // and longer timers (the commit before this work measured 7,133 ms for the
      // 7,000 ms seed budget on the CI machine): allow 100 ms or 5 %, whichever is
      // more. The bound still proves the dead socket's close is never awaited (ws
      // would wait 30 s for it).
      const slack = Math.max(100, budget * 0.05)
      console.info(
        `detection (${label}): ${detection.toFixed(0)} ms, budget ${budget} ms + ${slack} ms`,
      )
      expect(detection).toBeLessThanOrEqual(budget + slack)
      // Nor sooner: the silence must last `interval`, the pong wait `timeout` and the
      // unanswered close `closeTimeout`, all counted from the last pong. A timer may
      // fire up to 1 ms early (Node rounds to whole milliseconds), three in a row.
      expect(connectingAt - aliveAt).toBeGreaterThanOrEqual(budget - 3)
      expect(states.slice(-5)).toEqual([
        'open',
        'awaitingPong',
        'closing',
        'waitingToReconnect',
        'connecting',
      ])
    })
  }

  it('validates close() as a browser does, and a refused call changes nothing', async () => {
    const s = await server()
    const conn = connect(s.url)
    await next(conn, 'open')
    expect(() => conn.close(1001)).toThrowError(
      expect.objectContaining({ name: 'InvalidAccessError' }),
    )
    expect(() => conn.close(1000, 'é'.repeat(62))).toThrowError(
      expect.objectContaining({ name: 'SyntaxError' }),
    )
    expect(conn.state).toBe('open')
    conn.send('still')
    await next<MessageEvent>(conn, 'message', (e) => e.data === 'echo:still')
    conn.close(4001, 'é'.repeat(61))
    const close = await next<CloseEventDetails>(conn, 'close')
    expect(close).toMatchObject({
      code: 4001,
      reason: 'é'.repeat(61),
      wasClean: true,
      willReconnect: false,
    })
  })

  it('leaves no timer behind after close(), and reconnect() after close() works', async () => {
    const s = await server()
    const clock = trackingClock()
    const conn = connect(s.url, { clock, heartbeat: { interval: 20, timeout: 1000 } })
    await next(conn, 'open')
    await next<StateChangeEvent>(conn, 'statechange', (e) => e.to === 'awaitingPong')
    expect(clock.pending).toBeGreaterThan(0)
    conn.close()
    await next(conn, 'close')
    expect(conn.state).toBe('closed')
    expect(clock.pending).toBe(0)
    // Nothing reconnects by itself...
    expect(s.connections).toBe(1)
    // ...until asked.
    conn.reconnect()
    await next(conn, 'open')
    expect(s.connections).toBe(2)
    conn.send('again')
    await next<MessageEvent>(conn, 'message', (e) => e.data === 'echo:again')
  })

  it('reports every message it cannot deliver', async () => {
    const s = await server()
    const conn = connect(s.url, { queue: { max: 2, overflow: 'reject' }, reconnect: false })
    const drops: unknown[] = []
    conn.addEventListener('drop', (e) => drops.push([e.data, e.reason]))
    expect(conn.send('a')).toBe(true)
    expect(conn.send('b')).toBe(true)
    expect(conn.send('c')).toBe(false)
    await next(conn, 'open')
    conn.close()
    await next(conn, 'close')
    expect(conn.send('d')).toBe(false)
    expect(drops).toEqual([
      ['c', 'queue-full'],
      ['d', 'closed'],
    ])
    expect(s.received).toEqual(['a', 'b'])
  })
})
