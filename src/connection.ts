/**
 * The adapter: binds the chart to a real WebSocket and gives applications the
 * interface of a browser WebSocket (four handlers, addEventListener, send, close)
 * plus `reconnect()`, `state` and the `statechange` / `drop` events.
 */
import { type Actor, assign, createActor, type InspectionEvent } from 'xstate'
import {
  backoffDelay,
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionMachine,
  type ConnectionStateName,
  closeInfoOf,
  connectionMachine,
  stateNameOf,
} from '../machines/connection.js'
import { checkClose } from './close.js'
import { checkReconnectDecision, defaultShouldReconnect } from './close-policy.js'
import { type ConnectionMetrics, MetricsRecorder } from './metrics.js'
import {
  type CloseDetails,
  type ConnectionOptions,
  chartInput,
  checkUrl,
  describeValue,
  isSendData,
  type LifecycleTargets,
  type ResolvedOptions,
  resolveOptions,
  type SendData,
  type UrlProvider,
  type WebSocketLike,
} from './options.js'
import { retryHintOf } from './retry-hint.js'
import { createSocketActor, type LivenessProbe, type SocketHost, type UrlSource } from './socket.js'

/**
 * A pong deadline seen more than this many ms after it was due means the timers
 * slept (a frozen tab, a suspended laptop, intensive background throttling, which
 * Chromium aligns to one minute): the link is probed again instead of declared dead.
 */
export const LATE_TIMER_MS = 1000

export interface HeartlineEvent<T extends string = string> {
  type: T
  target: Connection
}
export interface OpenEvent extends HeartlineEvent<'open'> {
  /** The URL this socket connected to. */
  url: string
}
export interface CloseEventDetails extends HeartlineEvent<'close'>, CloseDetails {
  /** True when heartline will try again after this close. */
  willReconnect: boolean
}
export interface ErrorEventDetails extends HeartlineEvent<'error'> {
  /** What the socket (or the url provider) reported. */
  error: unknown
}
export interface StateChangeEvent extends HeartlineEvent<'statechange'> {
  from: ConnectionStateName
  to: ConnectionStateName
  /** The chart event that caused the change (for example `heartbeat.silence`). */
  event: string
}
export type DropReason = 'not-open' | 'queue-full' | 'queue-overflow' | 'closed'
export interface DropEvent extends HeartlineEvent<'drop'> {
  /** The message that will not be sent. */
  data: SendData
  /**
   * `not-open`: sent while not open with `queue: false`; `queue-full`: refused by
   * a full queue; `queue-overflow`: the oldest queued message pushed out by
   * `overflow: 'drop-oldest'`; `closed`: the connection closed for good (queued
   * messages are reported when it does, later sends at once).
   */
  reason: DropReason
}
export interface ReconnectingEvent extends HeartlineEvent<'reconnecting'> {
  attempt: number
  delay: number
}
export interface GaveUpEvent extends HeartlineEvent<'gave-up'> {
  attempts: number
}

export interface ConnectionEventMap {
  open: OpenEvent
  message: MessageEvent
  error: ErrorEventDetails
  close: CloseEventDetails
  statechange: StateChangeEvent
  drop: DropEvent
  reconnecting: ReconnectingEvent
  'gave-up': GaveUpEvent
}

type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void }
type AnyListener = (event: never) => void

const READY_STATE: Record<ConnectionStateName, 0 | 1 | 2 | 3> = {
  connecting: 0,
  open: 1,
  awaitingPong: 1,
  closing: 2,
  waitingToReconnect: 0,
  closed: 3,
}

function rethrowLater(error: unknown): void {
  // As EventTarget does: one failing listener must not stop the others or the chart.
  setTimeout(() => {
    throw error
  }, 0)
}

/**
 * Live connections by handle. Weak, so a connection the application dropped is
 * collected once it is idle (in `closed`, nothing else refers to it); while it
 * runs, its timers and socket reach it through the actor.
 */
const owners = new Map<number, WeakRef<Connection>>()
const forget = new FinalizationRegistry<number>((owner) => owners.delete(owner))
let lastOwner = 0

function register(connection: Connection): number {
  const owner = ++lastOwner
  owners.set(owner, new WeakRef(connection))
  forget.register(connection, owner)
  return owner
}

function connectionOf(owner: number): Connection | undefined {
  return owners.get(owner)?.deref()
}

export class Connection {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  onopen: ((event: OpenEvent) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onerror: ((event: ErrorEventDetails) => void) | null = null
  onclose: ((event: CloseEventDetails) => void) | null = null

  /** The XState actor running the chart. */
  readonly actor: Actor<ConnectionMachine>

  readonly #options: ResolvedOptions
  readonly #listeners = new Map<string, AnyListener[]>()
  /** `message` listeners, kept apart: the hot path reads one array, nothing else. */
  #messageListeners: AnyListener[] = []
  #queue: SendData[] = []
  /** The socket `send()` writes to: set after the queue flush on open, cleared on any end. */
  #writable: WebSocketLike | null = null
  /** The socket that opened last (for `protocol`); it becomes writable after the flush. */
  #opened: WebSocketLike | null = null
  #current: WebSocketLike | null = null
  #url: string
  #binaryType: string | undefined
  #state: ConnectionStateName = 'connecting'
  /** Chart-emitted events waiting for the chart's snapshot to settle (see #onInspect). */
  #pending: Array<() => void> = []
  readonly #subscribers = new Set<(event: StateChangeEvent) => void>()
  readonly #metrics: MetricsRecorder
  /** Heartbeat clocks of the current socket (read at deadlines and by an awaitingPong send). */
  #probe: LivenessProbe | null = null
  /** The close event the last `shouldReconnect` decision was made for (guards may ask twice). */
  #decidedFor: unknown = null
  #decision = true
  /** A delay `shouldReconnect` returned, used by the next planned retry instead of the backoff. */
  #retryOverride: number | null = null
  /** retry hint: the next planned retry follows the server's hint and is not counted as an attempt. */
  #hinted = false
  #lifecycleAttached = false
  /** This connection's handle in the chart's context (see `connectionOf`). */
  readonly #owner: number
  /** What the shared socket actor needs from this connection. */
  readonly #socketHost: SocketHost

  static #machine: ConnectionMachine | undefined
  /**
   * One provided machine for every connection: its implementations find their
   * connection by the `owner` handle in context. Providing per connection would
   * rebuild the whole state-node tree each time (~27 KB of heap).
   */
  static #sharedMachine(): ConnectionMachine {
    Connection.#machine ??= connectionMachine.provide({
      actors: {
        socket: createSocketActor((owner) => {
          const conn = connectionOf(owner)
          return conn === undefined ? undefined : conn.#socketHost
        }),
      },
      actions: {
        planRetry: assign(({ context }: { context: ConnectionContext }) => {
          const conn = connectionOf(context.owner ?? 0)
          return conn ? conn.#planRetry(context) : {}
        }),
        flushQueue: ({ context }) => {
          const conn = connectionOf(context.owner ?? 0)
          if (conn) conn.#flush()
        },
        dropQueue: ({ context }) => {
          const conn = connectionOf(context.owner ?? 0)
          if (conn) conn.#dropAll()
        },
      },
      guards: {
        closeIsRetryable: ({ context, event }, params) => {
          const conn = connectionOf(context.owner ?? 0)
          return conn ? conn.#shouldReconnect(context, event, params.cause) : true
        },
        pongMayStillCome: ({ context }) => {
          const conn = connectionOf(context.owner ?? 0)
          return conn ? conn.#pongMayStillCome() : false
        },
      },
    })
    return Connection.#machine
  }

  constructor(url: UrlProvider, options?: ConnectionOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved
    this.#owner = register(this)
    this.#metrics = new MetricsRecorder(resolved.now)
    this.#binaryType = resolved.binaryType
    let urlSource: UrlSource
    if (typeof url === 'function') {
      urlSource = url as UrlSource
      this.#url = ''
    } else {
      urlSource = checkUrl(url)
      this.#url = urlSource
    }

    this.#socketHost = {
      options: resolved,
      url: urlSource,
      deliver: this.#deliver,
      opened: (ws, openedUrl) => {
        this.#opened = ws
        this.#url = openedUrl
      },
      created: (ws, createdUrl) => {
        this.#current = ws
        this.#url = createdUrl
      },
      detach: (ws) => {
        if (this.#writable === ws) this.#writable = null
        if (this.#current === ws) this.#current = null
      },
      binaryType: () => this.#binaryType,
      started: (input, probe) => {
        this.#probe = probe
        this.#metrics.attemptStarted(input.attempt, input.reason)
      },
    }

    const userInspect = resolved.inspect
    const inspect = (event: InspectionEvent) => {
      this.#onInspect(event)
      if (userInspect === undefined) return
      if (typeof userInspect === 'function') userInspect(event)
      else userInspect.next?.(event)
    }

    const actorOptions: Parameters<typeof createActor<ConnectionMachine>>[1] = {
      input: { ...chartInput(resolved), owner: this.#owner },
      inspect,
    }
    if (resolved.clock) actorOptions.clock = resolved.clock
    this.actor = createActor(Connection.#sharedMachine(), actorOptions)
    this.actor.on('*', (emitted) => this.#onEmitted(emitted as ConnectionEmitted))
    this.#attachLifecycle()
    this.actor.start()
    const targets = resolved.lifecycle
    const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator
    if (targets !== false && targets.window !== undefined && nav?.onLine === false) {
      this.actor.send({ type: 'network.offline' })
    }
  }

  /**
   * Round-trip times, attempts, reconnects, the last close and error, time per
   * state and the last 20 attempts. A fresh copy on every read.
   */
  get metrics(): ConnectionMetrics {
    return this.#metrics.snapshot()
  }

  // ---- the WebSocket interface -------------------------------------------------

  /** The state as a WebSocket would report it: waiting to reconnect reads as CONNECTING. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#state]
  }
  /** The URL of the current (or last) attempt. */
  get url(): string {
    return this.#url
  }
  /** The subprotocol the server chose for the current socket ('' when none). */
  get protocol(): string {
    return this.#opened?.protocol ?? ''
  }
  /** Bytes the current socket has not yet handed to the network (queued messages not included). */
  get bufferedAmount(): number {
    return this.#writable?.bufferedAmount ?? 0
  }
  /** Messages waiting in the outgoing queue for the next open. */
  get queued(): number {
    return this.#queue.length
  }
  get binaryType(): string {
    return this.#binaryType ?? this.#current?.binaryType ?? 'blob'
  }
  /** Applied to the current socket and every later one. */
  set binaryType(value: string) {
    this.#binaryType = value
    if (this.#current) this.#current.binaryType = value
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`. */
  get state(): ConnectionStateName {
    return this.#state
  }

  /**
   * Sends now when open; queues while not (bounded, flushed in order on open).
   * Returns true when sent or queued, false when refused; every refusal and every
   * message pushed out of the queue fires a `drop` event.
   */
  send(data: SendData): boolean {
    if (typeof data !== 'string' && !isSendData(data)) {
      const hint =
        typeof data === 'object' && data !== null
          ? ' (serialise it first, for example with JSON.stringify)'
          : typeof data === 'number' || typeof data === 'boolean' || typeof data === 'bigint'
            ? ' (pass String(value))'
            : ''
      throw new TypeError(
        `heartline: send() takes a string, ArrayBuffer, ArrayBufferView or Blob; got ${describeValue(data)}${hint}.`,
      )
    }
    const ws = this.#writable
    // readyState is read as well: a socket may have started closing in this very
    // tick, before its close event reached the chart; such data waits instead.
    if (ws !== null && ws.readyState === 1) {
      if (this.#state !== 'awaitingPong' || !this.#pongOverdue()) {
        ws.send(data)
        return true
      }
      // The pong deadline has passed but its timer has not fired (timers slept or
      // the thread was busy): the link may be dead, so the data waits for proof.
      this.#writable = null
      const kept = this.#enqueue(data)
      this.actor.send({ type: 'heartbeat.overdue' })
      return kept
    }
    return this.#enqueue(data)
  }

  /**
   * Closes for good: no reconnect afterwards and no timer left behind. Code 1000
   * or 3000–4999 (else InvalidAccessError), reason ≤ 123 UTF-8 bytes (else
   * SyntaxError); a refused call changes nothing.
   */
  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    if (this.#state === 'closed') return
    this.actor.send({ type: 'app.close', ...checked })
  }

  /** A fresh attempt at once, from any state, with the attempt counter reset. */
  reconnect(): void {
    this.actor.send({ type: 'app.reconnect' })
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (event: StateChangeEvent) => void): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `heartline: subscribe() takes a function; got ${describeValue(listener)}.`,
      )
    }
    this.#subscribers.add(listener)
    return () => {
      this.#subscribers.delete(listener)
    }
  }

  addEventListener<K extends keyof ConnectionEventMap>(
    type: K,
    listener: Listener<ConnectionEventMap[K]> | null,
  ): void {
    if (listener === null) return
    const fn = this.#wrap(listener)
    if (type === 'message') {
      if (!this.#messageListeners.includes(fn))
        this.#messageListeners = [...this.#messageListeners, fn]
      return
    }
    const list = this.#listeners.get(type) ?? []
    if (!list.includes(fn)) this.#listeners.set(type, [...list, fn])
  }

  removeEventListener<K extends keyof ConnectionEventMap>(
    type: K,
    listener: Listener<ConnectionEventMap[K]> | null,
  ): void {
    if (listener === null) return
    const fn = this.#wrapped.get(listener as object) ?? (listener as AnyListener)
    if (type === 'message') {
      this.#messageListeners = this.#messageListeners.filter((l) => l !== fn)
      return
    }
    const list = this.#listeners.get(type)
    if (list)
      this.#listeners.set(
        type,
        list.filter((l) => l !== fn),
      )
  }

  // ---- internals ---------------------------------------------------------------

  /** One decision per socket end, from the application's policy or the default table. */
  /** The next reconnect delay: a delay `shouldReconnect` returned, else the backoff draw. */
  #planRetry(context: ConnectionContext): Partial<ConnectionContext> {
    if (context.reconnect === false) return {}
    const override = this.#retryOverride
    const hinted = this.#hinted
    this.#retryOverride = null
    this.#hinted = false
    return {
      retryDelay:
        override ?? backoffDelay(context.reconnect, context.attempt, this.#options.random),
      // retry hint: a retry the server scheduled is not a failed attempt.
      attempt: hinted ? context.attempt : context.attempt + 1,
    }
  }

  #shouldReconnect(
    context: ConnectionContext,
    event: ConnectionEvent,
    cause: Parameters<typeof closeInfoOf>[2],
  ): boolean {
    if (event === this.#decidedFor) return this.#decision
    const info = closeInfoOf(context, event, cause)
    let value: unknown
    let problem: unknown = null
    try {
      value = this.#options.shouldReconnect({ ...info })
      problem = checkReconnectDecision(value)
    } catch (error) {
      problem = error
    }
    if (problem !== null) {
      this.#report(problem)
      value = defaultShouldReconnect({ ...info })
    }
    this.#decidedFor = event
    this.#decision = value !== false
    this.#retryOverride = typeof value === 'number' ? value : null
    // retry hint (docs/retry-hint.md): `true` keeps the server's hint, capped by maxDelay;
    // `false` or a number from `shouldReconnect` overrides it.
    const hint = value === true && context.reconnect !== false ? retryHintOf(info) : null
    this.#hinted = hint !== null
    if (hint !== null && context.reconnect !== false) {
      this.#retryOverride = Math.min(hint, context.reconnect.maxDelay)
    }
    return this.#decision
  }

  #report(error: unknown): void {
    this.#metrics.error(error)
    this.#pending.push(() =>
      this.#dispatch('error', { type: 'error', target: this, error } as ErrorEventDetails),
    )
  }

  /** True when a ping is pending and its deadline has passed. */
  #pongOverdue(): boolean {
    const probe = this.#probe
    const heartbeat = this.#options.heartbeat
    if (probe === null || heartbeat === false) return false
    const at = probe.pingAt()
    return at >= 0 && this.#options.now() - at >= heartbeat.timeout
  }

  /** At the pong deadline: traffic after the ping, or a deadline seen far too late, is no proof of death. */
  #pongMayStillCome(): boolean {
    const probe = this.#probe
    const heartbeat = this.#options.heartbeat
    if (probe === null || heartbeat === false) return false
    const at = probe.pingAt()
    if (at < 0) return false
    if (probe.lastInboundAt() > at) return true
    return this.#options.now() - at > heartbeat.timeout + LATE_TIMER_MS
  }

  readonly #onOffline = (): void => {
    this.actor.send({ type: 'network.offline' })
  }
  readonly #onOnline = (): void => {
    this.actor.send({ type: 'network.online' })
  }
  readonly #onResume = (): void => {
    this.actor.send({ type: 'app.resume' })
  }
  readonly #onPageShow = (event: Event): void => {
    // Only a page restored from the back/forward cache was asleep.
    if ((event as { persisted?: boolean }).persisted === true) this.#onResume()
  }
  readonly #onVisibility = (): void => {
    const targets = this.#options.lifecycle
    if (targets === false || targets.document?.visibilityState === 'hidden') return
    this.#onResume()
  }

  #lifecycle(method: 'addEventListener' | 'removeEventListener'): void {
    const targets: LifecycleTargets | false = this.#options.lifecycle
    if (targets === false) return
    const { window: win, document: doc } = targets
    if (win) {
      win[method]('offline', this.#onOffline)
      win[method]('online', this.#onOnline)
      win[method]('pageshow', this.#onPageShow)
    }
    if (doc) {
      doc[method]('visibilitychange', this.#onVisibility)
      doc[method]('resume', this.#onResume)
    }
  }

  #attachLifecycle(): void {
    if (this.#lifecycleAttached) return
    this.#lifecycleAttached = true
    this.#lifecycle('addEventListener')
  }

  /** Runs as the connection reaches `closed`: nothing of it stays registered on the page. */
  #detachLifecycle(): void {
    if (!this.#lifecycleAttached) return
    this.#lifecycleAttached = false
    this.#lifecycle('removeEventListener')
  }

  readonly #wrapped = new WeakMap<object, AnyListener>()
  #wrap<E>(listener: Listener<E>): AnyListener {
    if (typeof listener === 'function') return listener as AnyListener
    let fn = this.#wrapped.get(listener)
    if (!fn) {
      fn = ((event: E) => listener.handleEvent(event)) as AnyListener
      this.#wrapped.set(listener, fn)
    }
    return fn
  }

  /** The message path: straight from the socket to the application, no chart event. */
  readonly #deliver = (event: MessageEvent): void => {
    const handler = this.onmessage
    if (handler !== null) {
      try {
        handler.call(this, event)
      } catch (error) {
        rethrowLater(error)
      }
    }
    const listeners = this.#messageListeners
    for (let i = 0; i < listeners.length; i++) {
      try {
        ;(listeners[i] as (event: MessageEvent) => void)(event)
      } catch (error) {
        rethrowLater(error)
      }
    }
  }

  #dispatch(type: string, event: HeartlineEvent): void {
    const handler = (this as unknown as Record<string, unknown>)[`on${type}`]
    if (typeof handler === 'function') {
      try {
        handler.call(this, event)
      } catch (error) {
        rethrowLater(error)
      }
    }
    const listeners = this.#listeners.get(type)
    if (!listeners) return
    for (const listener of listeners) {
      try {
        ;(listener as (event: HeartlineEvent) => void)(event)
      } catch (error) {
        rethrowLater(error)
      }
    }
  }

  #enqueue(data: SendData): boolean {
    const queue = this.#options.queue
    if (this.#state === 'closed') {
      this.#dispatch('drop', { type: 'drop', target: this, data, reason: 'closed' } as DropEvent)
      return false
    }
    if (queue === false) {
      this.#dispatch('drop', { type: 'drop', target: this, data, reason: 'not-open' } as DropEvent)
      return false
    }
    if (this.#queue.length >= queue.max) {
      if (queue.overflow === 'reject') {
        this.#dispatch('drop', {
          type: 'drop',
          target: this,
          data,
          reason: 'queue-full',
        } as DropEvent)
        return false
      }
      const oldest = this.#queue.shift() as SendData
      this.#queue.push(data)
      this.#dispatch('drop', {
        type: 'drop',
        target: this,
        data: oldest,
        reason: 'queue-overflow',
      } as DropEvent)
      return true
    }
    this.#queue.push(data)
    return true
  }

  /** Runs as the chart enters `connected`: queued messages first, in order; then new sends go straight out. */
  #flush(): void {
    const ws = this.#opened
    if (ws === null) return
    const queued = this.#queue
    this.#queue = []
    for (let i = 0; i < queued.length; i++) ws.send(queued[i] as SendData)
    this.#writable = ws
  }

  /** Runs as the chart enters `closed`: nothing will send these, so each is reported. */
  #dropAll(): void {
    this.#writable = null
    if (this.#queue.length === 0) return
    const dropped = this.#queue
    this.#queue = []
    this.#pending.push(() => {
      for (const data of dropped) {
        this.#dispatch('drop', { type: 'drop', target: this, data, reason: 'closed' } as DropEvent)
      }
    })
  }

  #onEmitted(emitted: ConnectionEmitted): void {
    // Held until the chart's snapshot settles, so that inside `onopen` the
    // connection already reads `open` (actions run before the snapshot updates).
    switch (emitted.type) {
      case 'open':
        this.#metrics.opened()
        this.#pending.push(() =>
          this.#dispatch('open', { type: 'open', target: this, url: this.#url } as OpenEvent),
        )
        return
      case 'close': {
        const { type: _t, ...details } = emitted
        this.#metrics.closed(details)
        if (!details.willReconnect) this.#opened = null
        this.#pending.push(() =>
          this.#dispatch('close', { type: 'close', target: this, ...details } as CloseEventDetails),
        )
        return
      }
      case 'error':
        this.#metrics.error(emitted.error)
        this.#pending.push(() =>
          this.#dispatch('error', {
            type: 'error',
            target: this,
            error: emitted.error,
          } as ErrorEventDetails),
        )
        return
      case 'reconnecting':
        this.#metrics.retryPlanned(emitted.delay)
        this.#pending.push(() =>
          this.#dispatch('reconnecting', {
            type: 'reconnecting',
            target: this,
            attempt: emitted.attempt,
            delay: emitted.delay,
          } as ReconnectingEvent),
        )
        return
      case 'gave-up':
        this.#pending.push(() =>
          this.#dispatch('gave-up', {
            type: 'gave-up',
            target: this,
            attempts: emitted.attempts,
          } as GaveUpEvent),
        )
        return
    }
  }

  #onInspect(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot' || event.actorRef !== this.actor) return
    if (event.event.type === 'heartbeat.alive') this.#metrics.rtt(event.event.rtt)
    const next = stateNameOf((event.snapshot as unknown as { value: unknown }).value)
    const from = this.#state
    if (next !== from) {
      this.#state = next
      this.#metrics.state(next)
      if (next === 'closed') this.#detachLifecycle()
      else if (from === 'closed') this.#attachLifecycle()
      const change: StateChangeEvent = {
        type: 'statechange',
        target: this,
        from,
        to: next,
        event: event.event.type,
      }
      this.#dispatch('statechange', change)
      for (const subscriber of this.#subscribers) {
        try {
          subscriber(change)
        } catch (error) {
          rethrowLater(error)
        }
      }
    }
    const pending = this.#pending
    if (pending.length === 0) return
    this.#pending = []
    for (const run of pending) run()
  }
}

/**
 * Creates a connection and starts connecting at once.
 *
 * @param url  ws:// or wss:// URL (http(s) is mapped as browsers do), or a function
 *             returning one (sync or async), called before every attempt.
 */
export function createConnection(url: UrlProvider, options?: ConnectionOptions): Connection {
  return new Connection(url, options)
}
