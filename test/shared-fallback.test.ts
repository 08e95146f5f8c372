/**
 * `heartline/shared` where Web Locks and BroadcastChannel's partner are missing
 * (Node 20 has no `navigator`): each caller gets a connection of its own, with
 * the surface and events of a single-tab connection. Also the checks made at
 * creation, in every tab, before any socket exists.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createSharedConnection, type SharedConnection } from '../src/shared/index.js'
import { startServer, type TestServer } from './helpers/server.js'

let server: TestServer
let conn: SharedConnection | undefined

beforeEach(async () => {
  server = await startServer()
})
afterEach(async () => {
  conn?.close()
  await server.close()
})

function nextEvent<T>(
  target: SharedConnection,
  type: string,
  match: (e: T) => boolean = () => true,
) {
  return new Promise<T>((resolve) => {
    const listener = (event: T) => {
      if (!match(event)) return
      target.removeEventListener(type as 'open', listener as never)
      resolve(event)
    }
    target.addEventListener(type as 'open', listener as never)
  })
}

describe('heartline/shared without Web Locks (fallback)', () => {
  it('is a connection of its own: leader, not shared, same events as a single tab', async () => {
    conn = createSharedConnection(server.url, { WebSocket, heartbeat: false })
    expect(conn.shared).toBe(false)
    expect(conn.leader).toBe(true)
    const states: string[] = []
    conn.addEventListener('statechange', (e) => {
      expect(e.target).toBe(conn)
      states.push(e.to)
    })
    const opened = await nextEvent<{ url: string; target: unknown }>(conn, 'open')
    expect(opened.target).toBe(conn)
    expect(conn.readyState).toBe(1)
    const echo = nextEvent<MessageEvent>(conn, 'message')
    expect(conn.send('hello')).toBe(true)
    expect(String((await echo).data)).toBe('echo:hello')
    const closed = nextEvent<{ code: number; willReconnect: boolean }>(conn, 'close')
    conn.close(1000, 'bye')
    expect((await closed).willReconnect).toBe(false)
    expect(states).toEqual(['open', 'closing', 'closed'])
    expect(server.received).toEqual(['hello'])
    // After close, as for a single tab: refused and reported.
    const drop = nextEvent<{ data: unknown; reason: string }>(conn, 'drop')
    expect(conn.send('late')).toBe(false)
    expect(await drop).toMatchObject({ data: 'late', reason: 'closed' })
  })

  it('checks the url and options at creation and says what is wrong', () => {
    let calls = 0
    const protocols = () => {
      calls++
      return 'v1'
    }
    expect(() => createSharedConnection(() => server.url, { WebSocket })).toThrow(
      /option `name` is required when `url` is a function/,
    )
    expect(() => createSharedConnection(server.url, { WebSocket, name: '' })).toThrow(
      /option `name` must be a non-empty string; got an empty string/,
    )
    expect(() => createSharedConnection('ftp://example.com', { WebSocket })).toThrow(/ws: or wss:/)
    expect(() =>
      createSharedConnection(server.url, { WebSocket, protocols, bogus: 1 } as never),
    ).toThrow(/bogus/)
    expect(() =>
      createSharedConnection(server.url, { WebSocket, heartbeat: { interval: -1 } }),
    ).toThrow(/heartbeat\.interval/)
    // The check never calls the application's providers.
    expect(calls).toBe(0)
    expect(server.connections).toBe(0)
  })

  it('refuses a message that is not sendable, naming what arrived', async () => {
    conn = createSharedConnection(server.url, { WebSocket, heartbeat: false })
    expect(() => conn?.send({ a: 1 } as never)).toThrow(/got an object \(serialise it first/)
    expect(() => conn?.send(7 as never)).toThrow(/got number 7 \(pass String\(value\)\)/)
  })
})
