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
import type { HandedSession, LayerFactory } from '../layer.js'
import { sessionOf } from '../resume/registry.js'
import type { SharedDropReason } from './events.js'
import type { RelayedEvent, Wire } from './protocol.js'

/** Where the leader delivers to its own tab's view. */
export interface LocalView {
  /** An event of the leader's connection (`original`: what does not cross tabs, the message event or the error value). */
  apply(event: RelayedEvent, original?: unknown): void
  /** One of this tab's own messages will not be sent. */
  drop(data: SendData, reason: SharedDropReason): void
  /** With resume: the handed session was resumed (or replaced by a new one): held messages may go out. */
  resumed?(ack: number): void
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
export function openSocket(
  url: UrlProvider,
  options: ConnectionOptions,
  start: HandedSession | null,
): Connection {
  const layer = options.resume as LayerFactory | undefined
  if (start === null || layer === undefined) return createConnection(url, options)
  // The previous leader's session, carried on by this tab's connection.
  return createConnection(url, { ...options, resume: (host) => layer(host, start) })
}

export class Leader {
  readonly conn: Connection
  /** Highest written (with resume: numbered) seq per follower, posted once per microtask. */
  readonly #done = new Map<string, number>()
  /** With resume: per follower, its seqs paired with their session seqs, posted with `done`. */
  readonly #numbered = new Map<string, Array<[number, number]>>()
  #donePosting = false
  readonly #resume: boolean
  /**
   * With a handed session, messages wait here until the connection resumed it:
   * only then does the session numbering go on from what the server holds.
   */
  #gate: Array<{ origin: Origin; data: SendData }> | null
  /** The session as last posted to the other tabs. */
  #posted = { id: '', acknowledged: -1 }

  constructor(
    readonly tab: string,
    url: UrlProvider,
    options: ConnectionOptions,
    readonly post: (message: Wire) => void,
    readonly view: LocalView,
    start: HandedSession | null = null,
  ) {
    const conn = openSocket(url, options, start)
    this.conn = conn
    this.#resume = options.resume !== undefined
    this.#gate = this.#resume && start !== null ? [] : null
    if (this.#resume) {
      conn.addEventListener('resumed', () => this.#resumed(this.#session()?.acknowledged ?? 0))
      conn.addEventListener('reset', () => this.#resumed(0))
      // The server acknowledged: followers let go of what it holds (posted with the next flush).
      conn.addEventListener('ack', () => this.#schedule())
    }
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
      const event: RelayedEvent = { type: 'message', data: e.data }
      const session = this.#resume ? this.#session() : undefined
      if (session?.id) {
        this.post({ t: 'event', tab: this.tab, event, sid: session.id, seq: session.received })
        this.#schedule()
      } else this.post({ t: 'event', tab: this.tab, event })
    })
  }

  /** "I lead": this leader's announcement, carrying its session on (or the one it was handed). */
  announcement(epoch: number, carried: HandedSession | null): Wire {
    const { conn } = this
    const { state, url, protocol, extensions } = conn
    const session = this.handed ?? carried
    return { t: 'leader', tab: this.tab, epoch, state, url, protocol, extensions, session }
  }

  /** A follower's message for the socket, or its `reconnect()`. */
  serve(message: Wire): void {
    if (message.t === 'send' && message.to === this.tab)
      this.send(message.tab, message.seq, message.data)
    else if (message.t === 'reconnect' && message.to === this.tab) this.conn.reconnect()
  }

  /** The connection's resume session, with resume on. */
  #session() {
    return sessionOf(this.conn)
  }

  /** The session (this leader's, carried on or new) as the other tabs should know it now. */
  get handed(): HandedSession | null {
    const session = this.#resume ? this.#session() : undefined
    return session?.id ? { id: session.id, received: session.received } : null
  }

  /** The handed session resumed at `ack` (0: a new session): what waited goes out now. */
  #resumed(ack: number): void {
    const gate = this.#gate
    if (gate === null) return
    this.#gate = null
    const id = this.#session()?.id ?? ''
    this.post({ t: 'resumed', tab: this.tab, id, ack })
    this.view.resumed?.(ack)
    for (const { origin, data } of gate) this.send(origin.tab, origin.seq, data)
  }

  /** Writes (or queues) one message of `tab`; false when the connection refused it. */
  send(tab: string, seq: number, data: SendData): boolean {
    const origin: Origin = { tab, seq }
    if (this.#gate !== null) {
      this.#gate.push({ origin, data })
      return true
    }
    // The connection tells what became of it: handed over (with resume: taken by
    // the layer, which numbered it), or dropped and why.
    return this.conn.send(data, (outcome) => {
      if (outcome.status === 'written') this.#accepted(origin)
      else if (outcome.status === 'dropped') this.#dropped(origin, data, outcome.reason)
    })
  }

  /**
   * A message the connection handed over. With resume the layer numbered it (the
   * session's last seq); else it was written to a socket whose server reads.
   */
  #accepted(origin: Origin): void {
    if (this.#resume) {
      const at = this.#session()?.sent ?? 0
      if (origin.tab === this.tab) return
      const list = this.#numbered.get(origin.tab)
      if (list) list.push([origin.seq, at])
      else this.#numbered.set(origin.tab, [[origin.seq, at]])
      this.#done.set(origin.tab, origin.seq)
      this.#schedule()
      return
    }
    this.#written(origin)
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
    this.#schedule()
  }

  #schedule(): void {
    if (this.#donePosting) return
    this.#donePosting = true
    // One confirmation per follower for a burst of messages, not one per message.
    queueMicrotask(() => this.#flush())
  }

  #flush(): void {
    this.#donePosting = false
    for (const [to, seq] of this.#done) {
      const at = this.#numbered.get(to)
      this.post(
        at ? { t: 'done', tab: this.tab, to, seq, at } : { t: 'done', tab: this.tab, to, seq },
      )
    }
    this.#done.clear()
    this.#numbered.clear()
    const session = this.#resume ? this.#session() : undefined
    if (!session?.id) return
    const posted = this.#posted
    if (session.id === posted.id && session.acknowledged === posted.acknowledged) return
    this.#posted = { id: session.id, acknowledged: session.acknowledged }
    this.post({ t: 'session', tab: this.tab, id: session.id, acknowledged: session.acknowledged })
  }

  #relay(event: RelayedEvent, original?: unknown): void {
    this.view.apply(event, original)
    this.post({ t: 'event', tab: this.tab, event })
  }
}
