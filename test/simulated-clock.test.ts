/**
 * `clock: new SimulatedClock()` is the documented way to drive heartline's timers
 * in tests; this file must typecheck (`npm run typecheck` covers test/) and the
 * clock must really drive the timers.
 */
import { describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { createConnection } from '../src/index.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

describe('clock option', () => {
  it('accepts XState’s SimulatedClock as typed and runs connectTimeout on it', () => {
    const clock = new SimulatedClock()
    const registry = new SocketRegistry()
    const conn = createConnection('ws://clock.invalid/', {
      WebSocket: registry.WebSocket,
      clock,
      connectTimeout: 500,
      reconnect: { initialDelay: 100, jitter: 'none' },
    })
    expect(conn.state).toBe('connecting')
    clock.increment(499)
    expect(conn.state).toBe('connecting')
    clock.increment(1)
    expect(conn.state).toBe('waitingToReconnect')
    conn.close()
    expect(conn.state).toBe('closed')
  })
})
