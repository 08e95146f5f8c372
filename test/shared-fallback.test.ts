/**
 * `heartline/shared` where Web Locks and BroadcastChannel's partner are missing
 * (Node 20 has no `navigator`): each caller gets a connection of its own, with
 * the surface and events of a single-tab connection. Also the checks made at
 * creation, in every tab, before any socket exists.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
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

  it('fires real Events at itself, not the inner connection’s; once and onopen’s place hold across a reconnect', async () => {
    const shared = createSharedConnection(server.url, { WebSocket, heartbeat: false })
    conn = shared
    const seen: Array<{ type: string; ok: boolean }> = []
    function check(this: unknown, e: Event) {
      const ok = e instanceof Event && e.target === shared && e.currentTarget === shared
      seen.push({ type: e.type, ok: ok && this === shared })
    }
    for (const type of ['open', 'message', 'close', 'statechange'] as const)
      shared.addEventListener(type, check)
    const order: string[] = []
    let onceOpens = 0
    let lateOpens = 0
    shared.addEventListener('open', () => onceOpens++, { once: true })
    // Added during the first open's dispatch: runs from the next open on only.
    shared.addEventListener('open', () => shared.addEventListener('open', () => lateOpens++), {
      once: true,
    })
    shared.addEventListener('open', () => order.push('first'))
    shared.onopen = function () {
      order.push(this === shared ? 'onopen' : 'onopen with a wrong this')
    }
    shared.addEventListener('open', () => order.push('last'))
    await nextEvent(shared, 'open')
    const closed = nextEvent<Event & { code: number; willReconnect: boolean }>(shared, 'close')
    const reopened = nextEvent(shared, 'open')
    shared.reconnect()
    const close = await closed
    expect(close).toBeInstanceOf(Event)
    expect(close.willReconnect).toBe(true)
    await reopened
    const echo = nextEvent<MessageEvent>(shared, 'message')
    shared.send('x')
    expect(await echo).toBeInstanceOf(MessageEvent)
    expect(onceOpens).toBe(1)
    expect(lateOpens).toBe(1)
    expect(order).toEqual(['first', 'onopen', 'last', 'first', 'onopen', 'last'])
    expect(seen.filter((s) => !s.ok)).toEqual([])
    expect(seen.filter((s) => s.type === 'open')).toHaveLength(2)
    expect(seen.filter((s) => s.type === 'close')).toHaveLength(1)
    expect(seen.filter((s) => s.type === 'message')).toHaveLength(1)
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

  it('converts a message as Connection.send does, and refuses one with no string form, naming it', async () => {
    conn = createSharedConnection(server.url, { WebSocket, heartbeat: false })
    expect(() => conn?.send(Symbol('m') as never)).toThrow(/got a symbol \(Symbol\(m\)\)/)
    await nextEvent(conn, 'open')
    const echoes = nextEvent<MessageEvent>(conn, 'message')
    expect(conn.send({ a: 1 } as never)).toBe(true)
    expect(String((await echoes).data)).toBe('echo:[object Object]')
    const echo = nextEvent<MessageEvent>(conn, 'message')
    expect(conn.send(7 as never)).toBe(true)
    expect(String((await echo).data)).toBe('echo:7')
    expect(server.received).toEqual(['[object Object]', '7'])
  })

  it('reads extensions from its own connection', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true })
    await new Promise<void>((resolve) => wss.once('listening', resolve))
    const { port } = wss.address() as { port: number }
    try {
      conn = createSharedConnection(`ws://127.0.0.1:${port}`, { WebSocket, heartbeat: false })
      expect(conn.extensions).toBe('')
      await nextEvent(conn, 'open')
      expect(conn.extensions).toMatch(/^permessage-deflate/)
      conn.close()
    } finally {
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    }
  })
})
