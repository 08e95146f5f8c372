/**
 * The public vocabulary: `statechange.event` carries the documented names of
 * docs/statechange.md (never XState's generated ids such as
 * `xstate.after.reconnectDelay.heartline.waitingToReconnect`); giving up fires
 * `giveup` (with an `ongiveup` handler) and its old name `gave-up`; `send()` after
 * `close()` is refused at once with reason `closed`.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { connectionMachine } from '../machines/connection.js'
import { tabRoleMachine } from '../machines/tab-role.js'
import {
  type Connection,
  type ConnectionOptions,
  createConnection,
  type DropEvent,
} from '../src/index.js'
import { createSharedConnection } from '../src/shared/index.js'
import { STATECHANGE_EVENTS } from '../src/statechange-events.js'
import { causeName } from '../src/vocabulary.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

const WS_URL = 'ws://vocabulary.invalid/'

function scripted(extra: Partial<ConnectionOptions> = {}) {
  const registry = new SocketRegistry()
  const clock = new SimulatedClock()
  const conn = createConnection(WS_URL, {
    WebSocket: registry.WebSocket,
    clock,
    random: () => 0.5,
    heartbeat: { interval: 1000, timeout: 1000 },
    reconnect: { initialDelay: 100, jitter: 'none' },
    connectTimeout: 500,
    closeTimeout: 300,
    lifecycle: false,
    ...extra,
  })
  const log: string[] = []
  conn.addEventListener('statechange', (e) => log.push(`${e.from}>${e.to} by ${e.event}`))
  const socket = () =>
    registry.sockets.at(-1) as NonNullable<ReturnType<typeof registry.sockets.at>>
  return { conn, clock, registry, log, socket }
}

describe('statechange.event', () => {
  it('names every cause from the documented table, timers included', () => {
    const { conn, clock, log, socket } = scripted()
    socket().fireOpen() // connecting → open
    clock.increment(1000) // ping timer: silence → awaitingPong
    clock.increment(1000) // pong deadline → closing
    clock.increment(300) // closeTimeout → waitingToReconnect
    clock.increment(100) // reconnect delay → connecting
    clock.increment(500) // connectTimeout → waitingToReconnect
    clock.increment(200) // reconnect delay → connecting
    socket().fireOpen()
    conn.close() // → closing
    socket().fireClose(1000)
    expect(log).toEqual([
      'connecting>open by socket.open',
      'open>awaitingPong by heartbeat.silence',
      'awaitingPong>closing by heartbeat.waited',
      'closing>waitingToReconnect by timer.close',
      'waitingToReconnect>connecting by timer.reconnect',
      'connecting>waitingToReconnect by timer.connect',
      'waitingToReconnect>connecting by timer.reconnect',
      'connecting>open by socket.open',
      'open>closing by app.close',
      'closing>closed by socket.close',
    ])
    for (const line of log) expect(line).not.toMatch(/xstate/)
  })

  it('the table in docs/statechange.md lists exactly the exported names', () => {
    const doc = readFileSync(new URL('../docs/statechange.md', import.meta.url), 'utf8')
    const names = [...doc.matchAll(/^\| `([a-z]+\.[a-z]+)` /gm)].map((m) => m[1])
    expect(names.sort()).toEqual([...STATECHANGE_EVENTS].sort())
  })

  it('every event and every delay of the chart has a documented name', () => {
    const events = new Set<string>()
    const delays = new Set<string>()
    const visit = (node: (typeof connectionMachine)['root']) => {
      for (const type of node.ownEvents) {
        if (type.startsWith('xstate.after.')) delays.add(type.split('.')[2] as string)
        else events.add(type)
      }
      for (const child of Object.values(node.states)) visit(child)
    }
    visit(connectionMachine.root)
    const documented = new Set<string>(STATECHANGE_EVENTS)
    for (const type of events) expect(documented, type).toContain(type)
    for (const delay of delays) {
      expect(documented, delay).toContain(causeName(`xstate.after.${delay}.heartline.x`))
    }
    expect([...delays].sort()).toEqual(
      [
        'closeTimeout',
        'connectTimeout',
        'pingDelay',
        'pongTimeout',
        'reconnectDelay',
        'stableAfter',
      ].sort(),
    )
    for (const timer of [
      'timer.connect',
      'timer.close',
      'timer.ping',
      'timer.pong',
      'timer.reconnect',
      'timer.stable',
    ])
      expect(documented).toContain(timer)
  })
})

describe('the shared connection’s causes', () => {
  it('are the events of its role chart (machines/tab-role.ts), each documented', () => {
    const events = new Set<string>()
    const visit = (node: (typeof tabRoleMachine)['root']) => {
      for (const type of node.ownEvents) events.add(type)
      for (const child of Object.values(node.states)) visit(child)
    }
    visit(tabRoleMachine.root)
    // Moves no view: the held messages go out again, the socket's state is the leader's.
    events.delete('session.resumed')
    expect([...events].sort()).toEqual(
      ['app.close', 'app.reconnect', 'leader.elected', 'leader.failed', 'leader.gone'].sort(),
    )
    for (const type of events) expect(STATECHANGE_EVENTS, type).toContain(type)
  })
})

describe('giveup', () => {
  it('fires giveup (ongiveup too) and then its old name gave-up, each once', () => {
    const { conn, socket } = scripted({ reconnect: { maxAttempts: 0 } })
    const heard: string[] = []
    conn.ongiveup = function (e) {
      expect(this).toBe(conn)
      heard.push(`ongiveup ${e.type} ${e.attempts}`)
    }
    conn.addEventListener('giveup', (e) => heard.push(`${e.type} ${e.attempts}`))
    conn.addEventListener('gave-up', (e) => heard.push(`${e.type} ${e.attempts}`))
    socket().fireError(3)
    socket().fireClose(1006)
    expect(conn.state).toBe('closed')
    expect(heard).toEqual(['ongiveup giveup 0', 'giveup 0', 'gave-up 0'])
  })

  it('a shared connection fires both names as well', async () => {
    const registry = new SocketRegistry()
    const shared = createSharedConnection(WS_URL, {
      WebSocket: registry.WebSocket,
      reconnect: { maxAttempts: 0 },
      lifecycle: false,
    })
    const heard: string[] = []
    shared.ongiveup = (e) => heard.push(`on${e.type}`)
    shared.addEventListener('gave-up', (e) => heard.push(e.type))
    await Promise.resolve()
    const ws = registry.sockets.at(-1)
    ws?.fireError(3)
    ws?.fireClose(1006)
    expect(heard).toEqual(['ongiveup', 'gave-up'])
  })
})

describe('send() after close()', () => {
  function openThenClose(extra: Partial<ConnectionOptions> = {}): {
    conn: Connection
    drops: string[]
  } {
    const { conn, socket } = scripted(extra)
    const drops: string[] = []
    conn.addEventListener('drop', (e: DropEvent) => drops.push(`${String(e.data)}:${e.reason}`))
    socket().fireOpen()
    conn.close()
    expect(conn.state).toBe('closing')
    return { conn, drops }
  }

  it('returns false while closing and reports drop closed at once', () => {
    const { conn, drops } = openThenClose()
    expect(conn.send('late')).toBe(false)
    expect(drops).toEqual(['late:closed'])
    expect(conn.queued).toBe(0)
  })

  it('reports closed, not queue-full, when the queue is full', () => {
    const { conn, socket } = scripted({ queue: { max: 1 } })
    const drops: string[] = []
    conn.addEventListener('drop', (e: DropEvent) => drops.push(`${String(e.data)}:${e.reason}`))
    expect(conn.send('first')).toBe(true) // queued while connecting
    conn.close()
    expect(conn.send('second')).toBe(false)
    expect(drops).toEqual(['second:closed'])
    socket().fireClose(1006)
    expect(drops).toEqual(['second:closed', 'first:closed'])
  })

  it('queues again after reconnect() from closing', () => {
    const { conn, drops } = openThenClose()
    conn.reconnect()
    expect(conn.send('again')).toBe(true)
    expect(drops).toEqual([])
  })
})
