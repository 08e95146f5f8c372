/**
 * The classic browser recipe, followed literally (ping after 3 s of silence, close 3 s later, fixed 4 s reconnect), as the baseline
 * the benchmarks compare heartline with. Environment-agnostic: it takes the
 * WebSocket constructor, so the same code runs over `ws` in Node and over the
 * browser's own WebSocket in Chromium.
 *
 * - open: start the heartbeat; every inbound message restarts it;
 * - heartbeat: after `pingAfter` ms of silence send "ping"; if nothing arrives in
 *   `closeAfter` ms more, call `ws.close()`;
 * - close / error: reconnect after a fixed `reconnectAfter` ms, guarded by a
 *   `lockReconnect` flag so that two callbacks never schedule two reconnects.
 */
export interface ClassicTimings {
  pingAfter: number
  closeAfter: number
  reconnectAfter: number
}

export const CLASSIC_SEED: ClassicTimings = {
  pingAfter: 3000,
  closeAfter: 3000,
  reconnectAfter: 4000,
}

type Ctor = new (
  url: string,
) => {
  readyState: number
  send(data: string): void
  close(): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
}

/** Timer functions; the herd simulation passes a simulated clock's. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
}

export interface ClassicClient {
  readonly isOpen: () => boolean
  onopen: () => void
  onclose: () => void
  /** Stops everything: no reconnect, no timer. */
  stop(): void
}

export function classicClient(
  url: string,
  WebSocketImpl: Ctor,
  timings: ClassicTimings = CLASSIC_SEED,
  { setTimeout, clearTimeout }: Timers = realTimers,
): ClassicClient {
  let ws: InstanceType<Ctor>
  let lockReconnect = false
  let stopped = false
  let pingTimer: unknown
  let closeTimer: unknown
  let reconnectTimer: unknown
  let open = false

  const client: ClassicClient = {
    isOpen: () => open,
    onopen: () => undefined,
    onclose: () => undefined,
    stop() {
      stopped = true
      clearTimeout(pingTimer)
      clearTimeout(closeTimer)
      clearTimeout(reconnectTimer)
      ws.onclose = null
      ws.onerror = () => undefined
      try {
        ws.close()
      } catch {
        // already closed
      }
    },
  }

  const reset = () => {
    clearTimeout(pingTimer)
    clearTimeout(closeTimer)
    start()
  }
  const start = () => {
    pingTimer = setTimeout(() => {
      ws.send('ping')
      closeTimer = setTimeout(() => {
        ws.close()
      }, timings.closeAfter)
    }, timings.pingAfter)
  }
  const reconnect = () => {
    if (lockReconnect || stopped) return
    lockReconnect = true
    reconnectTimer = setTimeout(() => {
      create()
      lockReconnect = false
    }, timings.reconnectAfter)
  }
  const create = () => {
    try {
      ws = new WebSocketImpl(url)
    } catch {
      reconnect()
      return
    }
    ws.onopen = () => {
      open = true
      reset()
      client.onopen()
    }
    ws.onmessage = () => {
      reset()
    }
    ws.onclose = () => {
      open = false
      clearTimeout(pingTimer)
      clearTimeout(closeTimer)
      client.onclose()
      reconnect()
    }
    ws.onerror = () => {
      reconnect()
    }
  }
  create()
  return client
}
