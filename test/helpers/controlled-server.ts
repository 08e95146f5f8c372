/** A controllable `ws` server for the lifecycle, close-policy and metrics tests: a real `ws` server on port 0 and event waiters. */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import type { Connection, ConnectionEventMap } from '../../src/index.js'

export { WebSocket }

export interface ControlledServer {
  url: string
  wss: WebSocketServer
  /** Every text message received, across connections. */
  received: string[]
  /** Pings received. */
  pings: number
  /** Connections accepted so far. */
  connections: number
  /** Whether `ping` is answered with `pong`. */
  answerPings: boolean
  /** Runs for each new connection (for example to close it with a code). */
  onConnection: ((ws: WebSocket) => void) | null
  clients(): WebSocket[]
  /** Resolves once `condition` holds, checked after every server event (safety timeout 5 s). */
  when(condition: () => boolean, what: string): Promise<void>
  close(): Promise<void>
}

export async function startControlledServer(): Promise<ControlledServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  const waiters = new Set<() => void>()
  const changed = () => {
    for (const check of [...waiters]) check()
  }
  const server: ControlledServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    wss,
    received: [],
    pings: 0,
    connections: 0,
    answerPings: true,
    onConnection: null,
    clients: () => [...wss.clients],
    when: (condition, what) =>
      new Promise<void>((resolve, reject) => {
        if (condition()) return resolve()
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`server: no ${what} within 5000 ms`))
        }, 5000)
        const check = () => {
          if (!condition()) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
      }),
    close: async () => {
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
  wss.on('connection', (ws) => {
    server.connections++
    ws.on('message', (data) => {
      const text = data.toString()
      if (text === 'ping') {
        server.pings++
        if (server.answerPings) ws.send('pong')
        changed()
        return
      }
      server.received.push(text)
      changed()
    })
    ws.on('close', changed)
    server.onConnection?.(ws)
    changed()
  })
  return server
}

/** Resolves with the next `type` event of `conn` (rejects after a generous safety timeout). */
export function nextEvent<K extends keyof ConnectionEventMap>(
  conn: Connection,
  type: K,
  match: (event: ConnectionEventMap[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ConnectionEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.removeEventListener(type, listener)
      reject(new Error(`no ${type} event within ${timeoutMs} ms (state ${conn.state})`))
    }, timeoutMs)
    const listener = (event: ConnectionEventMap[K]) => {
      if (!match(event)) return
      clearTimeout(timer)
      conn.removeEventListener(type, listener)
      resolve(event)
    }
    conn.addEventListener(type, listener)
  })
}

/** Resolves when `conn` enters `state` (at once if it is there already). */
export function reach(conn: Connection, state: Connection['state'], timeoutMs = 5000) {
  if (conn.state === state) return Promise.resolve()
  return nextEvent(conn, 'statechange', (e) => e.to === state, timeoutMs).then(() => undefined)
}

/**
 * A SimulatedClock whose `now()` can run ahead of its timers: `skew(ms)` moves the
 * clock without firing anything, as when a frozen page's timers have not run yet.
 */
export class SkewableClock {
  readonly sim = new SimulatedClock()
  #skew = 0
  setTimeout = (fn: (...args: unknown[]) => void, timeout: number) =>
    this.sim.setTimeout(fn, timeout)
  clearTimeout = (id: unknown) => this.sim.clearTimeout(id as number)
  now = () => this.sim.now() + this.#skew
  skew(ms: number) {
    this.#skew += ms
  }
  increment(ms: number) {
    this.sim.increment(ms)
  }
}

/**
 * An EventTarget that knows which listeners are registered, by identity (type,
 * listener, capture), as the DOM's own list keys them: a second add of the same
 * triple is no registration, and a remove that names a function never added
 * removes nothing. A listener added and never removed stays counted, however
 * many remove calls were made.
 */
export class CountingTarget extends EventTarget {
  visibilityState = 'visible'
  readonly #registered = new Map<string, Array<{ listener: unknown; capture: boolean }>>()

  /** How many listeners are registered now. */
  get listeners(): number {
    let count = 0
    for (const list of this.#registered.values()) count += list.length
    return count
  }

  /** The event types that still have a listener, one entry per listener (sorted). */
  get types(): string[] {
    const out: string[] = []
    for (const [type, list] of this.#registered) for (const _ of list) out.push(type)
    return out.sort()
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>) {
    const [type, listener, options] = args
    super.addEventListener(...args)
    if (listener === null) return
    const capture = captureOf(options)
    const signal = typeof options === 'object' ? options?.signal : undefined
    if (signal?.aborted) return
    const list = this.#registered.get(type) ?? []
    if (list.some((r) => r.listener === listener && r.capture === capture)) return
    list.push({ listener, capture })
    this.#registered.set(type, list)
    const once = typeof options === 'object' && options?.once === true
    if (once) {
      // A once listener leaves the list when it runs.
      super.addEventListener(type, () => this.#forget(type, listener, capture), { once: true })
    }
    signal?.addEventListener('abort', () => this.#forget(type, listener, capture), { once: true })
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>) {
    const [type, listener, options] = args
    super.removeEventListener(...args)
    this.#forget(type, listener, captureOf(options))
  }

  #forget(type: string, listener: unknown, capture: boolean) {
    const list = this.#registered.get(type)
    const at = list?.findIndex((r) => r.listener === listener && r.capture === capture) ?? -1
    if (list === undefined || at < 0) return
    list.splice(at, 1)
    if (list.length === 0) this.#registered.delete(type)
  }
}

function captureOf(options: boolean | EventListenerOptions | undefined): boolean {
  return typeof options === 'boolean' ? options : options?.capture === true
}
