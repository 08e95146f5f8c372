/** `conn.metrics`: RTT, attempts, reconnects, last close and error, time per state, the attempt ring. */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { ATTEMPT_HISTORY, type Connection, createConnection } from '../src/index.js'
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

describe('conn.metrics', () => {
  it('measures RTT from the ping to the first inbound message, last and smoothed', async () => {
    server = await startControlledServer()
    server.answerPings = false
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: { interval: 1000, timeout: 5000 },
    })
    await nextEvent(conn, 'open')
    expect(conn.metrics.rtt).toEqual({ last: null, smoothed: null, samples: 0 })
    const answer = async (after: number) => {
      clock.increment(1000)
      const pings = server.pings
      await server.when(() => server.pings === pings + 1, 'a ping')
      clock.increment(after)
      for (const client of server.clients()) client.send('pong')
      await reach(conn as Connection, 'open')
    }
    await answer(800)
    expect(conn.metrics.rtt).toEqual({ last: 800, smoothed: 800, samples: 1 })
    await answer(1600)
    expect(conn.metrics.rtt).toEqual({ last: 1600, smoothed: 900, samples: 2 })
  })

  it('counts attempts and reconnects, keeps the last close and error, and time per state', async () => {
    server = await startControlledServer()
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: false,
      reconnect: { initialDelay: 300, jitter: 'none' },
    })
    await nextEvent(conn, 'open')
    clock.increment(2000)
    for (const client of server.clients()) client.close(1012, 'restart')
    await nextEvent(conn, 'reconnecting')
    clock.increment(300)
    await nextEvent(conn, 'open')
    clock.increment(50)
    const m = conn.metrics
    expect(m.attempts).toBe(2)
    expect(m.reconnects).toBe(1)
    expect(m.lastClose).toMatchObject({
      code: 1012,
      reason: 'restart',
      cause: 'server-close',
      willReconnect: true,
      at: 2000,
    })
    expect(m.lastError).toBeNull()
    expect(m.timeInState.open).toBe(2050)
    expect(m.timeInState.waitingToReconnect).toBe(300)
    expect(m.history).toEqual([
      { attempt: 0, reason: 'initial', delay: 0, startedAt: 0, outcome: 'open' },
      { attempt: 1, reason: 'server-close', delay: 300, startedAt: 2300, outcome: 'open' },
    ])
    // A copy: callers cannot change the record.
    m.history.length = 0
    expect(conn.metrics.history).toHaveLength(2)
  })

  it(`keeps the last ${ATTEMPT_HISTORY} attempts with reason, delay and outcome`, async () => {
    server = await startControlledServer()
    server.onConnection = (ws) => ws.close(1013, 'later')
    const clock = new SimulatedClock()
    conn = createConnection(server.url, {
      WebSocket,
      clock,
      heartbeat: false,
      reconnect: { initialDelay: 10, factor: 1, jitter: 'none' },
    })
    for (let i = 0; i < 25; i++) {
      await nextEvent(conn, 'reconnecting')
      clock.increment(10)
    }
    await nextEvent(conn, 'close')
    const { history, attempts } = conn.metrics
    expect(attempts).toBe(26)
    expect(history).toHaveLength(ATTEMPT_HISTORY)
    expect(history[0]?.startedAt).toBe(60)
    for (const record of history) {
      // Each opened, then the server closed it.
      expect(record).toMatchObject({ reason: 'server-close', delay: 10, outcome: 'open' })
    }
  })
})
