/**
 * The default close-code table, row by row, against a real `ws` server that
 * closes each connection with the code under test; then `shouldReconnect`
 * overrides (true, false, a delay, invalid returns) and the attempt budget.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import {
  CLOSE_CODE_POLICY,
  type Connection,
  createConnection,
  defaultShouldReconnect,
} from '../src/index.js'
import {
  type ControlledServer,
  nextEvent,
  reach,
  startControlledServer,
  WebSocket,
} from './helpers/controlled-server.js'

let server: ControlledServer
let conn: Connection | undefined
afterEach(async () => {
  conn?.close()
  conn = undefined
  await server?.close()
})

/** How the server ends each connection: a code, an empty close frame (1005) or a TCP reset (1006). */
function endWith(code: number) {
  return (ws: WebSocket) => {
    if (code === 1005) ws.close()
    else if (code === 1006) ws.terminate()
    else ws.close(code, `bye ${code}`)
  }
}

// [code, retries?]: the table as docs/close-codes.md states it.
const ROWS: Array<[number, boolean]> = [
  [1000, true],
  [1001, true],
  [1002, false],
  [1003, false],
  [1005, true],
  [1006, true],
  [1007, false],
  [1008, false],
  [1009, false],
  [1010, false],
  [1011, true],
  [1012, true],
  [1013, true],
  [1014, true],
  [3000, false],
  [3003, false],
  [3500, true],
  [4000, true],
  [4001, false],
  [4003, false],
  [4500, true],
]

describe('default close-code table over a real socket', () => {
  for (const [code, retries] of ROWS) {
    it(`server close ${code} ${retries ? 'retries' : 'stops'}`, async () => {
      server = await startControlledServer()
      server.onConnection = endWith(code)
      conn = createConnection(server.url, {
        WebSocket,
        clock: new SimulatedClock(),
        heartbeat: false,
      })
      const close = await nextEvent(conn, 'close')
      expect(close.code).toBe(code)
      expect(close.cause).toBe('server-close')
      expect(close.willReconnect).toBe(retries)
      expect(conn.state).toBe(retries ? 'waitingToReconnect' : 'closed')
    })
  }

  it('a close the application asked for never reconnects, whatever shouldReconnect says', async () => {
    server = await startControlledServer()
    let asked = 0
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      shouldReconnect: () => {
        asked++
        return true
      },
    })
    await nextEvent(conn, 'open')
    conn.close(4000, 'done')
    const close = await nextEvent(conn, 'close')
    expect(close.willReconnect).toBe(false)
    expect(conn.state).toBe('closed')
    expect(asked).toBe(0)
  })

  it('nor does one asked for while the socket was already closing: the policy is not asked', async () => {
    server = await startControlledServer()
    let asked = 0
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 100, timeout: 100 },
      shouldReconnect: () => {
        asked++
        return true
      },
    })
    await nextEvent(conn, 'open')
    // The server never answers the ping: the pong deadline closes the socket.
    const c = conn
    c.addEventListener('statechange', (e) => {
      if (e.to === 'closing') c.close(4000, 'done')
    })
    clock.increment(100)
    clock.increment(100)
    const close = await nextEvent(conn, 'close')
    expect(close.cause).toBe('user')
    expect(close.willReconnect).toBe(false)
    expect(conn.state).toBe('closed')
    expect(asked).toBe(0)
  })
})

describe('defaultShouldReconnect, every row', () => {
  it('follows the table for server closes and errors, including 1015', () => {
    for (const [code, retries] of [...ROWS, [1015, false] as [number, boolean]]) {
      for (const cause of ['server-close', 'error'] as const) {
        expect(
          defaultShouldReconnect({ code, reason: '', wasClean: true, cause }),
          `${code} ${cause}`,
        ).toBe(retries)
      }
    }
  })
  it('retries every end heartline caused itself, whatever the code', () => {
    for (const cause of ['heartbeat-timeout', 'connect-timeout', 'manual', 'network'] as const) {
      expect(defaultShouldReconnect({ code: 1008, reason: '', wasClean: false, cause })).toBe(true)
    }
  })
  it('retries codes no row covers', () => {
    expect(
      defaultShouldReconnect({ code: 2500, reason: '', wasClean: true, cause: 'server-close' }),
    ).toBe(true)
  })
  it('is the table docs/close-codes.md shows, row for row, each with its reason', () => {
    const readme = readFileSync(new URL('../docs/close-codes.md', import.meta.url), 'utf8').split(
      '\n',
    )
    const start = readme.findIndex((line) => line.startsWith('<!-- close-code-table'))
    expect(start).toBeGreaterThan(0)
    const rows: string[][] = []
    for (const line of readme.slice(start + 3)) {
      if (!line.startsWith('|')) break
      rows.push(
        line
          .slice(1, -1)
          .split(' | ')
          .map((cell) => cell.trim()),
      )
    }
    expect(rows.map(([code, retries]) => [code, retries])).toEqual(
      CLOSE_CODE_POLICY.map((row) => [
        typeof row.codes === 'number'
          ? String(row.codes)
          : `${row.codes[0]}–${row.codes[1]} (others)`,
        row.retry ? 'yes' : 'no',
      ]),
    )
    // The reasons live in the doc only: every row must still give one.
    for (const [code, , why] of rows) expect(why?.length, code).toBeGreaterThan(20)
  })
})

describe('shouldReconnect overrides the table', () => {
  it('true retries a code the table stops; false stops one it retries', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1008)
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      shouldReconnect: (close) => close.code === 1008,
    })
    expect((await nextEvent(conn, 'close')).willReconnect).toBe(true)
    conn.close()
    await server.close()

    server = await startControlledServer()
    server.onConnection = endWith(1006)
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      shouldReconnect: () => false,
    })
    expect((await nextEvent(conn, 'close')).willReconnect).toBe(false)
    expect(conn.state).toBe('closed')
  })

  it('a number is the delay of that retry, instead of the backoff', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1013)
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: false,
      reconnect: { initialDelay: 10, jitter: 'none' },
      shouldReconnect: () => 4321,
    })
    const retry = await nextEvent(conn, 'reconnecting')
    expect(retry.delay).toBe(4321)
    clock.increment(4320)
    expect(conn.state).toBe('waitingToReconnect')
    clock.increment(1)
    expect(conn.state).toBe('connecting')
  })

  for (const [label, value, kind] of [
    ['a negative delay', -5, RangeError],
    ['Infinity', Number.POSITIVE_INFINITY, RangeError],
    ['NaN', Number.NaN, RangeError],
    ['a string', 'yes', TypeError],
    ['undefined', undefined, TypeError],
  ] as const) {
    it(`returning ${label} fires an error event and the default table decides`, async () => {
      server = await startControlledServer()
      server.onConnection = endWith(1008)
      conn = createConnection(server.url, {
        WebSocket,
        clock: new SimulatedClock(),
        heartbeat: false,
        shouldReconnect: () => value as unknown as boolean,
      })
      const [error, close] = await Promise.all([nextEvent(conn, 'error'), nextEvent(conn, 'close')])
      expect(error.error).toBeInstanceOf(kind)
      expect(String((error.error as Error).message)).toMatch(/shouldReconnect/)
      expect(close.willReconnect).toBe(false) // 1008 stops by the table
    })
  }

  it('a throwing shouldReconnect is reported and the default table decides', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1012)
    const boom = new Error('policy crashed')
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      shouldReconnect: () => {
        throw boom
      },
    })
    const [error, close] = await Promise.all([nextEvent(conn, 'error'), nextEvent(conn, 'close')])
    expect(error.error).toBe(boom)
    expect(close.willReconnect).toBe(true) // 1012 retries by the table
  })

  it('is asked once per socket end', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1011)
    let asked = 0
    conn = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      reconnect: { maxAttempts: 0 },
      shouldReconnect: () => {
        asked++
        return true
      },
    })
    await nextEvent(conn, 'gave-up')
    expect(asked).toBe(1)
  })
})

describe('maxAttempts', () => {
  it('exhausted ends in closed with a gave-up event', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1011)
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: false,
      reconnect: { maxAttempts: 2, initialDelay: 100, jitter: 'none', factor: 1 },
    })
    const gaveUp = nextEvent(conn, 'gave-up')
    for (let i = 0; i < 2; i++) {
      await nextEvent(conn, 'reconnecting')
      clock.increment(100)
    }
    const event = await gaveUp
    expect(event.attempts).toBe(2)
    expect(conn.state).toBe('closed')
    expect(server.connections).toBe(3)
  })

  it('the random source is drawn once per retry made, not for the end that gives up', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1011)
    const clock = new SimulatedClock()
    let draws = 0
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: false,
      reconnect: { maxAttempts: 1, initialDelay: 100 },
      random: () => {
        draws++
        return 0.5
      },
    })
    const gaveUp = nextEvent(conn, 'gave-up')
    const retry = await nextEvent(conn, 'reconnecting')
    clock.increment(retry.delay)
    await gaveUp
    expect(draws).toBe(1)
  })
})

/**
 * The application's own close() with a 300 ms heartbeat (issue 26 saw 1006 with
 * cause `user` there, 1005 with a 5 s heartbeat). Whatever the ping is doing, a
 * close the server answers reports the server's close frame; 1006 comes only
 * where a WebSocket reports it too (the socket is still CONNECTING) or where the
 * server does not answer within closeTimeout (the socket is abandoned).
 */
describe("the application's close() with a 300 ms heartbeat", () => {
  const heartbeat = { interval: 300, timeout: 300 }
  const start = async () => {
    server = await startControlledServer()
    const clock = new SimulatedClock()
    const c = createConnection(server.url, { WebSocket, clock, heartbeat })
    conn = c
    await nextEvent(c, 'open')
    return { c, clock }
  }

  it('while a ping is outstanding: the server completes the handshake, 1005, clean', async () => {
    const { c, clock } = await start()
    server.answerPings = false
    clock.increment(300)
    expect(c.state).toBe('awaitingPong')
    await server.when(() => server.pings === 1, 'ping')
    clock.increment(299)
    const closed = nextEvent(c, 'close')
    c.close()
    const close = await closed
    expect([close.code, close.cause, close.wasClean]).toEqual([1005, 'user', true])
  })

  it('right after the ping is written (same turn): 1005, clean', async () => {
    const { c, clock } = await start()
    clock.increment(300)
    expect(c.state).toBe('awaitingPong')
    const closed = nextEvent(c, 'close')
    c.close()
    const close = await closed
    expect([close.code, close.cause, close.wasClean]).toEqual([1005, 'user', true])
  })

  it('while the socket of a reconnect is still CONNECTING: 1006, as a WebSocket reports it', async () => {
    const { c, clock } = await start()
    server.answerPings = false
    clock.increment(300)
    await server.when(() => server.pings === 1, 'ping')
    clock.increment(300)
    const retry = await nextEvent(c, 'reconnecting')
    clock.increment(retry.delay)
    expect(c.state).toBe('connecting')
    const closed = nextEvent(c, 'close')
    c.close()
    const close = await closed
    expect([close.code, close.cause, close.wasClean]).toEqual([1006, 'user', false])
  })

  it('while closing after a missed pong, to a server that does not answer: abandoned at closeTimeout, 1006', async () => {
    const { c, clock } = await start()
    server.answerPings = false
    clock.increment(300)
    await server.when(() => server.pings === 1, 'ping')
    // The server stops reading: the close frame stays unanswered.
    for (const client of server.clients()) client.pause()
    clock.increment(300)
    expect(c.state).toBe('closing')
    const closed = nextEvent(c, 'close')
    c.close()
    // closeTimeout (1000 ms) counts from the start of `closing`, not from close().
    clock.increment(1000)
    const close = await closed
    expect([close.code, close.reason, close.cause, close.wasClean]).toEqual([
      1006,
      'user',
      'user',
      false,
    ])
  })
})

describe('a close policy that calls back into the connection', () => {
  it('close() inside shouldReconnect takes effect after the end it is judging, as before', async () => {
    server = await startControlledServer()
    server.onConnection = endWith(1011)
    const closes: string[] = []
    const c = createConnection(server.url, {
      WebSocket,
      clock: new SimulatedClock(),
      heartbeat: false,
      shouldReconnect: () => {
        c.close()
        return true
      },
    })
    conn = c
    c.addEventListener('close', (e) => closes.push(`${e.code} ${e.cause} ${e.willReconnect}`))
    await reach(c, 'closed')
    expect(closes).toEqual(['1011 server-close true'])
  })
})
