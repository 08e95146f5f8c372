/**
 * The chart's ports into one connection. Inward: what the shared action and
 * actor implementations (src/machine.ts, src/socket.ts) may do to it, and
 * nothing more, each port handing its work to the part that owns it: the socket
 * slot (sockets, the write gate, the queue), the message listeners, the metrics,
 * the delivery layer. Outward: what the chart emitted and each settled snapshot,
 * turned into application events in the order an application expects. Its
 * methods live on this prototype, shared by every connection (a literal of
 * arrow functions would cost each connection a dozen closures).
 */

import { MessageListeners } from '#dev'
import {
  type AppEvent,
  attemptsRemain,
  type CloseInfo,
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionStateName,
  type EndVerdict,
  judgeEnd,
  type SocketActorInput,
  stateNameOf,
} from '../machines/connection.js'
import { consultClosePolicy } from './close-policy.js'
import { createEvent, type StateChangeEvent } from './events.js'
// [resume hook] types only: the layer's code lives in heartline/resume.
import type { ConnectionLayer, LayerHost } from './layer.js'
import type { LayerPort } from './layer-port.js'
import { closedWhileWaiting, LowWater } from './low-water.js'
import type { ConnectionHost } from './machine.js'
import { MetricsRecorder } from './metrics.js'
import type { WebSocketLike } from './options.js'
import { reportLater } from './report.js'
import type { ResolvedOptions } from './resolve-options.js'
import type { LivenessProbe, UrlSource } from './socket-host.js'
import { SocketSlot } from './socket-slot.js'
import type { Pausable } from './socket-types.js'
import { publicTypes } from './vocabulary.js'

export class ChartPorts implements ConnectionHost {
  /** The delivery layer (the `resume` option), set once before the chart starts. */
  layer: ConnectionLayer | null = null
  /**
   * Application events the chart caused, held until its snapshot settles, so
   * that inside `onopen` the connection already reads `open` (actions run before
   * the snapshot updates).
   */
  pending: Array<() => void> = []
  /**
   * The state last reported by `statechange` (the `from` of the next one); the
   * connection's `state` itself reads the chart's snapshot.
   */
  reported: ConnectionStateName = 'connecting'
  /** The `subscribe()` listeners; none until the first (most connections never have one). */
  subscribers: Set<(event: StateChangeEvent) => void> | null = null
  /** The low-water mark of `bufferedAmount` (its event and its waiters). */
  readonly low: LowWater
  /** The chart's actor, once it exists. */
  chart: {
    send(event: AppEvent): void
    getSnapshot(): { context: ConnectionContext }
  } | null = null
  /** The application's calls made while its close policy runs, held until that end is reported. */
  #held: AppEvent[] | null = null

  /**
   * The ports of a new connection (`target`), with its socket slot, message
   * listeners and metrics. Over `ws` (an EventEmitter), messages are heartline's
   * own events, as `ws`'s are its own; `ownEvents` overrides that (tests only).
   */
  static of(
    options: ResolvedOptions,
    url: UrlSource,
    target: EventTarget,
    ownEvents?: boolean,
  ): ChartPorts {
    const slot = new SocketSlot(
      typeof url === 'string' ? url : '',
      options.binaryType,
      options.queue,
      (data, reason) => ports.dispatch('drop', { data, reason }),
    )
    const own = ownEvents ?? typeof options.WebSocket.prototype?.on === 'function'
    const ports: ChartPorts = new ChartPorts(
      options,
      url,
      target,
      slot,
      new MessageListeners(own),
      new MetricsRecorder(options.now),
    )
    return ports
  }

  constructor(
    readonly options: ResolvedOptions,
    readonly url: UrlSource,
    /** The connection: application events are dispatched at it. */
    readonly target: EventTarget,
    readonly slot: SocketSlot,
    readonly messages: MessageListeners,
    readonly metrics: MetricsRecorder,
  ) {
    const timers = this.timers()
    this.low = new LowWater({
      amount: () => this.bufferedAmount(),
      draining: () => this.slot.draining,
      fire: () => this.dispatch('bufferedamountlow', {}),
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    })
  }

  /**
   * Bytes accepted by `send()` and not yet handed to the network: the queue's and
   * the socket's (the slot), and what the layer holds unwritten.
   */
  bufferedAmount(): number {
    // [resume hook] messages the layer keeps and has not written (while no session is ready).
    return this.slot.bufferedAmount + (this.layer?.unsent?.() ?? 0)
  }

  /** The connection's timers: its `clock` option, or real timers. */
  timers(): Pick<LayerHost, 'setTimeout' | 'clearTimeout'> {
    const clock = this.options.clock
    return {
      setTimeout: clock ? (fn, ms) => clock.setTimeout(fn, ms) : (fn, ms) => setTimeout(fn, ms),
      clearTimeout: clock
        ? (id) => clock.clearTimeout(id)
        : (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
    }
  }

  deliver(received: unknown): void {
    // [resume hook] inbound data, before the application: the layer unwraps it
    // or consumes it (null).
    const layer = this.layer
    const data = layer === null ? received : layer.inbound(received)
    if (data !== null) this.messages.deliver(this.target, data, this.slot.origin)
  }

  created(ws: WebSocketLike, url: string): void {
    this.slot.created(ws, url)
  }

  opened(ws: WebSocketLike, url: string): void {
    const layer = this.layer
    const blobs = this.slot.opened(ws, url, layer?.arrayBuffers === true)
    // [resume hook] socket open: the layer writes its handshake first.
    layer?.opened(blobs)
  }

  detach(ws: WebSocketLike, code?: number): void {
    // [resume hook] the socket the layer wrote to ended.
    if (this.slot.detach(ws, code)) this.layer?.ended()
  }

  heard(): void {
    this.slot.heard()
  }

  readPaused(): boolean {
    return this.slot.readPaused
  }

  /** The application's `pauseReading()`: returns whether the sockets can pause (`ws`). */
  pauseReading(paused: boolean): boolean {
    this.slot.pauseReading(paused)
    return typeof (this.options.WebSocket.prototype as Pausable | undefined)?.pause === 'function'
  }

  rtt(sample: number): void {
    this.metrics.rtt(sample)
  }

  started(input: SocketActorInput, probe: LivenessProbe): void {
    this.slot.probe = probe
    this.metrics.attemptStarted(input.attempt, input.reason)
  }

  judge(close: CloseInfo, report: (verdict: EndVerdict) => void): void {
    const { options } = this
    const held: AppEvent[] = []
    this.#held = held
    try {
      const ask = (asked: CloseInfo) =>
        consultClosePolicy(options.shouldReconnect, asked, (problem) => this.report(problem))
      // The chart's budget as it stands (its snapshot is settled, or, inside a
      // deadline's step, unchanged in `attempt`): no draw for a retry it will not make.
      const left = this.chart === null || attemptsRemain(this.chart.getSnapshot().context)
      report(judgeEnd(close, options.reconnect, left, ask, options.random))
    } finally {
      // A close() or reconnect() inside `shouldReconnect` acts on what follows the
      // end it was judging, never before that end is reported.
      this.#held = null
      for (const event of held) this.chart?.send(event)
    }
  }

  /** An application call into the chart (`close()`, `reconnect()`). */
  post(event: AppEvent): void {
    if (this.#held !== null) this.#held.push(event)
    else this.chart?.send(event)
  }

  flush(): void {
    this.slot.flush()
    this.low.opened()
  }

  dropAll(): void {
    const report = this.slot.takeAll()
    if (report !== null) this.pending.push(report)
  }

  /** The layer's side of the connection (its host, its sends with outcomes), with a layer only. */
  layerPort: LayerPort | null = null

  /** A problem of the application's own code (its close policy): an `error` event, once settled. */
  report(error: unknown): void {
    this.metrics.error(error)
    this.pending.push(() => this.dispatch('error', { error }))
  }

  dispatch(type: string, fields: Record<string, unknown>): void {
    this.target.dispatchEvent(createEvent(type, fields))
  }

  // ---- outward: what the chart reports -------------------------------------------

  /** An event the chart emitted: counted now, dispatched once the snapshot settles. */
  emitted(emitted: ConnectionEmitted): void {
    const { type, ...fields } = emitted
    const metrics = this.metrics
    switch (emitted.type) {
      case 'open':
        metrics.opened()
        break
      case 'close':
        metrics.closed(fields as Omit<typeof emitted, 'type'>)
        break
      case 'error':
        metrics.error(emitted.error)
        break
      case 'reconnecting':
        metrics.retryPlanned(emitted.delay)
        break
    }
    // Held until the chart's snapshot settles, so that inside `onopen` the
    // connection already reads `open` (actions run before the snapshot updates).
    this.pending.push(() => {
      const detail = type === 'open' ? { url: this.slot.url } : fields
      for (const name of publicTypes(type)) this.dispatch(name, detail)
    })
  }

  /**
   * The chart's snapshot settled (after each macrostep): report a change of public
   * state, then the events the chart emitted on the way. `cause` is the chart event
   * behind it, known only while someone listens for `statechange`.
   */
  settled(value: unknown, cause: string | undefined): void {
    const next = stateNameOf(value)
    const from = this.reported
    if (next !== from) {
      this.reported = next
      this.metrics.state(next)
      // [resume hook] a change of state; closed for good.
      const layer = this.layer
      if (layer !== null) {
        layer.stateChanged?.(next)
        if (next === 'closed') layer.closed()
      }
      if (next === 'closed') this.low.closed(closedWhileWaiting)
      // Without a cause nobody listens: every listener and subscriber asked for causes first.
      if (cause !== undefined) this.#stateChange(from, next, cause)
    }
    const pending = this.pending
    if (pending.length === 0) return
    this.pending = []
    for (const run of pending) run()
  }

  #stateChange(from: ConnectionStateName, to: ConnectionStateName, cause: string): void {
    const change = createEvent('statechange', { from, to, event: cause }) as StateChangeEvent
    this.target.dispatchEvent(change)
    if (this.subscribers === null) return
    for (const subscriber of this.subscribers) {
      try {
        subscriber(change)
      } catch (error) {
        reportLater(error)
      }
    }
  }
}
