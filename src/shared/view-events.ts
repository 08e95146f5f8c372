/**
 * One tab's listeners and state: what `SharedConnection` fires, kept apart from
 * how it learns what to fire. Listener errors are rethrown on a fresh task, as
 * EventTarget does, so one failing listener never stops the others.
 */
import type { ConnectionStateName } from '../index.js'
import type { SharedConnectionEventMap } from './events.js'
import type { RelayedEvent } from './protocol.js'

export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void }
type AnyListener = (event: never) => void
type StateChange = SharedConnectionEventMap['statechange']

function rethrowLater(error: unknown): void {
  setTimeout(() => {
    throw error
  }, 0)
}

function call(fn: unknown, self: unknown, event: object): void {
  try {
    ;(fn as (this: unknown, event: object) => void).call(self, event)
  } catch (error) {
    rethrowLater(error)
  }
}

export class ViewEvents {
  readonly #listeners = new Map<string, AnyListener[]>()
  readonly #wrapped = new WeakMap<object, AnyListener>()
  readonly #subscribers = new Set<(event: StateChange) => void>()
  #state: ConnectionStateName = 'connecting'

  constructor(readonly target: SharedConnectionEventMap['open']['target']) {}

  get state(): ConnectionStateName {
    return this.#state
  }

  add(type: string, listener: Listener<never>): void {
    const fn = this.#wrap(listener)
    const list = this.#listeners.get(type) ?? []
    if (!list.includes(fn)) this.#listeners.set(type, [...list, fn])
  }

  remove(type: string, listener: Listener<never>): void {
    const fn = this.#wrapped.get(listener as object) ?? (listener as AnyListener)
    const list = this.#listeners.get(type)
    if (list)
      this.#listeners.set(
        type,
        list.filter((l) => l !== fn),
      )
  }

  subscribe(listener: (event: StateChange) => void): () => void {
    this.#subscribers.add(listener)
    return () => {
      this.#subscribers.delete(listener)
    }
  }

  /** Moves the view to `to` and fires `statechange` (nothing when already there). */
  setState(to: ConnectionStateName, cause: string): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    const change: StateChange = { type: 'statechange', target: this.target, from, to, event: cause }
    this.dispatch('statechange', change)
    for (const subscriber of this.#subscribers) call(subscriber, undefined, change)
  }

  /** Fires what the leader's connection fired (`original`: the event itself, in the leader tab). */
  apply(event: RelayedEvent, original?: unknown): void {
    switch (event.type) {
      case 'statechange':
        this.setState(event.to, event.event)
        return
      case 'message':
        this.dispatch(
          'message',
          (original as MessageEvent | undefined) ??
            new MessageEvent('message', { data: event.data }),
        )
        return
      case 'open':
        this.emit('open', { url: event.url })
        return
      case 'error':
        this.emit('error', { error: original ?? new Error(event.message) })
        return
      default: {
        const { type, ...details } = event
        this.emit(type, details)
      }
    }
  }

  /** Fires `type` with `details`, the type and this view's connection as target. */
  emit(type: keyof SharedConnectionEventMap, details: object): void {
    this.dispatch(type, { ...details, type, target: this.target })
  }

  /** The `on<type>` handler first, then the listeners in the order they were added. */
  dispatch(type: string, event: object): void {
    const handler = (this.target as unknown as Record<string, unknown>)[`on${type}`]
    if (typeof handler === 'function') call(handler, this.target, event)
    const listeners = this.#listeners.get(type)
    if (!listeners) return
    for (const listener of listeners) call(listener, undefined, event)
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
