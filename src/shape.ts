/**
 * What every WebSocket-shaped class of heartline has in common (`Connection`, and
 * `SharedConnection` in heartline/shared): the readyState constants, the four
 * `on<type>` handler attributes and `addEventListener`/`removeEventListener`
 * typed by the class's own event map. A subclass that mirrors its listeners
 * (the direct message path) hears of each change through the two hooks below.
 */

import { StandardEventTarget as Target } from '#dev'
import type { ConnectionStateName } from '../machines/connection.js'
import type {
  AnyListener,
  ListenerOptions,
  RemoveListenerOptions,
  StandardEventTarget,
} from './event-target.js'

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

/** An `on<type>` handler's value and the listener that holds its place. */
interface Handler {
  value: object
  listener: (event: Event) => void
}

/** Told after a listener was added (or its addition deferred); the arguments as passed. */
export const LISTENER_ADDED: unique symbol = Symbol()
/** Told after a listener was removed; the arguments as passed. */
export const LISTENER_REMOVED: unique symbol = Symbol()

/**
 * The EventTarget the shapes extend, as `#dev` picks it (Node's deferral, or a
 * browser bundle's platform EventTarget), typed by src/event-target.ts so the
 * declarations name no `#` import.
 */
const EventTargetBase: typeof StandardEventTarget = Target

export abstract class WebSocketShape<
  T,
  M extends { open: unknown; message: unknown; error: unknown; close: unknown; giveup: unknown },
> extends EventTargetBase {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  /**
   * The `on<type>` handler attributes, as HTML defines event handler IDL
   * attributes: a value that is not an object reads back as null; the first
   * handler set takes a place among the listeners (one listener per type, kept
   * while a handler is set) and a later handler runs in that same place; setting
   * null gives the place up; `this` is the target; returning false cancels.
   */
  #handlers: Record<string, Handler | undefined> | null = null
  declare onopen: HandlerOf<T, M['open']>
  declare onmessage: HandlerOf<T, M['message']>
  declare onerror: HandlerOf<T, M['error']>
  declare onclose: HandlerOf<T, M['close']>
  /** heartline's own: the retry budget is spent (the `giveup` event). */
  declare ongiveup: HandlerOf<T, M['giveup']>

  static {
    WebSocketShape.defineHandlers(WebSocketShape.prototype, [
      'open',
      'message',
      'error',
      'close',
      'giveup',
    ])
  }

  /** The `on<type>` accessors of `types` on `proto`, made once, as `ws` makes its own in one loop. */
  protected static defineHandlers(proto: object, types: string[]): void {
    for (const type of types) {
      Object.defineProperty(proto, `on${type}`, {
        configurable: true,
        get(this: WebSocketShape<unknown, never>) {
          return this.#handlers?.[type]?.value ?? null
        },
        set(this: WebSocketShape<unknown, never>, value: unknown) {
          this.#setHandler(type, value)
        },
      })
    }
  }

  #setHandler(type: string, value: unknown): void {
    // Made with the first handler: most connections never set one.
    this.#handlers ??= {}
    const handlers = this.#handlers
    const handler = handlers[type]
    if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) {
      if (handler === undefined) return
      handlers[type] = undefined
      this.removeEventListener(type, handler.listener)
      return
    }
    if (handler !== undefined) {
      handler.value = value
      return
    }
    const fresh: Handler = {
      value,
      listener: (event) => {
        const fn = fresh.value
        if (typeof fn === 'function' && fn.call(this, event) === false) event.preventDefault()
      },
    }
    handlers[type] = fresh
    this.addEventListener(type, fresh.listener)
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
