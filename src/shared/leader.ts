/**
 * The leader role: the one tab that holds the socket. It owns a plain
 * `Connection`, writes every tab's messages to it and replays its events to the
 * other tabs, and tells each follower what became of each of its messages.
 */
import {
  type Connection,
  type ConnectionOptions,
  createConnection,
  type DropReason,
  type SendData,
  type UrlProvider,
} from '../index.js'
import type { SharedDropReason } from './events.js'
import type { RelayedEvent, Wire } from './protocol.js'

/** Where the leader delivers to its own tab's view. */
export interface LocalView {
  /** An event of the leader's connection (`original`: what does not cross tabs, the message event or the error value). */
  apply(event: RelayedEvent, original?: unknown): void
  /** One of this tab's own messages will not be sent. */
  drop(data: SendData, reason: SharedDropReason): void
}

/** A message given to the connection, by the tab that sent it. */
interface Origin {
  tab: string
  seq: number
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  const type = (error as { type?: unknown } | null)?.type
  return typeof type === 'string' ? `${type} event` : String(error)
}

/**
 * Creates the leader's socket. Every option except the shared layer's own is
 * forwarded as given, so options of layers that wrap `createConnection` (such as
 * a session to resume) reach the socket unchanged.
 */
export function openSocket(url: UrlProvider, options: ConnectionOptions): Connection {
  return createConnection(url, options)
}

export class Leader {
  readonly conn: Connection
  /** Highest written seq per follower, posted once per microtask. */
  readonly #done = new Map<string, number>()
  #donePosting = false

  constructor(
    readonly tab: string,
    url: UrlProvider,
    options: ConnectionOptions,
    readonly post: (message: Wire) => void,
    readonly view: LocalView,
  ) {
    const conn = openSocket(url, options)
    this.conn = conn
    conn.addEventListener('statechange', (e) =>
      this.#relay({ type: 'statechange', from: e.from, to: e.to, event: e.event }),
    )
    conn.addEventListener('open', (e) => {
      this.#relay({
        type: 'open',
        url: e.url,
        protocol: conn.protocol,
        extensions: conn.extensions,
      })
    })
    conn.addEventListener('close', (e) =>
      this.#relay({
        type: 'close',
        code: e.code,
        reason: e.reason,
        wasClean: e.wasClean,
        cause: e.cause,
        willReconnect: e.willReconnect,
      }),
    )
    conn.addEventListener('error', (e) =>
      this.#relay({ type: 'error', message: describeError(e.error) }, e.error),
    )
    conn.addEventListener('reconnecting', (e) =>
      this.#relay({ type: 'reconnecting', attempt: e.attempt, delay: e.delay }),
    )
    conn.addEventListener('gave-up', (e) => this.#relay({ type: 'gave-up', attempts: e.attempts }))
    conn.addEventListener('message', (e) => {
      this.view.apply({ type: 'message', data: e.data }, e)
      this.post({ t: 'event', tab: this.tab, event: { type: 'message', data: e.data } })
    })
  }

  /** Writes (or queues) one message of `tab`; false when the connection refused it. */
  send(tab: string, seq: number, data: SendData): boolean {
    const origin: Origin = { tab, seq }
    // The connection tells what became of it: handed over, or dropped and why.
    return this.conn.send(data, (outcome) => {
      if (outcome.status === 'written') this.#written(origin)
      else if (outcome.status === 'dropped') this.#dropped(origin, data, outcome.reason)
    })
  }

  #dropped(origin: Origin, data: SendData, reason: DropReason): void {
    if (origin.tab === this.tab) {
      this.view.drop(data, reason)
      return
    }
    this.post({ t: 'drop', tab: this.tab, to: origin.tab, seq: origin.seq, reason })
  }

  #written(origin: Origin): void {
    if (origin.tab === this.tab) return
    this.#done.set(origin.tab, origin.seq)
    if (this.#donePosting) return
    this.#donePosting = true
    // One confirmation per follower for a burst of messages, not one per message.
    queueMicrotask(() => {
      this.#donePosting = false
      for (const [to, seq] of this.#done) this.post({ t: 'done', tab: this.tab, to, seq })
      this.#done.clear()
    })
  }

  #relay(event: RelayedEvent, original?: unknown): void {
    this.view.apply(event, original)
    this.post({ t: 'event', tab: this.tab, event })
  }
}
