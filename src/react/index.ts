/**
 * `heartline/react`: one hook that owns a heartline connection for the lifetime of
 * a component. The connection is an external store read with
 * `useSyncExternalStore`, so every render sees one consistent state, also under
 * concurrent rendering.
 *
 * @module heartline/react
 */
import { useEffect, useRef, useSyncExternalStore } from 'react'
import type { ConnectionStateName } from '../../machines/connection.js'
import { type Connection, createConnection } from '../connection.js'
import type { ConnectionMetrics } from '../metrics.js'
import type { ConnectionOptions, SendData, UrlProvider } from '../options.js'

export interface UseConnectionResult {
  /** One of `connecting`, `open`, `awaitingPong`, `closing`, `waitingToReconnect`, `closed`. */
  state: ConnectionStateName
  /**
   * Sends now when open, queues while not (see `Connection.send`). Before the
   * connection exists (a child's effect runs before its parent's), messages are
   * held and handed to it, in order, when it is created.
   */
  send: (data: SendData) => boolean
  /** Closes for good (see `Connection.close`); `reconnect()` or a new `url` opens again. */
  close: (code?: number, reason?: string) => void
  /** A fresh attempt at once, also after `close()`. */
  reconnect: () => void
  /** The last message delivered to the application, or null before the first. */
  lastMessage: MessageEvent | null
  /**
   * The connection's `metrics` (docs/metrics.md), undefined until the connection
   * exists. Read at each render: a change of metrics alone does not re-render.
   */
  metrics: ConnectionMetrics | undefined
  /** The connection itself, null until the component's effect created it (and during SSR). */
  connection: Connection | null
}

/** What `useSyncExternalStore` reads: replaced (never mutated) on every change. */
interface Snapshot {
  state: ConnectionStateName
  lastMessage: MessageEvent | null
  connection: Connection | null
}

const INITIAL: Snapshot = { state: 'connecting', lastMessage: null, connection: null }

/** A string or URL is compared by its text; a function by identity. */
function keyOf(url: UrlProvider): unknown {
  if (typeof url === 'function') return url
  return String(url)
}

/**
 * Owns at most one connection at a time. Closing is deferred by one macrotask so
 * that React StrictMode's simulated unmount/remount (and any other immediate
 * remount) keeps the same connection instead of opening a second socket.
 */
class ConnectionStore {
  #snapshot: Snapshot = INITIAL
  #connection: Connection | null = null
  #key: unknown = undefined
  #detach: (() => void) | null = null
  #closeTimer: ReturnType<typeof setTimeout> | null = null
  #early: SendData[] = []
  readonly #listeners = new Set<() => void>()

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  getSnapshot = (): Snapshot => this.#snapshot

  acquire(url: UrlProvider, options: ConnectionOptions | undefined): void {
    const key = keyOf(url)
    if (this.#closeTimer !== null) {
      clearTimeout(this.#closeTimer)
      this.#closeTimer = null
      // The same component came back at once (StrictMode, or a remount in the
      // same tick) with the same url: keep the socket it already has.
      if (this.#connection !== null && this.#key === key) return
    }
    this.#dispose()
    const connection = createConnection(url, options)
    this.#connection = connection
    this.#key = key
    const onState = () => this.#set({ ...this.#snapshot, state: connection.state })
    const onMessage = (event: MessageEvent) => this.#set({ ...this.#snapshot, lastMessage: event })
    const unsubscribe = connection.subscribe(onState)
    connection.addEventListener('message', onMessage)
    this.#detach = () => {
      unsubscribe()
      connection.removeEventListener('message', onMessage)
    }
    this.#set({ state: connection.state, lastMessage: null, connection })
    const early = this.#early
    this.#early = []
    for (const data of early) connection.send(data)
  }

  release(): void {
    if (this.#closeTimer !== null) return
    this.#closeTimer = setTimeout(() => {
      this.#closeTimer = null
      this.#dispose()
    }, 0)
  }

  send = (data: SendData): boolean => {
    if (this.#connection !== null) return this.#connection.send(data)
    this.#early.push(data)
    return true
  }

  close = (code?: number, reason?: string): void => {
    this.#connection?.close(code, reason)
  }

  reconnect = (): void => {
    this.#connection?.reconnect()
  }

  #dispose(): void {
    const connection = this.#connection
    if (connection === null) return
    this.#detach?.()
    this.#detach = null
    this.#connection = null
    this.#key = undefined
    connection.close()
  }

  #set(next: Snapshot): void {
    this.#snapshot = next
    for (const listener of this.#listeners) listener()
  }
}

/**
 * Opens a heartline connection when the component mounts and closes it when it
 * unmounts. A changed `url` (compared by its text; a function by identity, so
 * wrap a token-fetching function in `useCallback`) closes the connection and
 * opens a new one. `options` are read when a connection is created: a new
 * options object on every render does not reconnect.
 *
 * @example
 * const { state, send, lastMessage } = useConnection('wss://example.com/feed')
 */
export function useConnection(url: UrlProvider, options?: ConnectionOptions): UseConnectionResult {
  const storeRef = useRef<ConnectionStore | null>(null)
  if (storeRef.current === null) storeRef.current = new ConnectionStore()
  const store = storeRef.current

  const optionsRef = useRef(options)
  optionsRef.current = options

  const key = keyOf(url)
  const urlRef = useRef(url)
  urlRef.current = url

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `url` (its text, not its identity)
  useEffect(() => {
    store.acquire(urlRef.current, optionsRef.current)
    return () => store.release()
  }, [store, key])

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
  const connection = snapshot.connection
  const metrics = connection?.metrics

  return {
    state: snapshot.state,
    send: store.send,
    close: store.close,
    reconnect: store.reconnect,
    lastMessage: snapshot.lastMessage,
    metrics,
    connection,
  }
}

export type { ConnectionStateName } from '../../machines/connection.js'
export type { ConnectionMetrics } from '../metrics.js'
export type { ConnectionOptions, SendData, UrlProvider } from '../options.js'
