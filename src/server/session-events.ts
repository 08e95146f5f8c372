/**
 * What a server session tells its application (events, their details), what
 * the session manager hands each session, and what a session hands its
 * inbound and outbound sides.
 */
import type { IncomingMessage } from 'node:http'
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

/** A socket attached to a session: the `attach` event's details. */
export interface SessionAttachInfo {
  socket: WebSocket
  /** The socket's upgrade request (headers, address): who came for the session. */
  request: IncomingMessage
  /** True when the session continued; false for a new one. */
  resumed: boolean
}

export interface SessionEvents {
  message: [data: string | Buffer, info: SessionMessageInfo]
  drop: [data: string | Buffer, reason: SessionDropReason]
  attach: [info: SessionAttachInfo]
  detach: []
  close: [info: SessionCloseInfo]
}

export interface SessionServerEvents {
  /** A new session started, or a session this process did not hold came to it. */
  session: [session: Session]
  /** A socket was attached to a session (new or resumed), with its upgrade request. */
  attach: [session: Session, info: SessionAttachInfo]
  /** A store call failed (the socket is closed; the client resumes later). */
  error: [error: unknown]
}

/** Settings the session manager passes to each session. */
export interface SessionSettings {
  store: SessionStore
  ackDelay: number
  ackEvery: number
  handoverGrace: number
  /** Milliseconds a closed socket may take to answer before it is terminated. */
  closeTimeout: number
  forget(session: Session): void
  error(error: unknown): void
  attached(session: Session, info: SessionAttachInfo): void
}

/** What a session's inbound and outbound sides share from it. */
export interface SessionCore {
  /** The session's key in the store (its id, scoped by its principal). */
  readonly key: string
  readonly settings: SessionSettings
  /** The ownership token of the current claim. */
  epoch(): number
  /** The attached socket once welcomed, else null. */
  writable(): WebSocket | null
  /**
   * A store call on the session's chain (see `Session`): `issue` makes the call
   * (at once, or after a claim in flight), `handle` handles its result in turn.
   */
  run<T>(issue: () => Promise<T>, handle?: (result: T) => unknown): Promise<T>
  /** Another process owns the session now: it ends. */
  moved(): void
}
