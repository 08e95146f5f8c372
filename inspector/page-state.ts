/**
 * What every panel of the page shares: the sessions (this page's connection,
 * attached apps, opened recordings), which one is shown, and the moment shown
 * (live, or a frame picked on the timeline). Panels subscribe to changes here
 * instead of calling one another.
 */
import type { Connection } from '../src/index.js'
import type { SharedConnection } from '../src/shared/index.js'
import type { Frame, Session } from './session.js'

type Topic = 'sessions' | 'select' | 'change' | 'rows' | 'travel'

class PageState {
  readonly sessions = new Map<string, Session>()
  current = 'local'
  /** The page's own connection (null until the server said where it is); shared across tabs with `?shared=1`. */
  conn: Connection | SharedConnection | null = null
  /** Leaf states the chart highlighted for the current session, in order (tests read it). */
  readonly shown: string[] = []
  /** The frame time travel shows; null: live. */
  travel: Frame | null = null
  readonly #subscribers = new Map<Topic, Set<(detail: unknown) => void>>()

  session(): Session | undefined {
    return this.sessions.get(this.current)
  }

  on(topic: Topic, fn: (detail: unknown) => void): void {
    const set = this.#subscribers.get(topic) ?? new Set()
    set.add(fn)
    this.#subscribers.set(topic, set)
  }

  emit(topic: Topic, detail?: unknown): void {
    for (const fn of this.#subscribers.get(topic) ?? []) fn(detail)
  }

  add(session: Session): void {
    this.sessions.set(session.id, session)
    // A replaced session (the page's previous connection, closing) draws nothing.
    const shown = () => this.sessions.get(this.current) === session
    session.onChange = (edges) => {
      if (shown() && this.travel === null) this.emit('change', edges)
    }
    session.onRow = () => {
      if (shown()) this.emit('rows')
    }
    this.emit('sessions')
  }

  select(id: string): void {
    if (!this.sessions.has(id)) return
    this.current = id
    this.travel = null
    this.shown.length = 0
    this.emit('sessions')
    this.emit('select')
  }
}

export const page = new PageState()
