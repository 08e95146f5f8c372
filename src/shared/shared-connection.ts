/**
 * `SharedConnection`: one tab's view of a socket shared by every tab of an
 * origin. The tab holding the Web Lock `<name>:leader` owns the socket (see
 * leader.ts); the others follow it over a `BroadcastChannel`. Each view keeps its
 * own state, listeners and messages, so a tab sees the events a single-tab
 * connection would fire.
 */

import { StandardEventTarget } from '../event-target.js'
import { HandlerSlots } from '../handlers.js'
import {
  type ConnectionOptions,
  type ConnectionStateName,
  checkClose,
  type ListenerOptions,
  type SendData,
  type UrlProvider,
} from '../index.js'
import { join, newSession, type Session } from './election.js'
import type { SharedConnectionEventMap, SharedHandler, SharedListener } from './events.js'
import { Leader, type LocalView } from './leader.js'
import { type LockManagerLike, serveUntilAlone } from './membership.js'
import { Outbox } from './outbox.js'
import { type Names, namesFor, type RelayedEvent, type Wire } from './protocol.js'
import { checkSendData, checkSharedOptions, sharingSupport } from './support.js'
import { ViewEvents } from './view-events.js'

export interface SharedConnectionOptions extends ConnectionOptions {
  /**
   * Tabs with the same name (and origin) share one socket. Required when `url`
   * is a function; otherwise the URL's text.
   * @default String(url)
   */
  name?: string
}

const READY_STATE: Record<ConnectionStateName, 0 | 1 | 2 | 3> = {
  connecting: 0,
  open: 1,
  awaitingPong: 1,
  closing: 2,
  waitingToReconnect: 0,
  closed: 3,
}
const carriesSocket = (state: ConnectionStateName) =>
  state === 'open' || state === 'awaitingPong' || state === 'closing'
const isOpen = (state: ConnectionStateName) => state === 'open' || state === 'awaitingPong'

type Events = SharedConnectionEventMap

/**
 * A real `EventTarget`, as `Connection` is: its events are fresh `Event`s with
 * this shared connection as `target`, `currentTarget` and `this`; `once`,
 * `signal`, capture and `handleEvent` behave as on any EventTarget, and a
 * listener added during a dispatch waits for the next event (also in Node).
 */
export class SharedConnection extends StandardEventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  readonly #handlers = new HandlerSlots(this)
  get onopen(): SharedHandler<Events['open']> {
    return this.#handlers.get('open') as SharedHandler<Events['open']>
  }
  set onopen(value: SharedHandler<Events['open']>) {
    this.#handlers.set('open', value)
  }
  get onmessage(): SharedHandler<MessageEvent> {
    return this.#handlers.get('message') as SharedHandler<MessageEvent>
  }
  set onmessage(value: SharedHandler<MessageEvent>) {
    this.#handlers.set('message', value)
  }
  get onerror(): SharedHandler<Events['error']> {
    return this.#handlers.get('error') as SharedHandler<Events['error']>
  }
  set onerror(value: SharedHandler<Events['error']>) {
    this.#handlers.set('error', value)
  }
  get onclose(): SharedHandler<Events['close']> {
    return this.#handlers.get('close') as SharedHandler<Events['close']>
  }
  set onclose(value: SharedHandler<Events['close']>) {
    this.#handlers.set('close', value)
  }

  /** False where Web Locks or BroadcastChannel are missing: this tab then has a socket of its own. */
  readonly shared: boolean

  readonly #url: UrlProvider
  readonly #options: ConnectionOptions
  readonly #names: Names
  readonly #locks: LockManagerLike | null
  readonly #view = new ViewEvents(this, () => this.url)
  readonly #outbox: Outbox
  #session: Session | null = null
  #leader: Leader | null = null
  /** The tab leading, as last announced (or this tab's own id when it leads). */
  #leaderTab: string | null = null
  #epoch = 0
  #lastUrl: string
  #protocol = ''
  #binaryType: string | undefined

  constructor(url: UrlProvider, options: SharedConnectionOptions = {}) {
    super()
    const { name, ...forwarded } = options
    checkSharedOptions(url, name, forwarded)
    this.#url = url
    this.#options = forwarded
    this.#lastUrl = typeof url === 'function' ? '' : String(url)
    this.#binaryType = forwarded.binaryType
    this.#names = namesFor(name ?? String(url))
    this.#locks = sharingSupport()
    this.shared = this.#locks !== null
    this.#outbox = new Outbox(forwarded.queue, (data, reason) =>
      this.#view.emit('drop', { data, reason }),
    )
    this.#attach()
  }

  // ---- the Connection surface --------------------------------------------------

  /** True while this tab holds the socket (false again once its view is closed). */
  get leader(): boolean {
    return this.#leader !== null
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#view.state]
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`: the leader's socket as this tab sees it. */
  get state(): ConnectionStateName {
    return this.#view.state
  }
  get url(): string {
    return this.#leader?.conn.url ?? this.#lastUrl
  }
  get protocol(): string {
    return this.#leader?.conn.protocol ?? this.#protocol
  }
  /** The leader's socket's unsent bytes in the leader tab; 0 in the others. */
  get bufferedAmount(): number {
    return this.#leader?.conn.bufferedAmount ?? 0
  }
  /** In the leader, its connection's queue; elsewhere, this tab's messages not yet confirmed written. */
  get queued(): number {
    return this.#leader?.conn.queued ?? this.#outbox.size
  }
  get binaryType(): string {
    return this.#leader?.conn.binaryType ?? this.#binaryType ?? 'blob'
  }
  /** Applies to the socket while this tab leads and whenever it leads later. */
  set binaryType(value: string) {
    this.#binaryType = value
    if (this.#leader) this.#leader.conn.binaryType = value
  }

  /**
   * In the leader: as `Connection.send`. Elsewhere: hands the message to the
   * leader and returns true; a refusal there arrives as a `drop` event. Before any
   * leader is known, messages wait in this tab (bounded like the queue).
   */
  send(data: SendData): boolean {
    checkSendData(data)
    const session = this.#session
    if (session === null) {
      this.#view.emit('drop', { data, reason: 'closed' })
      return false
    }
    if (this.#leader) return this.#leader.send(session.tab, 0, data)
    if (this.#leaderTab === null) return this.#outbox.wait(data)
    this.#handOver(session, this.#leaderTab, data)
    return true
  }

  /**
   * Ends this tab's view at once (same argument checks as `Connection.close`).
   * The socket stays up for the other tabs and closes when the last one lets go.
   * Messages already handed to the leader are still sent.
   */
  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    const session = this.#session
    if (session === null) return
    if (session.channel === null && this.#leader) {
      // No sharing: exactly a single-tab connection.
      this.#leader.conn.close(code, reason)
      return
    }
    this.#detach(session)
    this.#view.setState('closed', 'app.close')
    this.#view.emit('close', {
      code: checked.code ?? 1000,
      reason: checked.reason ?? '',
      wasClean: true,
      cause: 'user',
      willReconnect: false,
    })
  }

  /** A fresh attempt at once (in the leader's connection); after `close()`, joins the tabs again. */
  reconnect(): void {
    const session = this.#session
    if (session === null) this.#attach()
    else if (this.#leader) this.#leader.conn.reconnect()
    else if (this.#leaderTab !== null)
      this.#post(session, { t: 'reconnect', tab: session.tab, to: this.#leaderTab })
  }

  /** Calls `listener` on every state change of this view; returns the unsubscribe function. */
  subscribe(listener: (event: SharedConnectionEventMap['statechange']) => void): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`heartline/shared: subscribe() takes a function; got ${typeof listener}.`)
    }
    return this.#view.subscribe(listener)
  }

  override addEventListener<K extends keyof Events>(
    type: K,
    listener: SharedListener<Events[K]> | null,
    options?: ListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: ListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: ListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
  }

  override removeEventListener<K extends keyof Events>(
    type: K,
    listener: SharedListener<Events[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options)
  }

  // ---- joining and leaving -----------------------------------------------------

  #attach(): void {
    const session = newSession()
    this.#session = session
    this.#leaderTab = null
    this.#epoch = 0
    this.#view.setState('connecting', 'app.reconnect')
    if (this.#locks === null) {
      this.#lead(session)
      return
    }
    join(this.#locks, this.#names, session, {
      current: () => this.#session === session,
      receive: (message) => this.#receive(session, message),
      lead: () => this.#lead(session),
    })
  }

  /** Lets go of this tab's view; a leader keeps the socket until no other tab is left. */
  #detach(session: Session): void {
    this.#session = null
    session.abort.abort()
    session.releaseTab?.()
    this.#outbox.close()
    const leader = this.#leader
    this.#leader = null
    this.#leaderTab = null
    if (leader === null || this.#locks === null) {
      session.channel?.close()
      return
    }
    // Headless: keep relaying for the other tabs until the last one leaves.
    const channel = session.channel
    serveUntilAlone(this.#locks, this.#names.tabPrefix, session.tab, leader, channel, {
      serve: (message) => this.#serve(session, leader, message),
      finish: () => {
        // Events still coming from the closing connection post to nothing.
        session.channel = null
        channel?.close()
        session.releaseLeader?.()
      },
    })
  }

  // ---- leading -----------------------------------------------------------------

  /** Takes the socket; false when it could not be opened (the lock is let go). */
  #lead(session: Session): boolean {
    this.#handOff()
    const view: LocalView = {
      apply: (event, original) => {
        if (this.#session === session) this.#applyEvent(event, original)
      },
      drop: (data, reason) => {
        if (this.#session === session) this.#view.emit('drop', { data, reason })
      },
    }
    const options: ConnectionOptions = { ...this.#options }
    if (this.#binaryType !== undefined)
      options.binaryType = this.#binaryType as ConnectionOptions['binaryType']
    const post = (message: Wire) => this.#post(session, message)
    let leader: Leader
    try {
      leader = new Leader(session.tab, this.#url, options, post, view)
    } catch (error) {
      // The options passed the check in the constructor, so the page changed
      // under us (a WebSocket global removed, say): say so, never fail silently.
      this.#detach(session)
      this.#view.setState('closed', 'leader.failed')
      this.#view.emit('error', { error })
      return false
    }
    this.#leader = leader
    this.#leaderTab = session.tab
    this.#epoch = Math.max(Date.now(), this.#epoch + 1)
    this.#announce(session, leader)
    if (session.channel !== null) this.#view.emit('leaderchange', { leader: true })
    this.#view.setState(leader.conn.state, 'leader.elected')
    for (const data of this.#outbox.takeWaiting()) leader.send(session.tab, 0, data)
    return true
  }

  #announce(session: Session, leader: Leader): void {
    this.#post(session, {
      t: 'leader',
      tab: session.tab,
      epoch: this.#epoch,
      state: leader.conn.state,
      url: leader.conn.url,
      protocol: leader.conn.protocol,
    })
  }

  /** What the leader does with a message from another tab. */
  #serve(session: Session, leader: Leader, message: Wire): void {
    if (message.t === 'who') this.#announce(session, leader)
    else if (message.t === 'send' && message.to === session.tab)
      leader.send(message.tab, message.seq, message.data)
    else if (message.t === 'reconnect' && message.to === session.tab) leader.conn.reconnect()
  }

  // ---- following ---------------------------------------------------------------

  #receive(session: Session, message: Wire): void {
    if (this.#session !== session) return
    if (this.#leader) {
      this.#serve(session, this.#leader, message)
      return
    }
    const fromLeader = message.tab === this.#leaderTab
    switch (message.t) {
      case 'leader':
        // A late announcement of a leader that is already gone has a lower epoch.
        if (!fromLeader && message.epoch > this.#epoch) this.#follow(session, message)
        return
      case 'event':
        if (fromLeader) this.#applyEvent(message.event)
        return
      case 'done':
        if (fromLeader && message.to === session.tab) this.#outbox.confirm(message.seq)
        return
      case 'drop':
        if (fromLeader && message.to === session.tab)
          this.#outbox.refused(message.seq, message.reason)
        return
    }
  }

  #follow(session: Session, hello: Extract<Wire, { t: 'leader' }>): void {
    this.#handOff()
    this.#leaderTab = hello.tab
    this.#epoch = hello.epoch
    this.#lastUrl = hello.url
    this.#protocol = hello.protocol
    this.#view.emit('leaderchange', { leader: false })
    this.#view.setState(hello.state, 'leader.elected')
    if (isOpen(hello.state)) this.#view.emit('open', { url: hello.url })
    for (const data of this.#outbox.takeWaiting()) this.#handOver(session, hello.tab, data)
  }

  /**
   * A new leader replaces the one this tab knew: that socket is gone (as for a
   * single tab whose socket closed, the view goes back to connecting), and what
   * was handed to it unconfirmed may or may not have reached the server.
   */
  #handOff(): void {
    if (this.#leaderTab === null) return
    const had = this.#view.state
    this.#view.setState('connecting', 'leader.gone')
    if (carriesSocket(had)) {
      this.#view.emit('close', {
        code: 1001,
        reason: '',
        wasClean: false,
        cause: 'leader-gone',
        willReconnect: true,
      })
    }
    this.#outbox.lose('handoff')
  }

  #handOver(session: Session, to: string, data: SendData): void {
    const seq = this.#outbox.handOver(data)
    this.#post(session, { t: 'send', tab: session.tab, to, seq, data })
  }

  #post(session: Session, message: Wire): void {
    session.channel?.postMessage(message)
  }

  /** An event of the leader's connection, fired in this tab. */
  #applyEvent(event: RelayedEvent, original?: unknown): void {
    if (event.type === 'open') {
      this.#lastUrl = event.url
      this.#protocol = event.protocol
    }
    this.#view.apply(event, original)
  }
}

/**
 * Creates a connection shared by every tab of this origin that uses the same
 * `name` (by default the URL): one tab holds the socket, the others relay
 * through it. Falls back to a connection of this tab's own where Web Locks or
 * BroadcastChannel are missing (see `shared`).
 */
export function createSharedConnection(
  url: UrlProvider,
  options?: SharedConnectionOptions,
): SharedConnection {
  return new SharedConnection(url, options)
}
