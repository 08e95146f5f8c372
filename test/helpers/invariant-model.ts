/**
 * Property model shared by `test/invariants.test.ts` (a fixed seed inside
 * `npm test`) and `scripts/fuzz.ts` (long runs). It drives the real adapter and
 * chart (`createConnection`) with a `SimulatedClock` and scripted sockets through
 * random command sequences, and checks the invariants after every step.
 * Free of vitest so the CLI can run it with tsx.
 */
import fc from 'fast-check'
import { SimulatedClock } from 'xstate'
import { STATE_NAMES, stateNameOf } from '../../machines/connection.js'
import { type Connection, createConnection } from '../../src/connection.js'
import type { ConnectionOptions } from '../../src/options.js'
import { CountingTarget } from './controlled-server.js'
import { type ScriptedSocket, SocketRegistry } from './scripted-socket.js'

/** What the page-lifecycle actor registers on the window and the document, by type. */
const PAGE_LISTENERS = 'offline,online,pageshow,resume,visibilitychange'

// ---- the random world ---------------------------------------------------------------

export interface Config {
  heartbeat: false | { interval: number; timeout: number; deliverPongs: boolean }
  reconnect:
    | false
    | {
        initialDelay: number
        maxDelay: number
        factor: number
        jitter: 'full' | 'none'
        maxAttempts: number
        stableAfter: number
      }
  connectTimeout: number
  closeTimeout: number
  queue: false | { max: number; overflow: 'reject' | 'drop-oldest' }
  /** Which close-policy the application uses. */
  policy: 'always' | 'not-4000' | 'not-clean'
  /** The WebSocket implementation has `terminate()` (like `ws`) or not (like browsers). */
  terminate: boolean
  /** Seed of the jitter source handed to heartline as `random`. */
  randomSeed: number
  /** The application also sends from inside its open / close / statechange listeners. */
  sendInListeners: boolean
  /** The socket fires its close event from inside the adapter's close()/terminate() call. */
  syncClose: boolean
  /**
   * The application calls back into the connection from its listeners: reconnect()
   * when it closes for good, or close() when it starts waiting to reconnect.
   */
  reentry: 'none' | 'reconnect-on-final-close' | 'close-when-waiting'
  /**
   * How the URL is given: a string, a function returning one, or a function
   * returning a promise that only the `resolveUrl` command settles (token
   * refresh): attempts can be abandoned while their URL is still pending.
   */
  url?: 'string' | 'function' | 'deferred'
  /**
   * The lifecycle window has a `navigator` whose `onLine` says whether the
   * network is up, or none (a Node or React Native stand-in): then only its
   * `online` / `offline` events tell, and only while someone listens.
   */
  navigator?: boolean
}

/** -1 is the newest socket; other numbers pick any socket (modulo), old ones included. */
type Target = number

export type Command =
  | { t: 'open'; target: Target }
  | { t: 'serverClose'; target: Target; code: number }
  | { t: 'error'; target: Target; state: 2 | 3 }
  | { t: 'message'; target: Target; pong: boolean }
  | { t: 'advance'; ms: number }
  | { t: 'send' }
  | { t: 'close'; code: number | undefined; reason: string | undefined }
  | { t: 'reconnect' }
  | { t: 'resolveUrl'; target: Target; outcome: 'ok' | 'bad' | 'reject' }
  /** The page's network goes down or comes back (window `offline` / `online`), in any state. */
  | { t: 'offline' }
  | { t: 'online' }
  /** The page comes back from sleep (document `resume`), in any state. */
  | { t: 'resume' }

export interface Scenario {
  config: Config
  commands: Command[]
}

const target = fc.oneof(
  { arbitrary: fc.constant(-1), weight: 5 },
  { arbitrary: fc.nat(30), weight: 1 },
)

const configArb: fc.Arbitrary<Config> = fc.record({
  heartbeat: fc.oneof(
    { arbitrary: fc.constant(false as const), weight: 1 },
    {
      arbitrary: fc.record({
        interval: fc.integer({ min: 1, max: 20_000 }),
        timeout: fc.integer({ min: 1, max: 20_000 }),
        deliverPongs: fc.boolean(),
      }),
      weight: 3,
    },
  ),
  reconnect: fc.oneof(
    { arbitrary: fc.constant(false as const), weight: 1 },
    {
      arbitrary: fc
        .record({
          initialDelay: fc.integer({ min: 0, max: 5000 }),
          extra: fc.integer({ min: 0, max: 60_000 }),
          factor: fc.double({ min: 1, max: 3, noNaN: true }),
          jitter: fc.constantFrom('full' as const, 'none' as const),
          maxAttempts: fc.oneof(
            { arbitrary: fc.constant(Number.POSITIVE_INFINITY), weight: 3 },
            { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 1 },
          ),
          stableAfter: fc.integer({ min: 0, max: 10_000 }),
        })
        .map(({ extra, ...r }) => ({ ...r, maxDelay: r.initialDelay + extra })),
      weight: 4,
    },
  ),
  // Small enough to time out often, large enough that a long advance with zero
  // backoff stays a few thousand attempts, not hundreds of thousands.
  connectTimeout: fc.integer({ min: 250, max: 20_000 }),
  closeTimeout: fc.integer({ min: 0, max: 5000 }),
  queue: fc.oneof(
    { arbitrary: fc.constant(false as const), weight: 1 },
    {
      arbitrary: fc.record({
        max: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 50 })),
        overflow: fc.constantFrom('reject' as const, 'drop-oldest' as const),
      }),
      weight: 4,
    },
  ),
  policy: fc.oneof(
    { arbitrary: fc.constant('always' as const), weight: 4 },
    { arbitrary: fc.constantFrom('not-4000' as const, 'not-clean' as const), weight: 1 },
  ),
  terminate: fc.boolean(),
  randomSeed: fc.integer(),
  sendInListeners: fc.boolean(),
  syncClose: fc.boolean(),
  reentry: fc.constantFrom(
    'none' as const,
    'none' as const,
    'reconnect-on-final-close' as const,
    'close-when-waiting' as const,
  ),
  url: fc.constantFrom('string' as const, 'function' as const, 'deferred' as const),
  navigator: fc.boolean(),
})

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('open' as const), target }), weight: 9 },
  {
    arbitrary: fc.record({
      t: fc.constant('serverClose' as const),
      target,
      code: fc.constantFrom(1000, 1001, 1006, 1011, 4000, 1012, 1013, 3000),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('error' as const),
      target,
      state: fc.constantFrom(2 as const, 3 as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ t: fc.constant('message' as const), target, pong: fc.boolean() }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.oneof(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.integer({ min: 0, max: 120_000 }),
      ),
    }),
    weight: 6,
  },
  { arbitrary: fc.constant({ t: 'send' as const }), weight: 6 },
  {
    arbitrary: fc.record({
      t: fc.constant('close' as const),
      code: fc.option(fc.oneof(fc.constant(1000), fc.integer({ min: 3000, max: 4999 })), {
        nil: undefined,
      }),
      reason: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ t: 'reconnect' as const }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant('resolveUrl' as const),
      target,
      outcome: fc.constantFrom('ok' as const, 'ok' as const, 'bad' as const, 'reject' as const),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ t: 'offline' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'online' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'resume' as const }), weight: 1 },
)

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  config: configArb,
  commands: fc.array(commandArb, { minLength: 1, maxLength: 30, size: 'max' }),
})

// ---- running one scenario ---------------------------------------------------------

/** A small seeded PRNG (mulberry32) for the jitter source. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface ClockInternals {
  timeouts: Map<number, { start: number; timeout: number }>
  now(): number
  set(time: number): void
}

/**
 * Advances simulated time to `now + ms`, firing every timer at its own deadline,
 * including timers set by earlier ones (a single `increment` would start those at
 * the end of the jump and so miss them).
 */
export function advanceClock(clock: SimulatedClock, ms: number): void {
  const c = clock as unknown as ClockInternals
  const end = c.now() + ms
  for (let fired = 0; ; fired++) {
    if (fired > 10_000) {
      const due = [...c.timeouts.values()].map((t) => `${t.start}+${t.timeout}`).join(', ')
      throw new Error(`timer storm: over 10 000 timers fired in one advance (t=${c.now()}; ${due})`)
    }
    let next = Number.POSITIVE_INFINITY
    let nextId = -1
    for (const [id, t] of c.timeouts) {
      if (t.start + t.timeout < next) {
        next = t.start + t.timeout
        nextId = id
      }
    }
    if (next > end) break
    c.set(Math.max(next, c.now()))
    // Fractional delays (a non-integer backoff factor): start + timeout can round
    // so that now - start stays just under timeout; nudge past the rounding.
    if (c.timeouts.has(nextId)) c.set(Math.min(end, c.now() + 1e-6))
    if (c.timeouts.has(nextId) && c.now() >= end) break
  }
  c.set(end)
}

export function pendingTimers(clock: SimulatedClock): number {
  return (clock as unknown as ClockInternals).timeouts.size
}

/** The chart's delayed transitions currently scheduled, by delay name. */
function scheduledDelays(conn: Connection): string[] {
  const system = conn.actor.system as unknown as {
    getSnapshot(): { _scheduledEvents: Record<string, { event: { type: string } }> }
  }
  return Object.values(system.getSnapshot()._scheduledEvents).map((s) => {
    // `xstate.after.<delay>.<state id>`
    const parts = s.event.type.split('.')
    return parts[2] ?? s.event.type
  })
}

export class InvariantError extends Error {
  constructor(message: string, trace: readonly string[]) {
    super(`${message}\n  after steps:\n    ${trace.slice(-25).join('\n    ')}`)
    this.name = 'InvariantError'
  }
}

/** Figures summed over all scenarios a runner executed. */
export interface Totals {
  scenarios: number
  steps: number
  sent: number
  delivered: number
  dropped: number
  sockets: number
  /** Drops by reason. */
  dropReasons: Record<string, number>
}

export function emptyTotals(): Totals {
  return { scenarios: 0, steps: 0, sent: 0, delivered: 0, dropped: 0, sockets: 0, dropReasons: {} }
}

/** Lets the model's own tests break the world on purpose, to prove the checks can fail. */
/** Called before each step, and once more (step = commands.length) after the long wait past close(). */
export type Tamper = (conn: Connection, registry: SocketRegistry, step: number) => void

/** Runs one scenario; throws an InvariantError naming the broken invariant and the last steps. */
export async function runScenario(
  scenario: Scenario,
  totals?: Totals,
  tamper?: Tamper,
): Promise<void> {
  const { config, commands } = scenario
  const clock = new SimulatedClock()
  const registry = new SocketRegistry({ terminate: config.terminate, syncClose: config.syncClose })
  const trace: string[] = []
  // The page: a window (whose navigator, when it has one, says whether the
  // network is up) and a document.
  const page = { onLine: true }
  const win =
    config.navigator === false
      ? new CountingTarget()
      : Object.assign(new CountingTarget(), { navigator: page })
  const doc = new CountingTarget()
  /** The application wants a connection: true from creation and reconnect(), false after close(). */
  let wantsConnection = true

  const options: ConnectionOptions = {
    lifecycle: { window: win, document: doc },
    WebSocket: registry.WebSocket,
    clock,
    random: seededRandom(config.randomSeed),
    heartbeat: config.heartbeat,
    reconnect: config.reconnect,
    connectTimeout: config.connectTimeout,
    closeTimeout: config.closeTimeout,
    queue: config.queue,
    shouldReconnect: (close) => {
      if (config.policy === 'not-4000') return close.code !== 4000
      if (config.policy === 'not-clean') return !close.wasClean
      return true
    },
  }
  const URL = 'ws://fuzz.invalid/socket'
  /** URL promises handed out in `deferred` mode, settled only by `resolveUrl`. */
  const urls: Array<{ settled: boolean; settle: (outcome: 'ok' | 'bad' | 'reject') => void }> = []
  const urlSource =
    config.url === 'function'
      ? () => URL
      : config.url === 'deferred'
        ? () =>
            new Promise<string>((resolve, reject) => {
              const entry = {
                settled: false,
                settle: (outcome: 'ok' | 'bad' | 'reject') => {
                  entry.settled = true
                  if (outcome === 'reject') reject(new Error('token refresh failed'))
                  else resolve(outcome === 'ok' ? URL : 'ftp://fuzz.invalid/')
                },
              }
              urls.push(entry)
            })
        : URL
  const urlPending = () => {
    const latest = urls[urls.length - 1]
    return latest !== undefined && !latest.settled
  }
  const conn = createConnection(urlSource, options)

  // ---- message accounting: every send gets an id; each id ends exactly once.
  let nextId = 0
  const delivered = new Map<string, number>() // id -> socket
  const dropped = new Map<string, string>() // id -> reason
  const refused = new Set<string>()
  let lastDelivered = -1
  /**
   * Handed over or not (docs/reliability.md): what was written to a socket before
   * its first inbound frame, by socket, at most the queue's size (the oldest
   * beyond counts as handed over); a socket whose server refuses it unread (1013
   * before any frame) gives these back to the queue.
   */
  const heard = new Set<number>()
  const tentative = new Map<number, string[]>()
  const tentativeBound = config.queue === false ? 1000 : config.queue.max
  /** The messages of the socket being refused right now: back in the queue, so a drop may follow. */
  let returning = new Set<string>()
  const fail = (message: string): never => {
    throw new InvariantError(message, trace)
  }

  conn.addEventListener('drop', (event) => {
    const id = String(event.data)
    if (!id.startsWith('m')) fail(`drop of a message the app never sent: ${id}`)
    if (dropped.has(id)) fail(`${id} reported dropped twice (${dropped.get(id)}, ${event.reason})`)
    if (delivered.has(id) && !returning.has(id))
      fail(`${id} dropped (${event.reason}) after being delivered`)
    dropped.set(id, event.reason)
  })

  const appSend = (from: string) => {
    const id = `m${nextId++}`
    const before = conn.queued
    const ok = conn.send(id)
    trace.push(`  send ${id} (${from}) -> ${ok} [queued ${before} -> ${conn.queued}]`)
    if (!ok && !dropped.has(id)) fail(`send(${id}) returned false without a drop event`)
    if (!ok) refused.add(id)
  }
  // Re-entrant calls from listeners, a few per scenario, never during the final close().
  let reentries = 0
  let finalPhase = false
  if (config.reentry === 'reconnect-on-final-close') {
    conn.addEventListener('close', (e) => {
      if (finalPhase || e.willReconnect || e.cause === 'user' || reentries >= 3) return
      reentries++
      trace.push('  reconnect() from onclose')
      wantsConnection = true
      conn.reconnect()
    })
  }
  if (config.reentry === 'close-when-waiting') {
    conn.addEventListener('statechange', (e) => {
      if (finalPhase || e.to !== 'waitingToReconnect' || reentries >= 1) return
      reentries++
      trace.push('  close() from statechange')
      wantsConnection = false
      conn.close(4001, 'enough')
    })
  }
  if (config.sendInListeners) {
    conn.addEventListener('open', () => appSend('onopen'))
    conn.addEventListener('close', () => appSend('onclose'))
    conn.addEventListener('statechange', (e) => {
      if (e.to === 'waitingToReconnect') appSend('statechange')
    })
  }

  const checkWrites = () => {
    for (const w of registry.writes.splice(0)) {
      const data = String(w.data)
      if (!data.startsWith('m')) continue // heartbeat pings
      if (w.readyState !== 1)
        fail(`${data} written to socket ${w.socket} in readyState ${w.readyState}: lost`)
      if (delivered.has(data)) fail(`${data} delivered twice`)
      if (dropped.has(data)) fail(`${data} delivered after being reported dropped`)
      const n = Number(data.slice(1))
      if (n <= lastDelivered) fail(`${data} delivered out of order (after m${lastDelivered})`)
      lastDelivered = n
      delivered.set(data, w.socket)
      if (heard.has(w.socket)) continue
      const kept = tentative.get(w.socket) ?? []
      kept.push(data)
      if (kept.length > tentativeBound) kept.shift()
      tentative.set(w.socket, kept)
    }
  }

  const check = () => {
    checkWrites()
    if (registry.violations.length > 0) fail(registry.violations.join('; '))
    const snapshot = conn.actor.getSnapshot()
    if (snapshot.status !== 'active') fail(`the chart stopped: status ${snapshot.status}`)
    const name = conn.state
    if (!(STATE_NAMES as readonly string[]).includes(name)) fail(`unknown state ${String(name)}`)
    const chartName = stateNameOf(snapshot.value)
    if (chartName !== name) fail(`conn.state ${name} but the chart is in ${chartName}`)

    // The page's listeners, by identity: all five while a socket or a retry is
    // pending, none once closed (one added and never removed is a leak).
    const pageListeners = [...win.types, ...doc.types].join(',')
    const expected = name === 'closed' ? '' : PAGE_LISTENERS
    if (pageListeners !== expected) fail(`page listeners in ${name}: [${pageListeners}]`)

    const live = registry.live()
    if (live.length > 1) fail(`${live.length} live sockets: ${live.map((s) => s.id).join(', ')}`)
    const attached = registry.sockets.filter((s) => s.listenerCount('close') > 0)
    if (attached.length > 1) fail(`listeners on ${attached.length} sockets`)
    if (name === 'connecting' || name === 'open' || name === 'awaitingPong') {
      const current = attached[0]
      const resolving = name === 'connecting' && current === undefined && urlPending()
      if (!resolving && (current === undefined || !current.live || current !== registry.latest()))
        fail(`state ${name} without a live current socket`)
    }
    if (name === 'waitingToReconnect' || name === 'closed') {
      if (live.length > 0) fail(`state ${name} with live socket ${live[0]?.id}`)
      if (attached.length > 0) fail(`state ${name} still listening to socket ${attached[0]?.id}`)
    }

    const delays = scheduledDelays(conn)
    const timers = pendingTimers(clock)
    if (timers !== delays.length) fail(`${timers} clock timers but ${delays.length} chart delays`)
    const reconnectTimers = delays.filter((d) => d === 'reconnectDelay').length
    if (reconnectTimers > 1) fail(`${reconnectTimers} reconnect timers pending`)
    // Offline, the backoff is paused: once its timer has fired, `network.online`
    // (not a timer) starts the next attempt.
    if (name === 'waitingToReconnect' && reconnectTimers !== 1 && snapshot.context.online)
      fail(`waitingToReconnect with ${reconnectTimers} reconnect timers`)
    if (name !== 'waitingToReconnect' && reconnectTimers !== 0)
      fail(`reconnect timer pending in ${name}`)
    if (name === 'closed' && timers !== 0)
      fail(`closed with ${timers} timers: ${delays.join(', ')}`)
    // Recovery: an app that wants a connection, on a network that is up, gets a
    // new attempt when its reconnect timer fires, within the backoff bound.
    if (name === 'waitingToReconnect' && wantsConnection && page.onLine) {
      const { online, retryDelay } = snapshot.context
      if (!online)
        fail(
          'network up but the chart believes it offline: the reconnect timer would start nothing',
        )
      const policyDelay = typeof snapshot.context.reconnectVerdict === 'number'
      if (config.reconnect !== false && !policyDelay && retryDelay > config.reconnect.maxDelay)
        fail(`reconnect delay ${retryDelay} over the backoff bound ${config.reconnect.maxDelay}`)
    }
    // Liveness: every transient state holds the timer that bounds it.
    const bound: Record<string, string | undefined> = {
      connecting: 'connectTimeout',
      closing: 'closeTimeout',
      awaitingPong: 'pongTimeout',
      open: config.heartbeat === false ? undefined : 'pingDelay',
    }
    const needed = bound[name]
    if (needed !== undefined && !delays.includes(needed))
      fail(`${name} without its ${needed} timer (pending: ${delays.join(', ') || 'none'})`)

    const accounted = delivered.size + dropped.size
    if (accounted + conn.queued !== nextId)
      fail(
        `${nextId} sent but ${delivered.size} delivered + ${dropped.size} dropped + ${conn.queued} queued`,
      )
    if (config.queue === false && conn.queued !== 0) fail('queue off but messages queued')
    if (config.queue !== false && conn.queued > config.queue.max)
      fail(`${conn.queued} queued over max ${config.queue.max}`)
    for (const id of refused) if (delivered.has(id)) fail(`refused ${id} was delivered`)
  }

  const pick = (t: Target): ScriptedSocket | undefined => {
    const all = registry.sockets
    if (all.length === 0) return undefined
    return t < 0 ? all[all.length - 1] : all[t % all.length]
  }

  check()
  for (const [step, command] of commands.entries()) {
    tamper?.(conn, registry, step)
    const before = conn.state
    let note = ''
    switch (command.t) {
      case 'open': {
        const s = pick(command.target)
        note = `socket ${s?.id} ${s?.fireOpen() ? 'opened' : 'not openable'}`
        break
      }
      case 'serverClose': {
        const s = pick(command.target)
        checkWrites()
        // Refused unread: the adapter still holds it open and never heard from it.
        const unread =
          s !== undefined &&
          command.code === 1013 &&
          s.readyState === 1 &&
          !s.closedByAdapter &&
          s.listenerCount('close') > 0 &&
          !heard.has(s.id)
        if (unread) returning = new Set(tentative.get(s.id))
        note = `socket ${s?.id} close ${command.code}: ${s?.fireClose(command.code) ?? false}`
        if (returning.size > 0) {
          // Back at the front of the queue: written again later, from the oldest on.
          for (const id of returning) delivered.delete(id)
          lastDelivered = Math.min(...[...returning].map((id) => Number(id.slice(1)))) - 1
          note += ` (${returning.size} back in the queue)`
          returning = new Set()
        }
        break
      }
      case 'error': {
        const s = pick(command.target)
        note = `socket ${s?.id} error -> ${command.state}: ${s?.fireError(command.state) ?? false}`
        break
      }
      case 'message': {
        const s = pick(command.target)
        const data = command.pong ? 'pong' : 'server-data'
        checkWrites()
        const listened = s !== undefined && s.listenerCount('message') > 0
        const fired = s?.fireMessage(data) ?? false
        // The server reads: what the socket took so far is handed over.
        if (s !== undefined && fired && listened) {
          heard.add(s.id)
          tentative.delete(s.id)
        }
        note = `socket ${s?.id} message ${data}: ${fired}`
        break
      }
      case 'advance':
        try {
          advanceClock(clock, command.ms)
        } catch (error) {
          fail(String(error))
        }
        note = `advance ${command.ms} ms (t=${clock.now()})`
        break
      case 'send':
        appSend('app')
        break
      case 'close':
        wantsConnection = false
        // A reason without a code is refused, as a browser refuses it (the code
        // converts to 0): the model closes without either then.
        if (command.code === undefined) conn.close()
        else conn.close(command.code, command.reason)
        note = `close(${command.code}, ${JSON.stringify(command.reason)})`
        break
      case 'reconnect':
        wantsConnection = true
        conn.reconnect()
        note = 'reconnect()'
        break
      case 'offline':
        page.onLine = false
        win.dispatchEvent(new Event('offline'))
        note = 'page offline'
        break
      case 'online':
        page.onLine = true
        win.dispatchEvent(new Event('online'))
        note = 'page online'
        break
      case 'resume':
        doc.dispatchEvent(new Event('resume'))
        note = 'page resumed'
        break
      case 'resolveUrl': {
        const open = urls.filter((u) => !u.settled)
        const entry =
          command.target < 0 ? open[open.length - 1] : open[command.target % (open.length || 1)]
        if (entry === undefined) {
          note = 'no URL pending'
          break
        }
        entry.settle(command.outcome)
        // Let the promise chain (and anything it starts) run.
        await new Promise((resolve) => setImmediate(resolve))
        note = `URL ${urls.indexOf(entry)} -> ${command.outcome}`
        break
      }
    }
    trace.push(`${before} | ${command.t} ${note} -> ${conn.state}`)
    check()
  }

  // close() always reaches `closed` with nothing pending once closeTimeout has passed.
  finalPhase = true
  conn.close()
  trace.push(`final close() -> ${conn.state}`)
  check()
  try {
    advanceClock(clock, config.closeTimeout + 1)
  } catch (error) {
    fail(String(error))
  }
  trace.push(`advance ${config.closeTimeout + 1} ms -> ${conn.state}`)
  check()
  if (conn.state !== 'closed') fail(`close() did not reach closed: ${conn.state}`)
  if (pendingTimers(clock) !== 0) fail(`${pendingTimers(clock)} timers left after close()`)
  if (registry.live().length !== 0) fail('a live socket left after close()')
  if (conn.queued !== 0) fail(`${conn.queued} messages still queued after close()`)
  if (delivered.size + dropped.size !== nextId)
    fail(`${nextId - delivered.size - dropped.size} messages neither delivered nor dropped`)
  // Nothing revives it: a long wait changes nothing.
  const socketsBefore = registry.sockets.length
  try {
    advanceClock(clock, 3_600_000)
  } catch (error) {
    fail(String(error))
  }
  tamper?.(conn, registry, commands.length)
  check()
  if (conn.state !== 'closed' || registry.sockets.length !== socketsBefore)
    fail('activity after close()')

  if (totals) {
    totals.scenarios++
    totals.steps += commands.length
    totals.sent += nextId
    totals.delivered += delivered.size
    totals.dropped += dropped.size
    totals.sockets += registry.sockets.length
    for (const reason of dropped.values())
      totals.dropReasons[reason] = (totals.dropReasons[reason] ?? 0) + 1
  }
}

/** The property: every scenario keeps every invariant. */
export function invariantProperty(totals?: Totals) {
  return fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario, totals))
}
