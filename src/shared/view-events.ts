/**
 * One tab's state and what it fires: fresh events dispatched on the shared
 * connection (an `EventTarget`), built with the core's `createEvent`, kept apart
 * from how the tab learns what to fire. The leader tab never re-dispatches its
 * connection's own event object: that one is still being dispatched, and its
 * target is the leader's connection.
 */

import { createEvent } from '../events.js'
import type { ConnectionStateName } from '../index.js'
import { reportLater } from '../report.js'
import { publicTypes, type StateChangeCause } from '../vocabulary.js'
import type { SharedConnectionEventMap } from './events.js'
import type { RelayedEvent } from './protocol.js'

type StateChange = SharedConnectionEventMap['statechange']

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return ''
  }
}

export class ViewEvents {
  readonly #subscribers = new Set<(event: StateChange) => void>()
  #state: ConnectionStateName

  /** `url`: the socket's URL as this tab last heard it (a message event's origin). */
  constructor(
    readonly target: EventTarget,
    readonly url: () => string,
    initial: ConnectionStateName = 'connecting',
  ) {
    this.#state = initial
  }

  get state(): ConnectionStateName {
    return this.#state
  }

  subscribe(listener: (event: StateChange) => void): () => void {
    this.#subscribers.add(listener)
    return () => {
      this.#subscribers.delete(listener)
    }
  }

  /** Moves the view to `to` and fires `statechange` (nothing when already there). */
  setState(to: ConnectionStateName, cause: StateChangeCause): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    const change = createEvent('statechange', { from, to, event: cause }) as unknown as StateChange
    this.target.dispatchEvent(change as unknown as Event)
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(change)
      } catch (error) {
        reportLater(error)
      }
    }
  }

  /**
   * Fires what the leader's connection fired. In the leader tab `original` is
   * what it carried that does not cross tabs: the message event (for its origin
   * and id) or the error value.
   */
  apply(event: RelayedEvent, original?: unknown): void {
    switch (event.type) {
      case 'statechange':
        this.setState(event.to, event.event)
        return
      case 'message': {
        const source = original as MessageEvent | undefined
        this.target.dispatchEvent(
          new MessageEvent('message', {
            data: event.data,
            origin: source?.origin ?? originOf(this.url()),
            lastEventId: source?.lastEventId ?? '',
          }),
        )
        return
      }
      case 'open':
        this.emit('open', { url: event.url })
        return
      case 'error':
        this.emit('error', { error: original ?? new Error(event.message) })
        return
      default: {
        const { type, ...details } = event
        for (const name of publicTypes(type)) this.emit(name as typeof type, details)
      }
    }
  }

  /** Fires a fresh `type` event carrying `details`. */
  emit(type: keyof SharedConnectionEventMap, details: Record<string, unknown>): void {
    this.target.dispatchEvent(createEvent(type, details))
  }
}
