/**
 * Records what a connection tells its application: every state change, close,
 * reconnecting, drop, error and open event, in order, and lets a test wait for
 * any condition on them without sleeping.
 */
import type {
  CloseEventDetails,
  Connection,
  DropEvent,
  ReconnectingEvent,
  StateChangeEvent,
} from '../../src/index.js'
import { waitFor } from './wait.js'

export class Watch {
  /** The state at creation, then the target of every `statechange`. */
  readonly states: string[]
  readonly changes: StateChangeEvent[] = []
  readonly closes: CloseEventDetails[] = []
  readonly reconnecting: ReconnectingEvent[] = []
  readonly drops: DropEvent[] = []
  readonly errors: unknown[] = []
  readonly gaveUp: number[] = []
  opens = 0
  readonly #listeners = new Set<() => void>()

  constructor(readonly conn: Connection) {
    this.states = [conn.state]
    conn.addEventListener('statechange', (e) => {
      this.changes.push(e)
      this.states.push(e.to)
      this.#changed()
    })
    conn.addEventListener('close', (e) => {
      this.closes.push(e)
      this.#changed()
    })
    conn.addEventListener('reconnecting', (e) => {
      this.reconnecting.push(e)
      this.#changed()
    })
    conn.addEventListener('drop', (e) => {
      this.drops.push(e)
      this.#changed()
    })
    conn.addEventListener('error', (e) => {
      this.errors.push(e.error)
      this.#changed()
    })
    conn.addEventListener('gave-up', (e) => {
      this.gaveUp.push(e.attempts)
      this.#changed()
    })
    conn.addEventListener('open', () => {
      this.opens++
      this.#changed()
    })
    conn.addEventListener('message', () => this.#changed())
  }

  /** The states as one string, for pattern assertions. */
  get path(): string {
    return this.states.join(' ')
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(
      check,
      () => `${what} (states so far: ${this.path})`,
      timeout,
      (wake) => {
        this.#listeners.add(wake)
        return () => this.#listeners.delete(wake)
      },
    )
  }

  /** Resolves at the next entry into `state` (counting from now). */
  next(state: string, timeout?: number): Promise<true> {
    const from = this.states.length
    return this.waitFor(() => this.states.indexOf(state, from) >= 0, `state ${state}`, timeout)
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}
