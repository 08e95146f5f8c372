/**
 * The events a connection fires and the listener table that fires them the way
 * EventTarget does: `on<type>` handler first, then listeners in the order added,
 * each listener once, and one failing listener never stops the others.
 */
import type { ConnectionStateName } from '../machines/connection.js'
import type { Connection } from './connection.js'
import type { CloseDetails, SendData } from './options.js'

export interface HeartlineEvent<T extends string = string> {
  type: T
  target: Connection
}
export interface OpenEvent extends HeartlineEvent<'open'> {
  /** The URL this socket connected to. */
  url: string
}
export interface CloseEventDetails extends HeartlineEvent<'close'>, CloseDetails {
  /** True when heartline will try again after this close. */
  willReconnect: boolean
}
export interface ErrorEventDetails extends HeartlineEvent<'error'> {
  /** What the socket (or the url provider) reported. */
  error: unknown
}
export interface StateChangeEvent extends HeartlineEvent<'statechange'> {
  from: ConnectionStateName
  to: ConnectionStateName
  /** The chart event that caused the change (for example `heartbeat.silence`). */
  event: string
}
export type DropReason = 'not-open' | 'queue-full' | 'queue-overflow' | 'closed'
export interface DropEvent extends HeartlineEvent<'drop'> {
  /** The message that will not be sent. */
  data: SendData
  /**
   * `not-open`: sent while not open with `queue: false`; `queue-full`: refused by
   * a full queue; `queue-overflow`: the oldest queued message pushed out by
   * `overflow: 'drop-oldest'`; `closed`: the connection closed for good (queued
   * messages are reported when it does, later sends at once).
   */
  reason: DropReason
}
export interface ReconnectingEvent extends HeartlineEvent<'reconnecting'> {
  attempt: number
  delay: number
}
export interface GaveUpEvent extends HeartlineEvent<'gave-up'> {
  attempts: number
}

export interface ConnectionEventMap {
  open: OpenEvent
  message: MessageEvent
  error: ErrorEventDetails
  close: CloseEventDetails
  statechange: StateChangeEvent
  drop: DropEvent
  reconnecting: ReconnectingEvent
  'gave-up': GaveUpEvent
}

export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void }
type AnyListener = (event: never) => void

export function rethrowLater(error: unknown): void {
  // As EventTarget does: one failing listener must not stop the others or the chart.
  setTimeout(() => {
    throw error
  }, 0)
}

/** The listeners of one connection, by event type. */
export class ListenerTable {
  readonly #listeners = new Map<string, AnyListener[]>()
  /** `message` listeners, kept apart: the hot path reads one array, nothing else. */
  #messageListeners: AnyListener[] = []
  readonly #wrapped = new WeakMap<object, AnyListener>()

  add(type: string, listener: Listener<never>): void {
    const fn = this.#wrap(listener)
    if (type === 'message') {
      if (!this.#messageListeners.includes(fn))
        this.#messageListeners = [...this.#messageListeners, fn]
      return
    }
    const list = this.#listeners.get(type) ?? []
    if (!list.includes(fn)) this.#listeners.set(type, [...list, fn])
  }

  remove(type: string, listener: Listener<never>): void {
    const fn = this.#wrapped.get(listener as object) ?? (listener as AnyListener)
    if (type === 'message') {
      this.#messageListeners = this.#messageListeners.filter((l) => l !== fn)
      return
    }
    const list = this.#listeners.get(type)
    if (list)
      this.#listeners.set(
        type,
        list.filter((l) => l !== fn),
      )
  }

  /** The message path: `onmessage`, then the message listeners, nothing else. */
  deliver(target: Connection, event: MessageEvent): void {
    const handler = target.onmessage
    if (handler !== null) {
      try {
        handler.call(target, event)
      } catch (error) {
        rethrowLater(error)
      }
    }
    const listeners = this.#messageListeners
    for (let i = 0; i < listeners.length; i++) {
      try {
        ;(listeners[i] as (event: MessageEvent) => void)(event)
      } catch (error) {
        rethrowLater(error)
      }
    }
  }

  dispatch(event: HeartlineEvent): void {
    const target = event.target
    const handler = (target as unknown as Record<string, unknown>)[`on${event.type}`]
    if (typeof handler === 'function') {
      try {
        handler.call(target, event)
      } catch (error) {
        rethrowLater(error)
      }
    }
    const listeners = this.#listeners.get(event.type)
    if (!listeners) return
    for (const listener of listeners) {
      try {
        ;(listener as (event: HeartlineEvent) => void)(event)
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
