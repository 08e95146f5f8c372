/**
 * What one heartbeat cycle costs the chart, counted rather than timed (a part
 * of the B7 figure that load does not blur): one connection over a stub socket
 * that answers each ping with a pong at once, on XState's SimulatedClock,
 * through 100 cycles; prints the inspection events per cycle by kind.
 *   node --import tsx bench/cycle.ts
 */
import { SimulatedClock } from 'xstate'
import { createConnection } from '../src/index.js'

type Listener = (event: unknown) => void
const listeners: Record<string, Listener[]> = {}

class PongingSocket {
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
    listeners[type] ??= []
    listeners[type].push(f)
  }
  removeEventListener() {}
  send(data: unknown) {
    if (data !== 'ping') return
    queueMicrotask(() => {
      for (const f of listeners.message ?? []) f({ data: 'pong' })
    })
  }
  close() {}
}

const CYCLES = 100
const simulated = new SimulatedClock()
const counts: Record<string, number> = {}
const timers = { set: 0, cleared: 0 }
const clock = {
  setTimeout: (fn: (...args: unknown[]) => void, ms: number) => {
    timers.set++
    return simulated.setTimeout(fn, ms)
  },
  clearTimeout: (id: unknown) => {
    timers.cleared++
    simulated.clearTimeout(id as never)
  },
  now: () => simulated.now(),
}
const conn = createConnection('ws://127.0.0.1:1/', {
  WebSocket: PongingSocket as never,
  clock,
  heartbeat: { interval: 1000, timeout: 1000 },
  inspect: (event) => {
    const key =
      event.type === '@xstate.event' ? `${event.type} ${event.event.type}` : String(event.type)
    counts[key] = (counts[key] ?? 0) + 1
  },
})
await new Promise((resolve) => conn.addEventListener('open', resolve))
await new Promise((resolve) => setTimeout(resolve, 10))
for (const key of Object.keys(counts)) delete counts[key]
timers.set = 0
timers.cleared = 0
for (let i = 0; i < CYCLES; i++) {
  simulated.increment(1000)
  await new Promise((resolve) => setTimeout(resolve, 0))
}
const total = Object.values(counts).reduce((a, b) => a + b, 0)
process.stdout.write(
  `${CYCLES} cycles, state ${conn.state}, ${conn.metrics.rtt.samples} RTT samples; per cycle: ${(timers.set / CYCLES).toFixed(2)} timers set, ${(timers.cleared / CYCLES).toFixed(2)} cleared, ${(total / CYCLES).toFixed(2)} inspection events\n`,
)
for (const [key, n] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`${(n / CYCLES).toFixed(2).padStart(6)}  ${key}\n`)
}
conn.close()
process.exit(0)
