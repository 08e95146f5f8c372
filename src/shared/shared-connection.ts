/**
 * `SharedConnection`: one tab's view of a socket shared by every tab of an
 * origin. The tab holding the Web Lock `<name>:leader` owns the socket (see
 * leader.ts); the others follow it over a `BroadcastChannel`. Each view keeps its
 * own state, listeners and messages, so a tab sees the events a single-tab
 * connection would fire.
 */
import {
  type ConnectionOptions,
  type ConnectionStateName,
  checkClose,
  createConnection,
  DEFAULTS,
  type SendData,
  type UrlProvider,
} from '../index.js'
import type { SharedConnectionEventMap, SharedDropReason } from './events.js'
import { Leader, type LocalView } from './leader.js'
import { type LockManagerLike, Membership } from './membership.js'
import { type Names, namesFor, type RelayedEvent, type Wire } from './protocol.js'
import { checkSendData, sharingSupport } from './support.js'

export interface SharedConnectionOptions extends ConnectionOptions {
  /**
   * Tabs with the same name (and origin) share one socket. Required when `url`
   * is a function; otherwise the URL's text.
   * @default String(url)
   */
  name?: string
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
const carriesSocket = (state: ConnectionStateName) =>
  state === 'open' || state === 'awaitingPong' || state === 'closing'
const isOpen = (state: ConnectionStateName) => state === 'open' || state === 'awaitingPong'

function rethrowLater(error: unknown): void {
  // As EventTarget does: one failing listener must not stop the others.
  setTimeout(() => {
    throw error
  }, 0)
}

function newTabId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return c?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/** One attachment of the view to the tabs: replaced by `reconnect()` after `close()`. */
interface Session {
  tab: string
  abort: AbortController
  channel: BroadcastChannel | null
  releaseTab: (() => void) | null
  releaseLeader: (() => void) | null
}

export class SharedConnection {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  onopen: ((event: SharedConnectionEventMap['open']) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onerror: ((event: SharedConnectionEventMap['error']) => void) | null = null
  onclose: ((event: SharedConnectionEventMap['close']) => void) | null = null

  /** False where Web Locks or BroadcastChannel are missing: this tab then has a socket of its own. */
  readonly shared: boolean

  readonly #url: UrlProvider
  readonly #options: ConnectionOptions
  readonly #names: Names
  readonly #locks: LockManagerLike | null
  readonly #listeners = new Map<string, AnyListener[]>()
  readonly #wrapped = new WeakMap<object, AnyListener>()
  readonly #subscribers = new Set<(event: SharedConnectionEventMap['statechange']) => void>()

  #state: ConnectionStateName = 'connecting'
  #session: Session | null = null
  #leader: Leader | null = null
  /** The tab leading, as last announced (or this tab's own id when it leads). */
  #leaderTab: string | null = null
  #epoch = 0
  /** Messages sent before any leader was known, sent to it once one is. */
  #waiting: SendData[] = []
  /** Messages handed to the leader and not yet confirmed written, by seq. */
  readonly #inFlight = new Map<number, SendData>()
  #seq = 0
  #lastUrl: string
  #protocol = ''
  #binaryType: string | undefined

  constructor(url: UrlProvider, options: SharedConnectionOptions = {}) {
    const { name, ...forwarded } = options
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new TypeError(
        `heartline/shared: option \`name\` must be a non-empty string; got ${typeof name === 'string' ? '""' : typeof name}.`,
      )
    }
    if (name === undefined && typeof url === 'function') {
      throw new TypeError(
        'heartline/shared: option `name` is required when `url` is a function (tabs share by name; pass the same name in every tab).',
      )
    }
    // The socket is opened by whichever tab leads, maybe much later: check the
    // options now, in every tab, with a connection that never dials.
    const { inspect: _inspect, ...checked } = forwarded
    createConnection(() => new Promise<string>(() => {}), { ...checked, lifecycle: false }).close()
    this.#url = url
    this.#options = forwarded
    this.#lastUrl = typeof url === 'function' ? '' : String(url)
    this.#binaryType = forwarded.binaryType
    this.#names = namesFor(name ?? String(url))
    this.#locks = sharingSupport()
    this.shared = this.#locks !== null
    this.#attach()
  }

  // ---- the Connection surface --------------------------------------------------

  /** True when this tab holds the socket. */
  get leader(): boolean {
    return this.#leader !== null
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#state]
  }
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`: the leader's socket as this tab sees it. */
  get state(): ConnectionStateName {
    return this.#state
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
    return this.#leader?.conn.queued ?? this.#waiting.length + this.#inFlight.size
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
    if (session === null) return this.#drop(data, 'closed')
    if (this.#leader) return this.#leader.send(session.tab, 0, data)
    if (this.#leaderTab === null) return this.#wait(data)
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
    this.#setState('closed', 'app.close')
    this.#emit('close', {
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
    if (session === null) {
      this.#attach()
      return
    }
    if (this.#leader) this.#leader.conn.reconnect()
    else if (this.#leaderTab !== null)
      this.#post(session, { t: 'reconnect', tab: session.tab, to: this.#leaderTab })
  }

  subscribe(listener: (event: SharedConnectionEventMap['statechange']) => void): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`heartline/shared: subscribe() takes a function; got ${typeof listener}.`)
    }
    this.#subscribers.add(listener)
    return () => {
      this.#subscribers.delete(listener)
    }
  }

  addEventListener<K extends keyof SharedConnectionEventMap>(
    type: K,
    listener: Listener<SharedConnectionEventMap[K]> | null,
  ): void {
    if (listener === null) return
    const fn = this.#wrap(listener)
    const list = this.#listeners.get(type) ?? []
    if (!list.includes(fn)) this.#listeners.set(type, [...list, fn])
  }

  removeEventListener<K extends keyof SharedConnectionEventMap>(
    type: K,
    listener: Listener<SharedConnectionEventMap[K]> | null,
  ): void {
    if (listener === null) return
    const fn = this.#wrapped.get(listener as object) ?? (listener as AnyListener)
    const list = this.#listeners.get(type)
    if (list)
      this.#listeners.set(
        type,
        list.filter((l) => l !== fn),
      )
  }

  // ---- joining and leaving -----------------------------------------------------

  #attach(): void {
    const session: Session = {
      tab: newTabId(),
      abort: new AbortController(),
      channel: null,
      releaseTab: null,
      releaseLeader: null,
    }
    this.#session = session
    this.#leaderTab = null
    this.#epoch = 0
    if (this.#state === 'closed') this.#setState('connecting', 'app.reconnect')
    const locks = this.#locks
    if (locks === null) {
      this.#lead(session)
      return
    }
    const channel = new BroadcastChannel(this.#names.channel)
    session.channel = channel
    channel.onmessage = (event: MessageEvent) => this.#receive(session, event.data as Wire)
    const held = (store: 'releaseTab' | 'releaseLeader') => (release: () => void) => {
      session[store] = release
    }
    const ignoreAbort = () => undefined
    // The tab lock first: a leader that is waiting for the last tab to leave
    // watches that lock, so it must be held before this tab says it is here.
    locks
      .request(this.#names.tabPrefix + session.tab, { signal: session.abort.signal }, () => {
        if (this.#session !== session) return
        this.#post(session, { t: 'who', tab: session.tab })
        // The election: an exclusive lock held for as long as this tab leads.
        locks
          .request(this.#names.leader, { signal: session.abort.signal }, () => {
            if (this.#session !== session) return
            this.#lead(session)
            return new Promise<void>(held('releaseLeader'))
          })
          .catch(ignoreAbort)
        return new Promise<void>(held('releaseTab'))
      })
      .catch(ignoreAbort)
  }

  /** Lets go of this tab's view; a leader keeps the socket until no other tab is left. */
  #detach(session: Session): void {
    this.#session = null
    session.abort.abort()
    session.releaseTab?.()
    for (const data of this.#waiting) this.#drop(data, 'closed')
    this.#waiting = []
    this.#inFlight.clear()
    const leader = this.#leader
    this.#leader = null
    this.#leaderTab = null
    if (leader === null || this.#locks === null) {
      session.channel?.close()
      return
    }
    // Headless: keep relaying for the other tabs until the last one leaves.
    const membership = new Membership(
      this.#locks,
      this.#names.tabPrefix,
      this.#names.tabPrefix + session.tab,
    )
    const channel = session.channel
    if (channel) {
      channel.onmessage = (event: MessageEvent) => {
        const message = event.data as Wire
        if (message.t === 'who') membership.watch(this.#names.tabPrefix + message.tab)
        this.#serve(session, leader, message)
      }
    }
    void membership.whenEmpty(() => {
      leader.conn.close()
      const finish = () => {
        // Events still in flight from the connection post to nothing from here on.
        session.channel = null
        channel?.close()
        session.releaseLeader?.()
      }
      if (leader.conn.state === 'closed') finish()
      else {
        const unsubscribe = leader.conn.subscribe((e) => {
          if (e.to !== 'closed') return
          unsubscribe()
          finish()
        })
      }
    })
  }

  // ---- leading -----------------------------------------------------------------

  #lead(session: Session): void {
    this.#handOff()
    const view: LocalView = {
      apply: (event, original) => {
        if (this.#session === session) this.#apply(event, original)
      },
      drop: (data, reason) => {
        if (this.#session === session) this.#drop(data, reason)
      },
    }
    const options: ConnectionOptions = { ...this.#options }
    if (this.#binaryType !== undefined)
      options.binaryType = this.#binaryType as ConnectionOptions['binaryType']
    const leader = new Leader(
      session.tab,
      this.#url,
      options,
      (message) => this.#post(session, message),
      view,
    )
    this.#leader = leader
    this.#leaderTab = session.tab
    this.#epoch = Math.max(Date.now(), this.#epoch + 1)
    this.#announce(session, leader)
    if (session.channel !== null) this.#emit('leaderchange', { leader: true })
    this.#setState(leader.conn.state, 'leader.elected')
    const waiting = this.#waiting
    this.#waiting = []
    for (const data of waiting) leader.send(session.tab, 0, data)
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
    switch (message.t) {
      case 'leader':
        if (message.tab === this.#leaderTab || message.epoch <= this.#epoch) return
        this.#follow(session, message)
        return
      case 'event':
        if (message.tab === this.#leaderTab) this.#apply(message.event)
        return
      case 'done':
        if (message.to !== session.tab || message.tab !== this.#leaderTab) return
        for (const seq of this.#inFlight.keys()) {
          if (seq > message.seq) break
          this.#inFlight.delete(seq)
        }
        return
      case 'drop': {
        if (message.to !== session.tab || message.tab !== this.#leaderTab) return
        const data = this.#inFlight.get(message.seq)
        if (data === undefined) return
        this.#inFlight.delete(message.seq)
        this.#drop(data, message.reason)
        return
      }
    }
  }

  #follow(session: Session, hello: Extract<Wire, { t: 'leader' }>): void {
    this.#handOff()
    this.#leaderTab = hello.tab
    this.#epoch = hello.epoch
    this.#lastUrl = hello.url
    this.#protocol = hello.protocol
    this.#emit('leaderchange', { leader: false })
    this.#setState(hello.state, 'leader.elected')
    if (isOpen(hello.state)) this.#emit('open', { url: hello.url })
    const waiting = this.#waiting
    this.#waiting = []
    for (const data of waiting) this.#handOver(session, hello.tab, data)
  }

  /**
   * A new leader replaces the one this tab knew: its socket is gone, and what was
   * handed to it unconfirmed may or may not have reached the server.
   */
  #handOff(): void {
    if (this.#leaderTab === null) return
    const lost = [...this.#inFlight.values()]
    this.#inFlight.clear()
    const had = this.#state
    this.#setState('connecting', 'leader.gone')
    if (carriesSocket(had)) {
      this.#emit('close', {
        code: 1001,
        reason: '',
        wasClean: false,
        cause: 'leader-gone',
        willReconnect: true,
      })
    }
    for (const data of lost) this.#drop(data, 'handoff')
  }

  #handOver(session: Session, to: string, data: SendData): void {
    const seq = ++this.#seq
    this.#inFlight.set(seq, data)
    this.#post(session, { t: 'send', tab: session.tab, to, seq, data })
  }

  #wait(data: SendData): boolean {
    const queue = this.#options.queue === undefined ? DEFAULTS.queue : this.#options.queue
    if (queue === false) return this.#drop(data, 'not-open')
    const max = queue.max ?? DEFAULTS.queue.max
    if (this.#waiting.length >= max) {
      if ((queue.overflow ?? DEFAULTS.queue.overflow) === 'reject') {
        return this.#drop(data, 'queue-full')
      }
      this.#drop(this.#waiting.shift() as SendData, 'queue-overflow')
    }
    this.#waiting.push(data)
    return true
  }

  // ---- the view's events -------------------------------------------------------

  #post(session: Session, message: Wire): void {
    session.channel?.postMessage(message)
  }

  /** An event of the leader's connection, in this tab. */
  #apply(event: RelayedEvent, original?: unknown): void {
    switch (event.type) {
      case 'statechange':
        this.#setState(event.to, event.event)
        return
      case 'message':
        this.#message(
          (original as MessageEvent | undefined) ??
            new MessageEvent('message', { data: event.data }),
        )
        return
      case 'open':
        this.#lastUrl = event.url
        this.#protocol = event.protocol
        this.#emit('open', { url: event.url })
        return
      case 'error':
        this.#emit('error', { error: original ?? new Error(event.message) })
        return
      default: {
        const { type, ...details } = event
        this.#emit(type, details)
      }
    }
  }

  #setState(to: ConnectionStateName, cause: string): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    const change = { type: 'statechange' as const, target: this, from, to, event: cause }
    this.#dispatch('statechange', change)
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(change)
      } catch (error) {
        rethrowLater(error)
      }
    }
  }

  #drop(data: SendData, reason: SharedDropReason): false {
    this.#emit('drop', { data, reason })
    return false
  }

  #emit(type: keyof SharedConnectionEventMap, details: object): void {
    this.#dispatch(type, { ...details, type, target: this })
  }

  #message(event: MessageEvent): void {
    this.#dispatch('message', event)
  }

  #dispatch(type: string, event: object): void {
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
        ;(listener as (event: object) => void)(event)
      } catch (error) {
        rethrowLater(error)
      }
    }
  }

  #wrap<E>(listener: Listener<E>): AnyListener {
    if (typeof listener === 'function') return listener as AnyListener
    let fn = this.#wrapped.get(listener)
    if (!fn) {
      fn = ((event: E) => listener.handleEvent(event)) as AnyListener
      this.#wrapped.set(listener, fn)
    }
    return fn
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
