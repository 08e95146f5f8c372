/**
 * The WebSocket-shaped facade: the interface of a browser WebSocket (four
 * handlers, addEventListener, send, close) plus `reconnect()`, `state` and the
 * `statechange` / `drop` events, over the chart. It decides nothing: the chart
 * does; this class turns the chart's emitted events into application events and
 * the application's calls into chart events.
 */

import { type Actor, createActor, type InspectionEvent } from 'xstate'
import { DEV } from '#dev'
import {
  type CloseInfo,
  type ConnectionEmitted,
  type ConnectionMachine,
  type ConnectionStateName,
  type ReconnectVerdict,
  type SocketActorInput,
  stateNameOf,
} from '../machines/connection.js'
import { closedForGood } from './after-close.js'
import { checkClose } from './close.js'
import { consultClosePolicy } from './close-policy.js'
import { describeValue } from './describe.js'
import { coded } from './error-code.js'
import {
  type AnyListener,
  captureOf,
  type ListenerOptions,
  type RemoveListenerOptions,
} from './event-target.js'
import type { ConnectionEventMap, DropReason, StateChangeEvent } from './events.js'
import { createEvent } from './events.js'
import { MessageListeners } from './inbound.js'
// [resume hook] types only: the layer's code lives in heartline/resume.
import type { ConnectionLayer } from './layer.js'
import { bindHost, type ConnectionHost, sharedMachine } from './machine.js'
import { type ConnectionMetrics, MetricsRecorder } from './metrics.js'
import { toSendData } from './option-checks.js'
import type { ConnectionOptions, SendData, UrlProvider, WebSocketLike } from './options.js'
import { OutgoingQueue } from './queue.js'
import { chartInput, type ResolvedOptions, resolveOptions } from './resolve-options.js'
import {
  type HandlerOf,
  LISTENER_ADDED,
  LISTENER_REMOVED,
  READY_STATE,
  WebSocketShape,
} from './shape.js'
import type { LivenessProbe, UrlSource } from './socket.js'
import { closedStart } from './start-closed.js'
import { checkUrl } from './url.js'
import { causeName, publicTypes } from './vocabulary.js'

export { LATE_TIMER_MS } from '../machines/connection.js'
export type {
  CloseEventDetails,
  ConnectionEventMap,
  DropEvent,
  DropReason,
  ErrorEventDetails,
  GaveUpEvent,
  GiveUpEvent,
  HeartlineEvent,
  OpenEvent,
  ReconnectingEvent,
  ResetEvent,
  ResumedEvent,
  StateChangeEvent,
} from './events.js'

const BINARY_TYPES = ['blob', 'arraybuffer', 'nodebuffer', 'fragments']

function rethrowLater(error: unknown): void {
  // As EventTarget does: one failing subscriber must not stop the others or the chart.
  setTimeout(() => {
    throw error
  }, 0)
}

/** An `on<type>` handler: called with the connection as `this`; returning false cancels the event. */
export type Handler<E> = HandlerOf<Connection, E>

export class Connection extends WebSocketShape<Connection, ConnectionEventMap> {
  /** The XState actor running the chart. */
  readonly actor: Actor<ConnectionMachine>

  readonly #options: ResolvedOptions
  /**
   * Whether anything ever listened for messages (a handler or a listener): until
   * then an inbound message builds no event at all.
   */
  #heard = false
  /** The `message` listeners, while a delivery may call them without the platform's dispatch. */
  readonly #messages = new MessageListeners()
  /** The origin of the current socket's URL, as a MessageEvent reports it. */
  #origin = ''
  /** The extensions the server agreed to for the socket that opened last. */
  #extensions = ''
  readonly #queue: OutgoingQueue
  /** The current attempt's socket, from its creation until it ends. */
  #socket: WebSocketLike | null = null
  /** The socket detached last: while the chart waits for its close, readyState follows it. */
  #ended: WebSocketLike | null = null
  /** The subprotocol of the socket that opened last ('' once closed for good). */
  #protocol = ''
  #url: string
  #binaryType: string | undefined
  /**
   * The state last reported by `statechange` (the `from` of the next one); `state`
   * itself reads the chart's snapshot.
   */
  #reported: ConnectionStateName = 'connecting'
  /** Chart-emitted events waiting for the chart's snapshot to settle (see #settle). */
  #pending: Array<() => void> = []
  /** The `subscribe()` listeners; none until the first (most connections never have one). */
  #subscribers: Set<(event: StateChangeEvent) => void> | null = null
  /** The adapter reads the chart through XState's inspection stream (see #needCauses). */
  #causes = false
  readonly #metrics: MetricsRecorder
  /** The current socket's heartbeat bookkeeping, asked by `send()` while a ping is pending. */
  #probe: LivenessProbe | null = null
  /** [resume hook] The delivery layer (the `resume` option), and the socket it writes to. */
  readonly #layer: ConnectionLayer | null = null
  #layerSocket: WebSocketLike | null = null

  constructor(url: UrlProvider, options?: ConnectionOptions) {
    super()
    const resolved = resolveOptions(options)
    this.#options = resolved
    this.#metrics = new MetricsRecorder(resolved.now)
    this.#binaryType = resolved.binaryType
    this.#queue = new OutgoingQueue(resolved.queue, (data, reason) => this.#drop(data, reason))
    let urlSource: UrlSource
    if (typeof url === 'function') {
      urlSource = url as UrlSource
      this.#url = ''
    } else {
      urlSource = checkUrl(url)
      this.#url = urlSource
    }

    // [resume hook] the layer, bound to this connection.
    if (resolved.resume) {
      const clock = resolved.clock
      this.#layer = resolved.resume({
        connection: this,
        write: (data) => {
          const ws = this.#layerSocket
          if (ws === null || ws.readyState !== 1) return false
          ws.send(data)
          return true
        },
        dispatch: (type, detail) => this.#dispatch(type, detail),
        setTimeout: clock ? (fn, ms) => clock.setTimeout(fn, ms) : (fn, ms) => setTimeout(fn, ms),
        clearTimeout: clock
          ? (id) => clock.clearTimeout(id)
          : (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
        state: () => this.state,
      })
    }

    const userInspect = resolved.inspect
    const actorOptions: Parameters<typeof createActor<ConnectionMachine>>[1] = {
      input: chartInput(resolved),
    }
    if (userInspect !== undefined) {
      // The application inspects anyway: read the snapshots, with their causes, from the same stream.
      this.#causes = true
      actorOptions.inspect = (event: InspectionEvent) => {
        this.#onInspect(event)
        if (typeof userInspect === 'function') userInspect(event)
        else userInspect.next?.(event)
      }
    } else if (this.#causes) {
      // A layer listens for statechange already (resume does).
      actorOptions.inspect = (event: InspectionEvent) => this.#onInspect(event)
    }
    if (resolved.clock) actorOptions.clock = resolved.clock
    if (resolved.startClosed) {
      actorOptions.snapshot = closedStart(sharedMachine(), chartInput(resolved))
      this.#reported = 'closed'
      this.#metrics.state('closed')
    }
    this.actor = createActor(sharedMachine(), actorOptions)
    bindHost(this.actor, new Connection.#Host(this, urlSource))
    this.actor.on('*', (emitted) => this.#onEmitted(emitted as ConnectionEmitted))
    this.actor.subscribe((snapshot) => {
      if (!this.#causes) this.#settle(snapshot.value, undefined)
    })
    this.actor.start()
  }

  /**
   * Someone will hear `statechange`, whose `event` names the chart event behind the
   * change: only XState's inspection stream carries it. While nobody listens, no
   * inspection observer is registered, and XState then builds no inspection
   * events at all (about a fifth of the CPU of a heartbeat cycle, bench B7S).
   */
  #needCauses(): void {
    if (this.#causes) return
    this.#causes = true
    // Asked while constructing (by a layer): the actor, not made yet, gets the observer as an option.
    if ((this.actor as Actor<ConnectionMachine> | undefined) === undefined) return
    // A snapshot seen twice (the switch made inside a listener of this very
    // snapshot) reports nothing twice: #settle only acts on a change.
    this.actor.system.inspect((event) => this.#onInspect(event))
  }

  /**
   * What the chart's shared implementations need from this connection: one small
   * object whose methods live on a prototype shared by every connection (a literal
   * of arrow functions would cost each connection eleven closures).
   */
  static readonly #Host = class implements ConnectionHost {
    constructor(
      readonly c: Connection,
      readonly url: UrlSource,
    ) {}
    get options(): ResolvedOptions {
      return this.c.#options
    }
    deliver(received: unknown): void {
      const c = this.c
      // [resume hook] inbound data, before the application: the layer unwraps
      // it (both paths below get the unwrapped data) or consumes it (null).
      const data = c.#layer === null ? received : c.#layer.inbound(received)
      if (data === null) return
      // One event per message, as the standard requires, and none when nobody listens.
      if (c.#messages.direct) c.#messages.deliver(c, data, c.#origin)
      else if (c.#heard) c.dispatchEvent(new MessageEvent('message', { data, origin: c.#origin }))
    }
    created(ws: WebSocketLike, createdUrl: string): void {
      this.c.#socket = ws
      this.c.#url = createdUrl
    }
    opened(ws: WebSocketLike, openedUrl: string): void {
      const c = this.c
      c.#protocol = ws.protocol
      c.#extensions = typeof ws.extensions === 'string' ? ws.extensions : ''
      c.#url = openedUrl
      c.#origin = new URL(openedUrl).origin
      // [resume hook] socket open: the layer writes its handshake first.
      if (c.#layer !== null) {
        c.#layerSocket = ws
        c.#layer.opened(ws)
      }
    }
    detach(ws: WebSocketLike): void {
      const c = this.c
      c.#ended = ws
      c.#queue.hold(ws)
      if (c.#socket === ws) c.#socket = null
      // [resume hook] socket end.
      if (c.#layerSocket === ws) {
        c.#layerSocket = null
        c.#layer?.ended()
      }
    }
    binaryType(): string | undefined {
      return this.c.#binaryType
    }
    rtt(sample: number): void {
      this.c.#metrics.rtt(sample)
    }
    started(input: SocketActorInput, probe: LivenessProbe): void {
      this.c.#probe = probe
      this.c.#metrics.attemptStarted(input.attempt, input.reason)
    }
    judgeClose(close: CloseInfo): ReconnectVerdict {
      const c = this.c
      return consultClosePolicy(c.#options.shouldReconnect, close, (problem) => c.#report(problem))
    }
    flush(): void {
      const c = this.c
      if (c.#socket !== null) c.#queue.flush(c.#socket)
    }
    dropAll(): void {
      const c = this.c
      const dropped = c.#queue.takeAll()
      if (dropped.length === 0) return
      c.#pending.push(() => {
        for (const data of dropped) c.#drop(data, 'closed')
      })
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
    const state = READY_STATE[this.state]
    // A browser socket that failed is CLOSED while its error event runs, before
    // its close event; `ws` reads CLOSING there. Either way the socket says.
    return state === 2 && this.#ended?.readyState === 3 ? 3 : state
  }
  /** The URL of the current (or last) attempt. */
  get url(): string {
    return this.#url
  }
  /** The subprotocol the server chose for the current socket ('' when none). */
  get protocol(): string {
    return this.#protocol
  }
  /** Bytes the current socket has not yet handed to the network (queued messages not included). */
  get bufferedAmount(): number {
    return this.#queue.direct?.bufferedAmount ?? 0
  }
  /** Messages waiting in the outgoing queue for the next open. */
  get queued(): number {
    return this.#queue.length
  }
  /** The extensions the server agreed to ('' when none, or before the first open). */
  get extensions(): string {
    return this.#extensions
  }
  get binaryType(): string {
    return this.#binaryType ?? this.#socket?.binaryType ?? 'blob'
  }
  /**
   * Applied to the current socket and every later one. A value the socket does
   * not know is ignored, as the WebIDL enum attribute is (WHATWG WebSockets,
   * `binaryType`); with no socket yet, `blob`, `arraybuffer` and `ws`'s
   * `nodebuffer` and `fragments` are kept.
   */
  set binaryType(value: string) {
    const socket = this.#socket
    if (socket) {
      socket.binaryType = value
      this.#binaryType = socket.binaryType
    } else if (BINARY_TYPES.includes(String(value))) {
      this.#binaryType = String(value)
    }
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`. */
  get state(): ConnectionStateName {
    return stateNameOf(this.actor.getSnapshot().value)
  }

  /**
   * Sends now when open; queues while not (bounded, flushed in order on open).
   * Returns true when sent or queued, false when refused; every refusal and every
   * message pushed out of the queue fires a `drop` event.
   */
  send(input: SendData): boolean {
    const data = typeof input === 'string' ? input : toSendData(input)
    // [resume hook] app send: the layer numbers, keeps and writes it.
    if (this.#layer !== null) {
      if (closedForGood(this.actor.getSnapshot())) return this.#queue.add(data, true)
      return this.#layer.send(data)
    }
    const ws = this.#queue.direct
    // readyState is read as well: a socket may have started closing in this very
    // tick, before its close event reached the chart; such data waits instead.
    if (ws !== null && ws.readyState === 1) {
      if (this.#probe === null || !this.#probe.pongOverdue()) {
        ws.send(data)
        return true
      }
      // The pong deadline has passed but its timer has not fired (timers slept or
      // the thread was busy): the link may be dead, so the data waits and the
      // chart judges the deadline now.
      this.#queue.hold()
      const kept = this.#queue.add(data, false)
      this.actor.send({ type: 'heartbeat.overdue' })
      return kept
    }
    return this.#queue.add(data, closedForGood(this.actor.getSnapshot()))
  }

  /**
   * Closes for good: no reconnect afterwards and no timer left behind. Code 1000
   * or 3000–4999 (else InvalidAccessError), reason ≤ 123 UTF-8 bytes (else
   * SyntaxError); a refused call changes nothing.
   */
  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    if (this.state === 'closed') return
    this.actor.send({ type: 'app.close', ...checked })
  }

  /** A fresh attempt at once, from any state, with the attempt counter reset. */
  reconnect(): void {
    this.actor.send({ type: 'app.reconnect' })
  }

  /**
   * Calls `listener` on every state change; returns the unsubscribe function. As
   * a `statechange` listener does, this makes the connection read the chart's
   * inspection stream from now on (see `StateChangeEvent`).
   */
  subscribe(listener: (event: StateChangeEvent) => void): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        DEV
          ? `heartline: subscribe() takes a function; got ${describeValue(listener)}.`
          : coded('E24'),
      )
    }
    this.#needCauses()
    this.#subscribers ??= new Set()
    const subscribers = this.#subscribers
    subscribers.add(listener)
    return () => {
      subscribers.delete(listener)
    }
  }

  protected override [LISTENER_ADDED](
    type: string,
    listener: AnyListener | null,
    options?: ListenerOptions,
  ): void {
    if (typeof type !== 'string') {
      // The platform converts the type (it may read 'message' or 'statechange'):
      // the message mirror stands down, messages are dispatched and causes read.
      this.#messages.add(null, options)
      if (listener === null) return
      this.#heard = true
      this.#needCauses()
      return
    }
    if (listener === null) return
    if (type === 'message') {
      this.#heard = true
      this.#messages.add(listener, options)
    } else if (type === 'statechange') {
      this.#needCauses()
    }
  }

  protected override [LISTENER_REMOVED](
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void {
    if (typeof type !== 'string') this.#messages.add(null, options)
    else if (type === 'message') this.#messages.remove(listener, captureOf(options))
  }

  // ---- internals ---------------------------------------------------------------

  #dispatch(type: string, fields: Record<string, unknown>): void {
    this.dispatchEvent(createEvent(type, fields))
  }

  #drop(data: SendData, reason: DropReason): void {
    this.#dispatch('drop', { data, reason })
  }

  #report(error: unknown): void {
    this.#metrics.error(error)
    this.#pending.push(() => this.#dispatch('error', { error }))
  }

  #onEmitted(emitted: ConnectionEmitted): void {
    const { type, ...fields } = emitted
    switch (emitted.type) {
      case 'open':
        this.#metrics.opened()
        break
      case 'close':
        this.#metrics.closed(fields as Omit<typeof emitted, 'type'>)
        break
      case 'error':
        this.#metrics.error(emitted.error)
        break
      case 'reconnecting':
        this.#metrics.retryPlanned(emitted.delay)
        break
    }
    // Held until the chart's snapshot settles, so that inside `onopen` the
    // connection already reads `open` (actions run before the snapshot updates).
    this.#pending.push(() => {
      const detail = type === 'open' ? { url: this.#url } : fields
      for (const name of publicTypes(type)) this.#dispatch(name, detail)
    })
  }

  #onInspect(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot' || event.actorRef !== this.actor) return
    this.#settle(
      (event.snapshot as unknown as { value: unknown }).value,
      causeName(event.event.type),
    )
  }

  /**
   * The chart's snapshot settled (after each macrostep): report a change of public
   * state, then the events the chart emitted on the way. `cause` is the chart event
   * behind it, known only while someone listens for `statechange`.
   */
  #settle(value: unknown, cause: string | undefined): void {
    const next = stateNameOf(value)
    const from = this.#reported
    if (next !== from) {
      this.#reported = next
      this.#metrics.state(next)
      // [resume hook] closed for good.
      if (next === 'closed') this.#layer?.closed()
      // Without a cause nobody listens: every listener and subscriber asked for causes first.
      if (cause !== undefined) {
        const change = createEvent('statechange', {
          from,
          to: next,
          event: cause,
        }) as StateChangeEvent
        this.dispatchEvent(change)
        if (this.#subscribers !== null) {
          for (const subscriber of this.#subscribers) {
            try {
              subscriber(change)
            } catch (error) {
              rethrowLater(error)
            }
          }
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
