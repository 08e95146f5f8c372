/**
 * The direct message path (src/inbound.ts) against the platform's own dispatch,
 * in Node: the same connection code, once calling plain `message` listeners itself
 * with heartline's own `HeartlineMessageEvent` and once handing every message to
 * the platform's EventTarget as its `MessageEvent`. Everything a listener can
 * observe must read the same, every conformance row and every member of the
 * event during and after its dispatch, except the event's class itself (its
 * constructor, `instanceof`, brand, tag and how Node prints it), which is
 * heartline's own as `ws`'s is `ws`'s.
 */
import { inspect } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WS from 'ws'
import { HeartlineMessageEvent } from '../src/inbound.js'
import { Connection } from '../src/index.js'
import { BEHAVIOURS, failedRows, type Json, runRows } from './conformance/behaviours.js'
import type { Sock } from './conformance/kit.js'
import { type ConformanceServer, startConformanceServer } from './conformance/server.js'
import { heartlineOptions } from './conformance/shim.js'

let server: ConformanceServer
beforeAll(async () => {
  server = await startConformanceServer()
})
afterAll(async () => server?.close())

type Path = 'direct' | 'platform'
const noop = () => undefined

function connect(path: Path, url: string, protocols?: unknown, extra?: Record<string, unknown>) {
  return new Connection(url, heartlineOptions(protocols, extra, { WebSocket: WS }), {
    ownEvents: path === 'direct',
  })
}

const ws = (url: unknown, protocols?: unknown): Sock => {
  const socket = new WS(url as string, protocols as string[] | undefined)
  socket.on('error', noop)
  return socket as unknown as Sock
}

it('every conformance row reads the same on the direct path as through the platform', async () => {
  const where = { env: 'node' as const, base: `ws://127.0.0.1:${server.port}` }
  const run = (path: Path) =>
    runRows(
      BEHAVIOURS,
      {
        make: (url, protocols, extra) =>
          connect(path, url as string, protocols, extra) as unknown as Sock,
        Class: {},
        plain: ws,
      },
      where,
    )
  const direct: Record<string, Json> = await run('direct')
  const platform: Record<string, Json> = await run('platform')
  expect(Object.keys(direct).length).toBeGreaterThan(80)
  // Equal failures would compare equal: a row that threw or hung fails here.
  expect(failedRows(direct)).toEqual([])
  expect(failedRows(platform)).toEqual([])
  // Node's own EventTarget (20 at least) ends the dispatch flag after the first
  // listener returns, so later ones see currentTarget null; the direct path reads
  // as the DOM Standard and Chromium's WebSocket (test/browser-conformance.test.ts).
  expect(platform['et.current-target']).toEqual([true, false])
  expect(direct['et.current-target']).toEqual([true, true])
  delete platform['et.current-target']
  delete direct['et.current-target']
  // The two rows that ask `instanceof` read the class: heartline's own on the
  // direct path (both rows are ones where `ws`, too, has its own class).
  const classRead = (rows: Record<string, Json>) => {
    const message = rows['ev.message'] as Record<string, Json>
    const alone = rows['handler.alone'] as { during: Json[] }
    const read = [message.isEvent, message.isMessageEvent, alone.during[0]]
    message.isEvent = message.isMessageEvent = alone.during[0] = null
    return read
  }
  expect(classRead(direct)).toEqual([false, false, false])
  expect(classRead(platform)).toEqual([true, true, true])
  expect(direct).toEqual(platform)
})

const KEYS = [Event.prototype, MessageEvent.prototype].flatMap((p) =>
  Reflect.ownKeys(p).filter((k) => k !== 'constructor'),
)

/** Every member of `event` as a listener sees it, the connection named 'conn'. */
function read(event: Event, conn: Connection): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const name = (v: unknown): unknown =>
    v === conn ? 'conn' : Array.isArray(v) ? v.map(name) : typeof v === 'function' ? 'fn' : v
  // The symbol-keyed members (toStringTag, Node's inspect hook) belong to the class: see identity().
  for (const key of KEYS.filter((k) => typeof k === 'string')) {
    const value = (event as unknown as Record<PropertyKey, unknown>)[key]
    out[String(key)] = key === 'timeStamp' ? typeof value : name(value)
  }
  out.composedPath = name(event.composedPath())
  out.keys = Object.keys(event)
  out.forIn = Object.keys({ ...Object.fromEntries(Object.entries(event)) })
  out.identity = identity(event)
  return out
}

/** What tells the event's class apart: heartline's own on the direct path, the platform's on the other. */
function identity(event: Event): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  out.instanceofMessageEvent = event instanceof MessageEvent
  out.instanceofHeartline = event instanceof HeartlineMessageEvent
  out.tag = Object.prototype.toString.call(event)
  out.inspect = inspect(event).replace(/timeStamp: [\d.]+/, 'timeStamp: T')
  out.brand = KEYS.filter((k) => typeof k === 'string').map((k) => {
    const d =
      Object.getOwnPropertyDescriptor(MessageEvent.prototype, k) ??
      Object.getOwnPropertyDescriptor(Event.prototype, k)
    try {
      ;(d?.get ?? d?.value)?.call({})
      return 'ok'
    } catch (error) {
      return (error as Error).constructor.name
    }
  })
  return out
}

/** A scenario's log without the events' identities, and the identities apart. */
function split(result: unknown): { rest: unknown; identities: Array<Record<string, unknown>> } {
  const identities: Array<Record<string, unknown>> = []
  const rest = JSON.parse(
    JSON.stringify(result, (key, value) => {
      if (key !== 'identity') return value
      identities.push(value)
      return undefined
    }),
  )
  return { rest, identities }
}

async function scenario(path: Path): Promise<unknown> {
  const conn = connect(path, `ws://127.0.0.1:${server.port}/echo`)
  const log: unknown[] = []
  let kept: Event | undefined
  const caught: unknown[] = []
  process.setUncaughtExceptionCaptureCallback((error) => caught.push((error as Error).message))
  try {
    await new Promise((resolve) => conn.addEventListener('open', resolve))
    const third = () => log.push('third')
    conn.onmessage = function (this: unknown, e) {
      log.push(['handler', this === conn, read(e, conn)])
      kept = e
      e.preventDefault()
      e.stopPropagation()
      log.push(['after stop', e.cancelBubble, e.defaultPrevented, e.returnValue])
    }
    conn.addEventListener('message', (e) => {
      log.push(['second', (e as MessageEvent).data])
      if ((e as MessageEvent).data === 'b') conn.removeEventListener('message', third)
      if ((e as MessageEvent).data === 'c') e.stopImmediatePropagation()
      if ((e as MessageEvent).data === 'd') throw new Error('listener bug')
      if ((e as MessageEvent).data === 'a') conn.addEventListener('message', () => log.push('late'))
    })
    conn.addEventListener('message', third)
    // An async listener's rejection is reported as a throw (Node's EventTarget).
    conn.addEventListener('message', async (e) => {
      if ((e as MessageEvent).data === 'b') throw new Error('async bug')
    })
    // The last listener waits for 'end': 'c' stops the listeners after the second.
    const ended = new Promise((resolve) =>
      conn.addEventListener('message', (e) => (e as MessageEvent).data === 'end' && resolve(e)),
    )
    for (const data of ['a', 'b', 'c', 'd', 'end']) conn.send(data)
    await ended
    await new Promise((resolve) => setImmediate(resolve))
    log.push(['after', read(kept as Event, conn)])
    ;(kept as Event).initEvent('renamed', true, true)
    log.push(['init', kept?.type, kept?.bubbles, kept?.cancelable, kept?.defaultPrevented])
  } finally {
    process.setUncaughtExceptionCaptureCallback(null)
    conn.close()
  }
  return { log, caught }
}

it('a listener sees the same event, order, stops, removals and errors on both paths', async () => {
  const direct = split(await scenario('direct'))
  const platform = split(await scenario('platform'))
  expect(direct.identities.length).toBe(platform.identities.length)
  expect(direct.identities.length).toBeGreaterThan(1)
  for (const id of direct.identities) {
    expect(id).toMatchObject({ instanceofHeartline: true, instanceofMessageEvent: false })
    expect(id.tag).toBe('[object Object]')
    expect(id.inspect).toMatch(/^HeartlineMessageEvent /)
  }
  for (const id of platform.identities) {
    expect(id).toMatchObject({ instanceofHeartline: false, instanceofMessageEvent: true })
  }
  expect(direct.rest).toEqual(platform.rest)
})

it('dispatched again at another target, the direct path’s event is refused: it is heartline’s own', async () => {
  const seen: unknown[] = []
  for (const path of ['direct', 'platform'] as const) {
    const conn = connect(path, `ws://127.0.0.1:${server.port}/echo`)
    await new Promise((resolve) => conn.addEventListener('open', resolve))
    const event = await new Promise<Event>((resolve) => {
      conn.onmessage = resolve
      conn.send('x')
    })
    const other = new EventTarget()
    other.addEventListener('message', (e) => seen.push(path, e.target === other, e.target === conn))
    try {
      other.dispatchEvent(event)
    } catch (error) {
      seen.push(path, (error as Error).name)
    }
    conn.close()
  }
  // docs/drop-in.md, "The message path": to forward a message, build a new
  // MessageEvent from its fields.
  expect(seen).toEqual(['direct', 'TypeError', 'platform', true, false])
})
