/**
 * The chart's ports into one connection: what the shared action and actor
 * implementations (src/machine.ts, src/socket.ts) may do to it, and nothing
 * more. Each port hands its work to the part that owns it: the socket slot
 * (sockets, the write gate, the queue), the message listeners, the metrics, the
 * delivery layer. Its methods live on this prototype, shared by every
 * connection (a literal of arrow functions would cost each connection a dozen
 * closures).
 */
import type { CloseInfo, ReconnectVerdict, SocketActorInput } from '../machines/connection.js'
import { consultClosePolicy } from './close-policy.js'
import { createEvent } from './events.js'
import type { MessageListeners } from './inbound.js'
import type { ConnectionLayer } from './layer.js'
import type { ConnectionHost } from './machine.js'
import type { MetricsRecorder } from './metrics.js'
import type { WebSocketLike } from './options.js'
import type { ResolvedOptions } from './resolve-options.js'
import type { LivenessProbe, UrlSource } from './socket.js'
import type { SocketSlot } from './socket-slot.js'

export class ChartPorts implements ConnectionHost {
  /** The delivery layer (the `resume` option), set once before the chart starts. */
  layer: ConnectionLayer | null = null
  /**
   * Application events the chart caused, held until its snapshot settles, so
   * that inside `onopen` the connection already reads `open` (actions run before
   * the snapshot updates).
   */
  pending: Array<() => void> = []

  constructor(
    readonly options: ResolvedOptions,
    readonly url: UrlSource,
    /** The connection: application events are dispatched at it. */
    readonly target: EventTarget,
    readonly slot: SocketSlot,
    readonly messages: MessageListeners,
    readonly metrics: MetricsRecorder,
  ) {}

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

  detach(ws: WebSocketLike): void {
    // [resume hook] the socket the layer wrote to ended.
    if (this.slot.detach(ws)) this.layer?.ended()
  }

  rtt(sample: number): void {
    this.metrics.rtt(sample)
  }

  started(input: SocketActorInput, probe: LivenessProbe): void {
    this.slot.probe = probe
    this.metrics.attemptStarted(input.attempt, input.reason)
  }

  judgeClose(close: CloseInfo): ReconnectVerdict {
    return consultClosePolicy(this.options.shouldReconnect, close, (problem) =>
      this.report(problem),
    )
  }

  flush(): void {
    this.slot.flush()
  }

  dropAll(): void {
    const dropped = this.slot.takeAll()
    if (dropped.length === 0) return
    this.pending.push(() => {
      for (const data of dropped) this.dispatch('drop', { data, reason: 'closed' })
    })
  }

  /** A problem of the application's own code (its close policy): an `error` event, once settled. */
  report(error: unknown): void {
    this.metrics.error(error)
    this.pending.push(() => this.dispatch('error', { error }))
  }

  dispatch(type: string, fields: Record<string, unknown>): void {
    this.target.dispatchEvent(createEvent(type, fields))
  }
}
