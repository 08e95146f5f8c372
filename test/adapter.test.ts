/**
 * Fast adapter unit tests on mock-socket with vitest fake timers. mock-socket's
 * quirks (noted where they matter): a URL with no server reports a clean 1000
 * close after an error; `simulate('error')` fires no close.
 */
import { WebSocket as MockWebSocket, Server } from 'mock-socket'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AttemptInfo,
  type Connection,
  type ConnectionOptions,
  createConnection,
  type LayerHost,
} from '../src/index.js'

const URL_ = 'ws://mock.test:1234/'
let server: Server | undefined
const conns: Connection[] = []

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  for (const c of conns.splice(0)) if (c.state !== 'closed') c.close()
  server?.stop()
  server = undefined
  vi.useRealTimers()
})

function connect(
  options: ConnectionOptions = {},
  url: Parameters<typeof createConnection>[0] = URL_,
) {
  const conn = createConnection(url, {
    WebSocket: MockWebSocket as unknown as ConnectionOptions['WebSocket'],
    reconnect: { initialDelay: 100, maxDelay: 100, jitter: 'none' },
    ...options,
  })
  conns.push(conn)
  return conn
}
function listen() {
  server = new Server(URL_)
  const received: unknown[] = []
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      received.push(data)
      if (data === 'ping') socket.send('pong')
    })
  })
  return received
}

describe('adapter on mock-socket', () => {
  it('a layer made with the connection may read it and listen to it at once (construction does not re-enter)', async () => {
    listen()
    const seen: string[] = []
    const conn = connect({
      resume: ((host: LayerHost) => {
        seen.push(`made in ${host.state()}`)
        const target = host.connection as Connection
        target.addEventListener('statechange', (e) => seen.push(`${e.from}->${e.to} (${e.event})`))
        return {
          opened: () => undefined,
          inbound: (data: unknown) => data,
          send: () => true,
          ended: () => undefined,
          closed: () => undefined,
        }
      }) as ConnectionOptions['resume'],
    })
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('open')
    expect(seen).toEqual(['made in connecting', 'connecting->open (socket.open)'])
  })

  it('maps states to WebSocket readyState values', async () => {
    listen()
    const conn = connect()
    expect([conn.state, conn.readyState]).toEqual(['connecting', 0])
    await vi.advanceTimersByTimeAsync(10)
    expect([conn.state, conn.readyState]).toEqual(['open', 1])
    conn.close()
    expect([conn.state, conn.readyState]).toEqual(['closing', 2])
    await vi.advanceTimersByTimeAsync(10)
    expect([conn.state, conn.readyState]).toEqual(['closed', 3])
  })

  it('re-applies binaryType to every new socket', async () => {
    listen()
    const conn = connect({ binaryType: 'arraybuffer' })
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.binaryType).toBe('arraybuffer')
    conn.binaryType = 'blob'
    conn.reconnect()
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('open')
    expect(conn.binaryType).toBe('blob')
  })

  it('calls url and protocols functions before every attempt, with attempt and reason', async () => {
    listen()
    const urls: AttemptInfo[] = []
    const protos: AttemptInfo[] = []
    const conn = connect(
      {
        protocols: (info) => {
          protos.push(info)
          return ['v1']
        },
      },
      async (info) => {
        urls.push(info)
        return URL_
      },
    )
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('open')
    server?.clients()[0]?.close({ code: 1011, reason: 'restart', wasClean: true })
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('waitingToReconnect')
    await vi.advanceTimersByTimeAsync(110)
    expect(conn.state).toBe('open')
    expect(urls).toEqual([
      { attempt: 0, reason: 'initial' },
      { attempt: 1, reason: 'server-close' },
    ])
    expect(protos).toEqual(urls)
  })

  it('a url function that throws or returns a bad URL is a failed attempt, not an exception', async () => {
    listen()
    let calls = 0
    const conn = connect({}, () => {
      calls++
      if (calls === 1) throw new Error('token service down')
      if (calls === 2) return 'ftp://mock.test/'
      return URL_
    })
    const errors: unknown[] = []
    conn.onerror = (e) => errors.push((e.error as Error).message)
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('waitingToReconnect')
    await vi.advanceTimersByTimeAsync(110)
    expect(conn.state).toBe('waitingToReconnect')
    await vi.advanceTimersByTimeAsync(110)
    expect(conn.state).toBe('open')
    expect(errors).toHaveLength(2)
    expect(errors[0]).toBe('token service down')
    expect(errors[1]).toMatch(/must use ws: or wss:/)
  })

  it('queues while connecting and flushes in order; drop-oldest reports what it pushes out', async () => {
    const received = listen()
    const conn = connect({ queue: { max: 2, overflow: 'drop-oldest' } })
    const drops: unknown[] = []
    conn.addEventListener('drop', (e) => drops.push([e.data, e.reason]))
    expect([conn.send('1'), conn.send('2'), conn.send('3')]).toEqual([true, true, true])
    expect(drops).toEqual([['1', 'queue-overflow']])
    await vi.advanceTimersByTimeAsync(10)
    expect(received).toEqual(['2', '3'])
  })

  it('queue: false refuses sends while not open, each reported', async () => {
    listen()
    const conn = connect({ queue: false })
    const drops: unknown[] = []
    conn.addEventListener('drop', (e) => drops.push([e.data, e.reason]))
    expect(conn.send('early')).toBe(false)
    expect(drops).toEqual([['early', 'not-open']])
  })

  it('messages queued when the connection closes for good are reported as dropped', async () => {
    const conn = connect({ reconnect: false })
    const drops: unknown[] = []
    conn.addEventListener('drop', (e) => drops.push([e.data, e.reason]))
    conn.send('x')
    conn.send('y')
    // No server at this URL: mock-socket errors, then reports a clean 1000 close.
    await vi.advanceTimersByTimeAsync(10)
    expect(conn.state).toBe('closed')
    expect(drops).toEqual([
      ['x', 'closed'],
      ['y', 'closed'],
    ])
  })

  it('a socket error leads through closing to a retry, and is reported', async () => {
    listen()
    const conn = connect({ closeTimeout: 50 })
    const states: string[] = []
    conn.addEventListener('statechange', (e) => states.push(e.to))
    let errors = 0
    conn.onerror = () => errors++
    await vi.advanceTimersByTimeAsync(10)
    // mock-socket's simulate('error') fires no close; heartline's own close() then ends it.
    server?.simulate('error')
    await vi.advanceTimersByTimeAsync(50)
    expect(errors).toBe(1)
    expect(states).toEqual(['open', 'closing', 'waitingToReconnect'])
  })

  it('supports handleEvent objects, removeEventListener, and isolates throwing listeners', async () => {
    listen()
    const conn = connect()
    const seen: string[] = []
    const object = { handleEvent: (e: { type: string }) => seen.push(`object:${e.type}`) }
    const fn = () => seen.push('fn')
    conn.addEventListener('open', object)
    conn.addEventListener('open', fn)
    conn.addEventListener('open', fn) // added once, as EventTarget does
    conn.addEventListener('open', () => {
      throw new Error('listener bug')
    })
    conn.addEventListener('open', () => seen.push('after-throw'))
    conn.removeEventListener('open', object)
    // The throwing listener's error is reported by the platform's EventTarget
    // (in Node as an uncaught exception on a later tick), after every other
    // listener ran.
    const caught: unknown[] = []
    process.setUncaughtExceptionCaptureCallback((error) => caught.push(error))
    try {
      await vi.advanceTimersByTimeAsync(10)
      await new Promise((resolve) => process.nextTick(resolve))
    } finally {
      process.setUncaughtExceptionCaptureCallback(null)
    }
    expect(caught.map((e) => (e as Error).message)).toEqual(['listener bug'])
    expect(seen).toEqual(['fn', 'after-throw'])
    expect(conn.state).toBe('open')
  })

  it('throws at once for an invalid URL or a missing WebSocket implementation', () => {
    expect(() => createConnection('not a url', { WebSocket: MockWebSocket as never })).toThrow(
      /is not an absolute URL/,
    )
    expect(() => createConnection(URL_)).toThrow(/pass `WebSocket` from the `ws` package/)
  })

  it('subscribe() reports state changes until unsubscribed', async () => {
    listen()
    const conn = connect()
    const seen: string[] = []
    const unsubscribe = conn.subscribe((e) => seen.push(`${e.from}>${e.to}`))
    await vi.advanceTimersByTimeAsync(10)
    unsubscribe()
    conn.close()
    await vi.advanceTimersByTimeAsync(10)
    expect(seen).toEqual(['connecting>open'])
  })
})

describe('the heartbeat through the real socket actor', () => {
  it('pings exactly interval after the last inbound message, the clock read once per turn', async () => {
    const { SimulatedClock } = await import('xstate')
    const { SocketRegistry } = await import('./helpers/scripted-socket.js')
    const { advance } = await import('./helpers/chart.js')
    vi.useRealTimers()
    const clock = new SimulatedClock()
    const registry = new SocketRegistry()
    const conn = createConnection(URL_, {
      WebSocket: registry.WebSocket as never,
      clock,
      heartbeat: { interval: 1000, timeout: 500 },
    })
    conns.push(conn)
    const socket = registry.latest()
    socket?.fireOpen()
    expect(conn.state).toBe('open')
    advance(clock, 700)
    // A burst in one turn of the event loop, then the turn ends (microtasks run),
    // as between a socket read and the next timer.
    for (let i = 0; i < 50; i++) socket?.fireMessage(`m${i}`)
    await Promise.resolve()
    advance(clock, 300) // t = 1000: the check finds 300 ms of silence
    expect(conn.state).toBe('open')
    advance(clock, 699) // t = 1699
    expect(conn.state).toBe('open')
    advance(clock, 1) // t = 1700 = the last message + interval
    expect(conn.state).toBe('awaitingPong')
    expect(socket?.sent.map((s) => s.data)).toEqual(['ping'])
  })
})
