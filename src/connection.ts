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
  type ConnectionEmitted,
  type ConnectionMachine,
  type ConnectionStateName,
  stateNameOf,
} from '../machines/connection.js'
import { closedForGood } from './after-close.js'
import { checkClose } from './close.js'
import { describeValue } from './describe.js'
import { coded } from './error-code.js'
import type { AnyListener, ListenerOptions, RemoveListenerOptions } from './event-target.js'
import type {
  BufferedAmountLowEvent,
  ConnectionEventMap,
  SendOutcomeListener,
  StateChangeEvent,
} from './events.js'
import { LayerPort } from './layer-port.js'
import { listenerAdded, listenerRemoved } from './listener-hooks.js'
import { checkThreshold } from './low-water.js'
import { bindHost, sharedMachine } from './machine.js'
import type { ConnectionMetrics } from './metrics.js'
import { checkOutcome, toSendData } from './option-checks.js'
import type { ConnectionOptions, SendData, UrlProvider } from './options.js'
import { ChartPorts } from './ports.js'
import { chartInput, resolveOptions } from './resolve-options.js'
import {
  type HandlerOf,
  LISTENER_ADDED,
  LISTENER_REMOVED,
  READY_STATE,
  WebSocketShape,
} from './shape.js'
import type { UrlSource } from './socket-host.js'
import { closedStart } from './start-closed.js'
import { checkUrl } from './url.js'
import { causeName } from './vocabulary.js'

/** An `on<type>` handler: called with the connection as `this`; returning false cancels the event. */
export type Handler<E> = HandlerOf<Connection, E>

export class Connection extends WebSocketShape<Connection, ConnectionEventMap> {
  /** The XState actor running the chart. */
  readonly actor: Actor<ConnectionMachine>

  /** What the chart may do to this connection; it holds the socket slot and the listeners. */
  readonly #ports: ChartPorts
  /** The adapter reads the chart through XState's inspection stream (see #needCauses). */
  #causes = false
  /** Called when `bufferedAmount` falls to `bufferedAmountLowThreshold` (the `bufferedamountlow` event). */
  declare onbufferedamountlow: Handler<BufferedAmountLowEvent>
  static {
    Connection.defineHandlers(Connection.prototype, ['bufferedamountlow'])
  }

  /** @internal Tests only: `ownEvents: false` hands every message to the platform's dispatch over `ws` too. */
  constructor(url: UrlProvider, options?: ConnectionOptions, internals?: { ownEvents?: boolean })
  constructor(url: UrlProvider, options?: ConnectionOptions)
  constructor(url: UrlProvider, options?: ConnectionOptions, internals?: { ownEvents?: boolean }) {
    super()
    const resolved = resolveOptions(options)
    const urlSource: UrlSource = typeof url === 'function' ? (url as UrlSource) : checkUrl(url)
    const ports = ChartPorts.of(resolved, urlSource, this, internals?.ownEvents)
    this.#ports = ports

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
    }
    if (resolved.clock) actorOptions.clock = resolved.clock
    if (resolved.startClosed) {
      actorOptions.snapshot = closedStart(sharedMachine(), chartInput(resolved))
      ports.reported = 'closed'
      ports.metrics.state('closed')
    }
    // The actor exists before anything else runs: a layer made below may already
    // listen (and so ask for causes); it starts once the layer is in place.
    this.actor = createActor(sharedMachine(), actorOptions)
    bindHost(this.actor, ports)
    ports.chart = this.actor
    this.actor.on('*', (emitted) => ports.emitted(emitted as ConnectionEmitted))
    this.actor.subscribe((snapshot) => {
      if (!this.#causes) ports.settled(snapshot.value, undefined)
    })
    // [resume hook] the layer, bound to this connection.
    if (resolved.resume) {
      ports.layerPort = new LayerPort(ports)
      ports.layer = resolved.resume(ports.layerPort.host(this))
    }
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
    // A snapshot seen twice (the switch made inside a listener of this very
    // snapshot) reports nothing twice: #settle only acts on a change.
    this.actor.system.inspect((event) => this.#onInspect(event))
  }

  /**
   * Round-trip times, attempts, reconnects, the last close and error, time per
   * state and the last 20 attempts. A fresh copy on every read.
   */
  get metrics(): ConnectionMetrics {
    return this.#ports.metrics.snapshot()
  }

  // ---- the WebSocket interface -------------------------------------------------

  /** The state as a WebSocket would report it: waiting to reconnect reads as CONNECTING. */
  get readyState(): 0 | 1 | 2 | 3 {
    return this.#ports.slot.readyState(READY_STATE[this.state])
  }
  /** The URL of the current (or last) attempt. */
  get url(): string {
    return this.#ports.slot.url
  }
  /** The subprotocol the server chose for the current socket ('' when none). */
  get protocol(): string {
    return this.#ports.slot.protocol
  }
  /** Bytes accepted by `send()` and not yet handed to the network, across reconnects (docs/flow-control.md). */
  get bufferedAmount(): number {
    return this.#ports.bufferedAmount()
  }
  /** `bufferedamountlow` fires at each fall of `bufferedAmount` to this or below (bytes ≥ 0). @default 0 */
  get bufferedAmountLowThreshold(): number {
    return this.#ports.low.threshold
  }
  set bufferedAmountLowThreshold(value: number) {
    this.#ports.low.threshold = checkThreshold(value)
  }
  /** Resolves once `bufferedAmount` ≤ `level` (default: the threshold); rejects (InvalidStateError) if closed first. */
  whenBufferedAmountLow(level?: number): Promise<void> {
    return this.#ports.low.wait(level, this.state === 'closed')
  }
  /** Stops (or restarts) reading from the network where the socket can (`ws`); returns whether it can. docs/flow-control.md */
  pauseReading(paused: boolean): boolean {
    return this.#ports.pauseReading(paused === true)
  }
  /** Messages waiting in the outgoing queue for the next open. */
  get queued(): number {
    return this.#ports.slot.queued
  }
  /** The extensions the server agreed to ('' when none, or before the first open). */
  get extensions(): string {
    return this.#ports.slot.extensions
  }
  /**
   * Applied to the current socket and every later one. A value the socket does
   * not know is ignored, as the WebIDL enum attribute is (WHATWG WebSockets,
   * `binaryType`); with no socket yet, `blob`, `arraybuffer` and `ws`'s
   * `nodebuffer` and `fragments` are kept.
   */
  get binaryType(): string {
    return this.#ports.slot.binaryType
  }
  set binaryType(value: string) {
    this.#ports.slot.binaryType = value
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`. */
  get state(): ConnectionStateName {
    return stateNameOf(this.actor.getSnapshot().value)
  }

  /**
   * Sends now when open; queues while not (bounded, flushed in order on open).
   * Returns true when sent or queued, false when refused; every refusal and every
   * message pushed out of the queue fires a `drop` event; `outcome` hears its fate.
   */
  send(input: SendData, outcome?: SendOutcomeListener): boolean {
    const data = typeof input === 'string' ? input : toSendData(input)
    checkOutcome(outcome)
    const ports = this.#ports
    // [resume hook] app send: the layer numbers, keeps and writes it.
    const slot = ports.slot
    if (ports.layer !== null) {
      if (closedForGood(this.actor.getSnapshot())) return slot.queue(data, true, outcome)
      const taken =
        outcome === undefined
          ? ports.layer.send(data)
          : (ports.layerPort as LayerPort).send(data, outcome)
      return taken && ports.low.accepted()
    }
    const sent = slot.sendNow(data, outcome)
    if (sent === 1) return ports.low.accepted()
    if (sent === 0) {
      const kept = slot.queue(data, closedForGood(this.actor.getSnapshot()), outcome)
      return kept && ports.low.accepted()
    }
    // The pong deadline has passed but its timer has not fired (timers slept or
    // the thread was busy): the link may be dead, so the data waits and the
    // chart judges the deadline now.
    slot.hold()
    const kept = slot.queue(data, false, outcome) && ports.low.accepted()
    this.actor.send({ type: 'heartbeat.overdue' })
    return kept
  }

  /**
   * Closes for good: no reconnect afterwards and no timer left behind. Code 1000
   * or 3000–4999 (else InvalidAccessError), reason ≤ 123 UTF-8 bytes (else
   * SyntaxError); a refused call changes nothing.
   */
  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    if (this.state === 'closed') return
    this.#ports.post({ type: 'app.close', ...checked })
  }

  /** A fresh attempt at once, from any state, with the attempt counter reset. */
  reconnect(): void {
    this.#ports.post({ type: 'app.reconnect' })
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
    this.#ports.subscribers ??= new Set()
    const subscribers = this.#ports.subscribers
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
    listenerAdded(this.#ports, () => this.#needCauses(), type, listener, options)
  }

  protected override [LISTENER_REMOVED](
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void {
    listenerRemoved(this.#ports.messages, type, listener, options)
  }

  // ---- internals ---------------------------------------------------------------

  #onInspect(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot' || event.actorRef !== this.actor) return
    const snapshot = event.snapshot as unknown as { value: unknown }
    this.#ports.settled(snapshot.value, causeName(event.event.type))
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
