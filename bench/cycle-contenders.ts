/**
 * The child side of B7 simulated (bench/cycle-cpu.ts): one contender, `n`
 * connections over an in-memory socket on a fake clock, CPU per heartbeat cycle.
 * Run through bench/child.ts (mode `cycle`), one process per contender.
 */
import { createActor, setup } from 'xstate'
import { createConnection } from '../src/index.js'
import { classicClient } from './classic.js'
import { EventClock } from './sim.js'

export const CYCLE_KINDS = ['classic', 'heartline', 'xstate-floor', 'xstate-floor+inspect'] as const
export type CycleKind = (typeof CYCLE_KINDS)[number]

const INTERVAL = 1000

type Listener = (event: { data?: unknown }) => void

/** Counts shared by every socket of the process. */
const counts = { pings: 0, pongs: 0, closes: 0 }

/**
 * A socket with no network: opens on a microtask, answers "ping" with "pong" on
 * a microtask. Both listener styles (addEventListener and on… properties), so the
 * recipe and heartline drive it as they drive a WebSocket.
 */
class PongingSocket {
  readyState = 0
  protocol = ''
  extensions = ''
  bufferedAmount = 0
  binaryType = 'blob'
  onopen: Listener | null = null
  onmessage: Listener | null = null
  onclose: Listener | null = null
  onerror: Listener | null = null
  #listeners: Record<string, Listener[]> = {}

  constructor(readonly url: string) {
    queueMicrotask(() => {
      this.readyState = 1
      this.#emit('open', {})
    })
  }
  addEventListener(type: string, f: Listener): void {
    this.#listeners[type] ??= []
    this.#listeners[type].push(f)
  }
  removeEventListener(type: string, f: Listener): void {
    const list = this.#listeners[type]
    if (list) this.#listeners[type] = list.filter((x) => x !== f)
  }
  send(data: unknown): void {
    if (data !== 'ping') return
    counts.pings++
    queueMicrotask(() => {
      counts.pongs++
      this.#emit('message', { data: 'pong' })
    })
  }
  close(): void {
    if (this.readyState === 3) return
    counts.closes++
    this.readyState = 3
  }
  #emit(type: string, event: { data?: unknown }): void {
    const prop = this[`on${type}` as 'onopen']
    if (prop) prop(event)
    for (const f of this.#listeners[type] ?? []) f(event)
  }
}

/**
 * The floor of a heartbeat written as an XState v5 chart: two states, two delayed
 * transitions, one entry action, one event; the socket arrives as input (no assigns).
 */
const floorMachine = setup({
  types: {} as { context: { socket: PongingSocket }; input: { socket: PongingSocket } },
}).createMachine({
  context: ({ input }) => ({ socket: input.socket }),
  initial: 'open',
  states: {
    open: { after: { [INTERVAL]: 'awaitingPong' } },
    awaitingPong: {
      entry: ({ context }) => context.socket.send('ping'),
      on: { pong: 'open' },
      after: { [INTERVAL]: 'closed' },
    },
    closed: { type: 'final', entry: ({ context }) => context.socket.close() },
  },
})

/** Builds one connection of `kind`; returns a check that it is still cycling. */
function connect(kind: CycleKind, clock: EventClock): () => boolean {
  const url = 'ws://127.0.0.1:1/cycle'
  if (kind === 'classic') {
    const client = classicClient(
      url,
      PongingSocket as never,
      { pingAfter: INTERVAL, closeAfter: INTERVAL, reconnectAfter: 4000 },
      // The recipe takes the two functions apart from the clock.
      {
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
        clearTimeout: (id) => clock.clearTimeout(id),
      },
    )
    return () => client.isOpen()
  }
  if (kind === 'heartline') {
    const conn = createConnection(url, {
      WebSocket: PongingSocket as never,
      clock,
      heartbeat: { interval: INTERVAL, timeout: INTERVAL },
    })
    return () => conn.state === 'open'
  }
  const socket = new PongingSocket(url)
  const inspect = kind === 'xstate-floor+inspect' ? () => undefined : undefined
  let actor: ReturnType<typeof createActor<typeof floorMachine>> | undefined
  socket.addEventListener('open', () => {
    actor = createActor(floorMachine, { clock, input: { socket }, inspect }).start()
  })
  socket.addEventListener('message', (event) => {
    if (event.data === 'pong') actor?.send({ type: 'pong' })
  })
  return () => actor?.getSnapshot().value === 'open'
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

export interface CycleRun {
  kind: CycleKind
  n: number
  cycles: number
  usPerCycle: number
  pingsPerConnection: number
  pongsPerConnection: number
}

/**
 * `n` connections of one kind; `warmup` cycles, then CPU (user + system) over
 * `cycles` cycles, each: the clock advances one interval, then the event loop
 * turns once so the pongs (microtasks) arrive. Throws unless every connection
 * sent one ping and got one pong per cycle and is still open.
 */
export async function cycleRun({
  kind,
  n,
  cycles,
  warmup = 20,
  gc,
}: {
  kind: CycleKind
  n: number
  cycles: number
  warmup?: number
  gc?: () => void
}): Promise<CycleRun> {
  const clock = new EventClock()
  const alive = Array.from({ length: n }, () => connect(kind, clock))
  await turn()
  const notOpen = alive.filter((ok) => !ok()).length
  if (notOpen > 0) throw new Error(`${kind}: ${notOpen} of ${n} connections did not open`)
  for (let i = 0; i < warmup; i++) {
    clock.runUntil(clock.now() + INTERVAL)
    await turn()
  }
  gc?.()
  const pings0 = counts.pings
  const pongs0 = counts.pongs
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < cycles; i++) {
    clock.runUntil(clock.now() + INTERVAL)
    await turn()
  }
  const cpu = process.cpuUsage(cpu0)
  const pings = (counts.pings - pings0) / n
  const pongs = (counts.pongs - pongs0) / n
  const stale = alive.filter((ok) => !ok()).length
  if (pings !== cycles || pongs !== cycles || stale > 0 || counts.closes > 0) {
    throw new Error(
      `${kind} did not cycle: ${pings} pings and ${pongs} pongs per connection for ${cycles} cycles, ${stale} of ${n} not open, ${counts.closes} closed`,
    )
  }
  return {
    kind,
    n,
    cycles,
    usPerCycle: (cpu.user + cpu.system) / (n * cycles),
    pingsPerConnection: pings,
    pongsPerConnection: pongs,
  }
}
