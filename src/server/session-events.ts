/**
 * What a server session tells its application (events, their details), what
 * the session manager hands each session, and what a session hands its
 * inbound and outbound sides.
 */
import type { WebSocket } from 'ws'
import type { Session } from './session.js'
import type { SessionStore } from './store.js'

/** What the `message` listener gets besides the data. */
export interface SessionMessageInfo {
  /** The client's seq for this message (1, 2, …; a reset starts again at 1). */
  seq: number
  /** True for a binary message (the data is a Buffer). */
  binary: boolean
  /**
   * True when a process that owned the session before may have handed this
   * message to its application just before it died (a store that survives
   * processes, such as Redis). An application whose effects outlive the process
   * records `seq` with them to skip it.
   */
  redelivered: boolean
}

/**
 * `buffer-full`: the session's `maxBytes` is full; `closed`: the session ended;
 * `moved`: another process owns the session now; `store-failed`: the store
 * refused the write (for example Redis down).
 */
export type SessionDropReason = 'buffer-full' | 'closed' | 'moved' | 'store-failed'

export interface SessionCloseInfo {
  /** `closed`: by `close()`; `expired`: the client stayed away longer than the ttl; `moved`: another process owns it now. */
  reason: 'closed' | 'expired' | 'moved'
  /** Server messages the client never acknowledged (counted by this process). */
  unacknowledged: number
}

export interface SessionEvents {
  message: [data: string | Buffer, info: SessionMessageInfo]
  drop: [data: string | Buffer, reason: SessionDropReason]
  attach: []
  detach: []
  close: [info: SessionCloseInfo]
}

/** Settings the session manager passes to each session. */
export interface SessionSettings {
  store: SessionStore
  ackDelay: number
  ackEvery: number
  handoverGrace: number
  forget(session: Session): void
  error(error: unknown): void
}

/** What a session's inbound and outbound sides share from it. */
export interface SessionCore {
  readonly id: string
  readonly settings: SessionSettings
  /** The ownership token of the current claim. */
  epoch(): number
  /** The attached socket once welcomed, else null. */
  writable(): WebSocket | null
  /** A store call on the session's chain (see `Session`). */
  run<T>(call: Promise<T>, handle?: (result: T) => unknown): void
  /** Another process owns the session now: it ends. */
  moved(): void
}
