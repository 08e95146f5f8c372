/**
 * A simulated world for the herd run: an event-driven clock (jumps from timer to
 * timer, so 1 000 clients over 30 simulated seconds take a moment) and a stub
 * WebSocket whose server is up or down as a function of simulated time. It
 * measures the reconnect schedule itself, which a single process driving 1 000
 * real sockets on a shared two-core machine cannot: there the CPU serialises
 * the attempts.
 */
export class EventClock {
  #now = 0
  #seq = 0
  #heap: Array<{ due: number; seq: number; fn: () => void }> = []
  #cancelled = new Set<number>()

  now(): number {
    return this.#now
  }
  setTimeout(fn: (...args: never[]) => void, timeout: number): number {
    const seq = this.#seq++
    this.#push({ due: this.#now + Math.max(0, timeout), seq, fn: fn as () => void })
    return seq
  }
  clearTimeout(id: unknown): void {
    if (typeof id === 'number') this.#cancelled.add(id)
  }
  /** Runs every timer due up to `time`, in order, then sets the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const top = this.#heap[0]
      if (top === undefined || top.due > time) break
      this.#pop()
      if (this.#cancelled.delete(top.seq)) continue
      this.#now = top.due
      top.fn()
    }
    this.#now = time
  }
  #push(item: { due: number; seq: number; fn: () => void }): void {
    const h = this.#heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(h[p] as typeof item, item)) break
      h[i] = h[p] as typeof item
      i = p
    }
    h[i] = item
  }
  #pop(): void {
    const h = this.#heap
    const last = h.pop()
    if (last === undefined || h.length === 0) return
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = l
      if (l >= h.length) break
      if (r < h.length && less(h[r] as typeof last, h[l] as typeof last)) m = r
      if (less(last, h[m] as typeof last)) break
      h[i] = h[m] as typeof last
      i = m
    }
    h[i] = last
  }
}

function less(a: { due: number; seq: number }, b: { due: number; seq: number }): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq)
}

/** A seeded PRNG (mulberry32), so every simulated run is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SimServer {
  isUp(): boolean
  /** Sockets currently open, so a crash can drop them all. */
  sockets: Set<StubSocket>
  /** One-way latency in simulated ms. */
  latency: number
}

type Handler = ((event: never) => void) | null

/** Enough of the WebSocket interface for heartline's adapter and the classic recipe. */
export class StubSocket {
  readyState = 0
  protocol = ''
  bufferedAmount = 0
  binaryType = 'blob'
  onopen: Handler = null
  onmessage: Handler = null
  onclose: Handler = null
  onerror: Handler = null
  readonly #listeners = new Map<string, Set<(event: never) => void>>()

  constructor(
    readonly clock: EventClock,
    readonly server: SimServer,
  ) {
    clock.setTimeout(() => {
      if (this.readyState !== 0) return
      if (server.isUp()) {
        this.readyState = 1
        server.sockets.add(this)
        this.#fire('open', {})
      } else {
        this.drop()
      }
    }, server.latency * 2)
  }
  addEventListener(type: string, listener: (event: never) => void): void {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(listener)
    this.#listeners.set(type, set)
  }
  removeEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.get(type)?.delete(listener)
  }
  send(data: unknown): void {
    if (this.readyState !== 1) return
    if (data === 'ping') {
      this.clock.setTimeout(() => {
        if (this.readyState === 1 && this.server.isUp()) this.#fire('message', { data: 'pong' })
      }, this.server.latency * 2)
    }
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return
    this.readyState = 2
    this.clock.setTimeout(() => this.#end(code, reason, true), this.server.latency * 2)
  }
  terminate(): void {
    this.#end(1006, '', false)
  }
  /** The connection fails or is cut: error, then close 1006. */
  drop(): void {
    if (this.readyState === 3) return
    this.#fire('error', {})
    this.#end(1006, '', false)
  }
  #end(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.server.sockets.delete(this)
    this.#fire('close', { code, reason, wasClean })
  }
  #fire(type: string, init: Record<string, unknown>): void {
    const event = { type, target: this, ...init } as never
    const handler = (this as unknown as Record<string, Handler>)[`on${type}`]
    if (typeof handler === 'function') handler(event)
    for (const listener of this.#listeners.get(type) ?? []) listener(event)
  }
}
