/**
 * `startClosed`: a connection created without connecting (reconnecting-websocket's
 * `startClosed`, socket.io's `autoConnect: false`). It starts in `closed` with no
 * socket and no timer; `reconnect()` makes the first attempt.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, type DropEvent } from '../src/index.js'
import { createSharedConnection, type SharedConnection } from '../src/shared/index.js'
import {
  type ControlledServer,
  nextEvent,
  startControlledServer,
  WebSocket,
} from './helpers/controlled-server.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

let server: ControlledServer | undefined
let conn: Connection | SharedConnection | undefined
afterEach(async () => {
  conn?.close()
  conn = undefined
  await server?.close()
  server = undefined
})

describe('startClosed', () => {
  it('creates no socket and arms no timer until reconnect()', () => {
    const registry = new SocketRegistry()
    const clock = new SimulatedClock()
    const c = createConnection('ws://start-closed.invalid/', {
      WebSocket: registry.WebSocket,
      clock,
      startClosed: true,
    })
    conn = c
    expect(c.state).toBe('closed')
    expect(c.readyState).toBe(3)
    clock.increment(60_000)
    expect(registry.sockets).toHaveLength(0)
    expect(c.state).toBe('closed')
    // Time spent closed is closed time, not connecting time.
    expect(c.metrics.timeInState.connecting).toBe(0)
    expect(c.metrics.timeInState.closed).toBe(60_000)
    expect(c.metrics.attempts).toBe(0)
    // As in any `closed`: a send before the first attempt is refused and reported.
    const drops: string[] = []
    c.addEventListener('drop', (e: DropEvent) => drops.push(`${e.data}:${e.reason}`))
    expect(c.send('early')).toBe(false)
    expect(drops).toEqual(['early:closed'])
    c.reconnect()
    expect(registry.sockets).toHaveLength(1)
    expect(c.state).toBe('connecting')
  })

  it('connects on reconnect(), reporting closed → connecting by app.reconnect', async () => {
    server = await startControlledServer()
    const c = createConnection(server.url, { WebSocket, startClosed: true, reconnect: false })
    conn = c
    const changes: string[] = []
    c.addEventListener('statechange', (e) => changes.push(`${e.from}>${e.to} by ${e.event}`))
    expect(server.connections).toBe(0)
    const opened = nextEvent(c, 'open')
    c.reconnect()
    await opened
    expect(changes).toEqual([
      'closed>connecting by app.reconnect',
      'connecting>open by socket.open',
    ])
    expect(server.connections).toBe(1)
    expect(c.send('now')).toBe(true)
    await server.when(() => server?.received.includes('now') === true, 'the message')
  })

  it('is refused when not a boolean, naming the option', () => {
    expect(() =>
      createConnection('ws://start-closed.invalid/', {
        WebSocket,
        startClosed: 'yes' as never,
      }),
    ).toThrow(/`startClosed` must be a boolean; got "yes"/)
  })

  it('works for a shared connection: closed, no leader, until reconnect()', async () => {
    server = await startControlledServer()
    const s = createSharedConnection(server.url, {
      WebSocket,
      startClosed: true,
      reconnect: false,
    })
    conn = s
    expect(s.state).toBe('closed')
    expect(s.leader).toBe(false)
    const opened = new Promise<void>((resolve) => s.addEventListener('open', () => resolve()))
    s.reconnect()
    await opened
    expect(s.state).toBe('open')
    expect(server.connections).toBe(1)
  })
})
