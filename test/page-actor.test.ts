/**
 * The page-lifecycle actor exists only where there is a page to watch: in Node
 * (no window, no document) or with `lifecycle: false` the chart spawns none, so
 * a connection there carries no idle actor; with targets it runs in `live` and
 * `waitingToReconnect` and stops in `closed`.
 */
import { afterEach, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection } from '../src/index.js'
import {
  type ControlledServer,
  CountingTarget,
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

const children = (c: Connection) => Object.keys(c.actor.getSnapshot().children).sort()

it('runs no page-lifecycle actor without targets (Node, lifecycle: false)', async () => {
  server = await startControlledServer()
  for (const lifecycle of [undefined, false, {}] as const) {
    conn = createConnection(server.url, { WebSocket, clock: new SimulatedClock(), lifecycle })
    await nextEvent(conn, 'open')
    expect(children(conn), String(lifecycle)).toEqual(['socket'])
    conn.close()
    await reach(conn, 'closed')
  }
})

it('runs it while there are targets to watch, and stops it in closed', async () => {
  server = await startControlledServer()
  const win = new CountingTarget()
  conn = createConnection(server.url, {
    WebSocket,
    clock: new SimulatedClock(),
    lifecycle: { window: win },
  })
  await nextEvent(conn, 'open')
  expect(children(conn)).toEqual(['pageLifecycle', 'socket'])
  expect(win.types).toEqual(['offline', 'online', 'pageshow'])
  conn.close()
  await reach(conn, 'closed')
  expect(children(conn)).toEqual([])
  // Stopping the actor removed every listener it added, each by identity.
  expect(win.types).toEqual([])
})
