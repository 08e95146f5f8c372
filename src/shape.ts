/**
 * What every WebSocket-shaped class of heartline has in common (`Connection`, and
 * `SharedConnection` in heartline/shared): the readyState constants, the four
 * `on<type>` handler attributes and `addEventListener`/`removeEventListener`
 * typed by the class's own event map. A subclass that mirrors its listeners
 * (the direct message path) hears of each change through the two hooks below.
 */
import type { ConnectionStateName } from '../machines/connection.js'
import {
  type AnyListener,
  type ListenerOptions,
  type RemoveListenerOptions,
  StandardEventTarget,
} from './event-target.js'
import { HandlerSlots } from './handlers.js'

/** readyState for each public state: waiting to reconnect reads CONNECTING, as a new socket would. */
export const READY_STATE: Record<ConnectionStateName, 0 | 1 | 2 | 3> = {
  connecting: 0,
  open: 1,
  awaitingPong: 1,
  closing: 2,
  waitingToReconnect: 0,
  closed: 3,
}

/** An `on<type>` handler of target `T`: called with `T` as `this`; returning false cancels the event. */
export type HandlerOf<T, E> = ((this: T, event: E) => unknown) | null

/** A listener of target `T`: a function called with `T` as `this`, or an object with `handleEvent`. */
export type ListenerOf<T, E> = ((this: T, event: E) => unknown) | { handleEvent(event: E): unknown }

/** Told after a listener was added (or its addition deferred); the arguments as passed. */
export const LISTENER_ADDED: unique symbol = Symbol()
/** Told after a listener was removed; the arguments as passed. */
export const LISTENER_REMOVED: unique symbol = Symbol()

export abstract class WebSocketShape<
  T,
  M extends { open: unknown; message: unknown; error: unknown; close: unknown; giveup: unknown },
> extends StandardEventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  readonly #handlers = new HandlerSlots(this)
  get onopen(): HandlerOf<T, M['open']> {
    return this.#handlers.get('open') as HandlerOf<T, M['open']>
  }
  set onopen(value: HandlerOf<T, M['open']>) {
    this.#handlers.set('open', value)
  }
  get onmessage(): HandlerOf<T, M['message']> {
    return this.#handlers.get('message') as HandlerOf<T, M['message']>
  }
  set onmessage(value: HandlerOf<T, M['message']>) {
    this.#handlers.set('message', value)
  }
  get onerror(): HandlerOf<T, M['error']> {
    return this.#handlers.get('error') as HandlerOf<T, M['error']>
  }
  set onerror(value: HandlerOf<T, M['error']>) {
    this.#handlers.set('error', value)
  }
  get onclose(): HandlerOf<T, M['close']> {
    return this.#handlers.get('close') as HandlerOf<T, M['close']>
  }
  set onclose(value: HandlerOf<T, M['close']>) {
    this.#handlers.set('close', value)
  }
  /** heartline's own: the retry budget is spent (the `giveup` event). */
  get ongiveup(): HandlerOf<T, M['giveup']> {
    return this.#handlers.get('giveup') as HandlerOf<T, M['giveup']>
  }
  set ongiveup(value: HandlerOf<T, M['giveup']>) {
    this.#handlers.set('giveup', value)
  }

  override addEventListener<K extends keyof M>(
    type: K,
    listener: ListenerOf<T, M[K]> | null,
    options?: ListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: AnyListener | null,
    options?: ListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: AnyListener | null,
    options?: ListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    this[LISTENER_ADDED]?.(type, listener, options)
  }

  override removeEventListener<K extends keyof M>(
    type: K,
    listener: ListenerOf<T, M[K]> | null,
    options?: boolean | RemoveListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options)
    this[LISTENER_REMOVED]?.(type, listener, options)
  }

  protected [LISTENER_ADDED]?(
    type: string,
    listener: AnyListener | null,
    options?: ListenerOptions,
  ): void
  protected [LISTENER_REMOVED]?(
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void
}
