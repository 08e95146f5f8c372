/**
 * A B1 diagnostic: heartline's own cost per inbound message, with no network,
 * in CPU time. The socket actor's `message` listener is called directly with one
 * event object, against a bare listener, and against heartline with a constant
 * clock (which isolates what the clock read per message costs).
 */
import { createConnection } from '../src/index.js'
import { stats } from './lib.js'

type Listener = (event: unknown) => void

function connectionWithStub(
  constantClock: boolean,
): Promise<{ onMessage: Listener; close: () => void }> {
  const listeners: Record<string, Listener[]> = {}
  class Stub {
    readyState = 0
    protocol = ''
    bufferedAmount = 0
    binaryType = 'blob'
    constructor() {
      queueMicrotask(() => {
        this.readyState = 1
        for (const f of listeners.open ?? []) f({})
      })
    }
    addEventListener(type: string, f: Listener) {
      const list = listeners[type] ?? []
      list.push(f)
      listeners[type] = list
    }
    removeEventListener() {}
    send() {}
    close() {}
  }
  const clock = constantClock
    ? {
        setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
        clearTimeout: (id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>),
        now: () => 0,
      }
    : undefined
  const conn = createConnection('ws://127.0.0.1:1/', {
    WebSocket: Stub as never,
    ...(clock ? { clock } : {}),
  })
  let received = 0
  conn.addEventListener('message', () => {
    received++
  })
  return new Promise((resolve) =>
    conn.addEventListener('open', () =>
      resolve({
        onMessage: listeners.message?.[0] as Listener,
        close: () => {
          conn.close()
          if (received < 0) throw new Error('unreachable')
        },
      }),
    ),
  )
}

function cpuNsPer(n: number, fn: Listener, event: unknown): number {
  const t = process.cpuUsage()
  for (let i = 0; i < n; i++) fn(event)
  const d = process.cpuUsage(t)
  return ((d.user + d.system) * 1000) / n
}

export interface MessagePathResult {
  messages: number
  bare: ReturnType<typeof stats>
  heartline: ReturnType<typeof stats>
  constantClock: ReturnType<typeof stats>
}

export async function messagePathCost({
  n,
  rounds,
}: {
  n: number
  rounds: number
}): Promise<MessagePathResult> {
  const real = await connectionWithStub(false)
  const constant = await connectionWithStub(true)
  let count = 0
  const bare: Listener = () => {
    count++
  }
  const event = { data: 'x'.repeat(32) }
  const runs = { bare: [] as number[], heartline: [] as number[], constantClock: [] as number[] }
  for (let r = 0; r < rounds + 1; r++) {
    const b = cpuNsPer(n, bare, event)
    const h = cpuNsPer(n, real.onMessage, event)
    const c = cpuNsPer(n, constant.onMessage, event)
    if (r === 0) continue // warm-up
    runs.bare.push(b)
    runs.heartline.push(h)
    runs.constantClock.push(c)
  }
  real.close()
  constant.close()
  if (count === 0) throw new Error('bare listener never ran')
  return {
    messages: n,
    bare: stats(runs.bare),
    heartline: stats(runs.heartline),
    constantClock: stats(runs.constantClock),
  }
}
