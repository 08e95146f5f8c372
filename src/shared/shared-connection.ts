/**
 * `SharedConnection`, the public surface: one tab's view of a socket shared by
 * every tab of an origin, with the `Connection` surface. The tab holding the Web
 * Lock `<name>:leader` owns the socket (see leader.ts); the others follow it over
 * a `BroadcastChannel` (tab-link.ts wires both). Each view keeps its own state,
 * listeners and messages, so a tab sees the events a single-tab connection would
 * fire.
 */

import type { ConnectionOptions, ConnectionStateName, SendData, UrlProvider } from '../index.js'
import { READY_STATE, WebSocketShape } from '../shape.js'
import { checkSharedOptions, toSendData } from './checks.js'
import type { SharedConnectionEventMap } from './events.js'
import { namesFor } from './protocol.js'
import { sharingSupport } from './support.js'
import { TabLink } from './tab-link.js'
import { ViewEvents } from './view-events.js'

export interface SharedConnectionOptions extends ConnectionOptions {
  /**
   * Tabs with the same name (and origin) share one socket. Required when `url`
   * is a function; otherwise the URL's text.
   * @default String(url)
   */
  name?: string
}

type Events = SharedConnectionEventMap

/** Each shared connection's tab link, for `roleChartOf`. */
const links = new WeakMap<object, TabLink>()

/**
 * @internal The running chart of this tab's role (machines/tab-role.ts), for the
 * inspector to draw live; undefined for anything but a `SharedConnection`.
 */
export function roleChartOf(connection: object): TabLink['role'] | undefined {
  return links.get(connection)?.role
}

/**
 * A real `EventTarget`, as `Connection` is: its events are fresh `Event`s with
 * this shared connection as `target`, `currentTarget` and `this`; `once`,
 * `signal`, capture and `handleEvent` behave as on any EventTarget, and a
 * listener added during a dispatch waits for the next event (also in Node).
 */
export class SharedConnection extends WebSocketShape<SharedConnection, Events> {
  /** False where Web Locks or BroadcastChannel are missing: this tab then has a socket of its own. */
  readonly shared: boolean

  readonly #view: ViewEvents
  readonly #link: TabLink
  #binaryType: string | undefined

  constructor(url: UrlProvider, options: SharedConnectionOptions = {}) {
    super()
    const { name, startClosed, ...forwarded } = options
    checkSharedOptions(url, name, { ...forwarded, startClosed })
    this.#view = new ViewEvents(this, () => this.url, startClosed ? 'closed' : 'connecting')
    this.#binaryType = forwarded.binaryType
    const locks = sharingSupport()
    this.shared = locks !== null
    this.#link = new TabLink(
      url,
      forwarded,
      namesFor(name ?? String(url)),
      locks,
      this.#view,
      () => this.#binaryType,
    )
    links.set(this, this.#link)
    // With `startClosed`, the tab joins the others on its first `reconnect()`.
    if (!startClosed) this.#link.attach()
  }

  // ---- the Connection surface --------------------------------------------------

  /** True while this tab holds the socket (false again once its view is closed). */
  get leader(): boolean {
    return this.#link.conn !== null
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#view.state]
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`: the leader's socket as this tab sees it. */
  get state(): ConnectionStateName {
    return this.#view.state
  }
  get url(): string {
    return this.#link.conn?.url ?? this.#link.lastUrl
  }
  get protocol(): string {
    return this.#link.conn?.protocol ?? this.#link.protocol
  }
  /** The extensions the server agreed to for the leader's socket, as this tab last heard ('' when none, or before the first open). */
  get extensions(): string {
    return this.#link.conn?.extensions ?? this.#link.extensions
  }
  /** The leader's socket's unsent bytes in the leader tab; 0 in the others. */
  get bufferedAmount(): number {
    return this.#link.conn?.bufferedAmount ?? 0
  }
  /** In the leader, its connection's queue; elsewhere, this tab's messages not yet confirmed written. */
  get queued(): number {
    return this.#link.conn?.queued ?? this.#link.unconfirmed
  }
  get binaryType(): string {
    return this.#link.conn?.binaryType ?? this.#binaryType ?? 'blob'
  }
  /** Applies to the socket while this tab leads and whenever it leads later. */
  set binaryType(value: string) {
    this.#binaryType = value
    const conn = this.#link.conn
    if (conn) conn.binaryType = value
  }

  /**
   * In the leader: as `Connection.send`. Elsewhere: hands the message to the
   * leader and returns true; a refusal there arrives as a `drop` event. Before any
   * leader is known, messages wait in this tab (bounded like the queue).
   */
  send(data: SendData): boolean {
    return this.#link.send(toSendData(data))
  }

  /**
   * Ends this tab's view at once (same argument checks as `Connection.close`).
   * The socket stays up for the other tabs and closes when the last one lets go.
   * Messages already handed to the leader are still sent.
   */
  close(code?: number, reason?: string): void {
    this.#link.close(code, reason)
  }

  /** A fresh attempt at once (in the leader's connection); after `close()`, joins the tabs again. */
  reconnect(): void {
    this.#link.reconnect()
  }

  /** Calls `listener` on every state change of this view; returns the unsubscribe function. */
  subscribe(listener: (event: SharedConnectionEventMap['statechange']) => void): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`heartline/shared: subscribe() takes a function; got ${typeof listener}.`)
    }
    return this.#view.subscribe(listener)
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
