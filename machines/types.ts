/**
 * The chart's vocabulary: its input and context, the events it takes, the
 * commands it gives the socket actor and what it emits. Plain data only, so
 * snapshots stay serialisable and the inspector can show all of it.
 */

/** The six states an application sees. */
export const STATE_NAMES = [
  'connecting',
  'open',
  'awaitingPong',
  'closing',
  'waitingToReconnect',
  'closed',
] as const
export type ConnectionStateName = (typeof STATE_NAMES)[number]

/**
 * Why a socket ended (or why `closing` was entered), as the `close` event,
 * `shouldReconnect` and `metrics` report it. `leader-gone` is heartline/shared's
 * own: the tab holding the shared socket went away (this chart never ends a
 * socket with it).
 */
export type CloseCause =
  | 'user'
  | 'server-close'
  | 'error'
  | 'heartbeat-timeout'
  | 'connect-timeout'
  | 'manual'
  | 'network'
  | 'leader-gone'
  /** A delivery layer (such as resume) found its protocol broken and ended the socket. */
  | 'protocol-error'

/** Why a socket is being opened: the first one, or the cause that ended the previous one. */
export type AttemptReason = 'initial' | Exclude<CloseCause, 'user' | 'leader-gone'>

export interface HeartbeatTimings {
  /** ms of inbound silence before a ping is sent. */
  interval: number
  /** ms to wait for any inbound message after a ping. */
  timeout: number
}

export interface BackoffPolicy {
  initialDelay: number
  maxDelay: number
  factor: number
  jitter: 'full' | 'none'
  maxAttempts: number
  stableAfter: number
}

/** What the chart needs to know, all of it numbers and strings. */
export interface ConnectionInput {
  heartbeat: HeartbeatTimings | false
  reconnect: BackoffPolicy | false
  connectTimeout: number
  closeTimeout: number
  /**
   * Whether there is a page to watch (network and page lifecycle events). False
   * runs no `pageLifecycle` actor at all, which saves its heap where there are no
   * targets (Node). Default true.
   */
  watchPage?: boolean
}

export interface CloseInfo {
  code: number
  reason: string
  wasClean: boolean
  cause: CloseCause
}

/**
 * The close policy's answer for one socket end: retry after the backoff delay,
 * stop, retry after this many ms instead of the backoff delay, or retry when the
 * server's close reason asked (`{ hint }`, docs/retry-hint.md): that retry waits
 * the hint, never less than the backoff ceiling of its attempt, with jitter, within
 * `maxDelay`; it counts as a failed attempt unless the socket had stayed open for
 * `stableAfter`.
 */
export type ReconnectVerdict = 'retry' | 'stop' | number | { readonly hint: number }

export interface ConnectionContext extends ConnectionInput {
  /** Failed attempts since the last connection that stayed open for `stableAfter`. */
  attempt: number
  /**
   * Whether the current (or last) socket stayed open for `stableAfter`: only then
   * is a hinted retry free (a server that accepts and closes with a hint at once
   * would otherwise drive retries that never count).
   */
  stable: boolean
  /** The delay of the pending (or last) reconnect, in ms. */
  retryDelay: number
  /** ms until the next silence check while `open`. */
  pingDelay: number
  /** Why the current socket is being closed (`user` once the application called `close()`); null while nobody asked. */
  closeCause: CloseCause | null
  /**
   * The code and reason the application passed to `close()`; no code means a
   * close frame without a status (the peer reads 1005, RFC 6455 §7.1.5).
   */
  closeRequest: { code?: number; reason: string } | null
  /** The last socket end, as reported to the application. */
  lastClose: CloseInfo | null
  /** What the close policy answered for the last socket end (carried by its `socket.close`); null when not asked. */
  reconnectVerdict: ReconnectVerdict | null
  /** Why the next (or current) socket is opened. */
  attemptReason: AttemptReason
  /** False between a `network.offline` and the next `network.online`: no attempt starts then. */
  online: boolean
  /** Whether the `pageLifecycle` actor runs (the input's `watchPage`). */
  watchPage: boolean
}

/** Events the socket actor sends to the chart. */
export type SocketEvent =
  | { type: 'socket.open'; protocol: string }
  /**
   * The socket ended. The socket actor asks the close policy before it reports
   * the end, so the report carries the answer: `verdict` (absent when nobody
   * reads it: the application asked for the close, or reconnect is off; an end
   * reported without one is retried) and `draw`, a number in [0, 1) for the
   * retry's jitter (absent when the retry needs none; then a full-jitter retry
   * waits the top of its window).
   */
  | {
      type: 'socket.close'
      code: number
      reason: string
      wasClean: boolean
      verdict?: ReconnectVerdict
      draw?: number
    }
  | { type: 'socket.error'; error: unknown }
  /** Answer to `heartbeat.check`: how long the socket has been silent. */
  | { type: 'heartbeat.silence'; silentFor: number }
  /** First inbound message after a ping. `rtt` is ms from the ping. */
  | { type: 'heartbeat.alive'; rtt: number }
  /**
   * Answer to `heartbeat.deadline`: ms since the pending ping was sent (null when
   * none is pending), and whether anything arrived after it.
   */
  | { type: 'heartbeat.waited'; waited: number | null; trafficSincePing: boolean }

/** Events the application sends (through the adapter, after validation). */
export type AppEvent =
  | { type: 'app.close'; code?: number; reason: string }
  | { type: 'app.reconnect' }
  /** The page came back (visible again, unfrozen, restored): timers may have slept. */
  | { type: 'app.resume' }
  /** `send()` found the pong deadline already passed while its timer has not fired. */
  | { type: 'heartbeat.overdue' }
  /** A delivery layer ends the current socket with this code and reason (its protocol broke). */
  | { type: 'layer.close'; code: number; reason: string }

/** What the page-lifecycle actor reports from the environment (browser `offline` / `online`). */
export type NetworkEvent = { type: 'network.offline' } | { type: 'network.online' }

export type ConnectionEvent = SocketEvent | AppEvent | NetworkEvent

/** Commands the chart sends to the socket actor. */
export type SocketCommand =
  /** Close the socket; `cause` is why, which the end's report hands to the close policy. */
  | { type: 'socket.close'; code?: number; reason: string; cause: CloseCause }
  /** The application closed while the socket was already closing: its end is now the application's. */
  | { type: 'socket.cause'; cause: CloseCause }
  | { type: 'heartbeat.ping' }
  | { type: 'heartbeat.check' }
  /** The pong deadline came: how long since the ping, and was there traffic after it? */
  | { type: 'heartbeat.deadline' }

/** What the chart emits for the adapter to turn into application events. */
export type ConnectionEmitted =
  | { type: 'open' }
  | { type: 'error'; error: unknown }
  | ({ type: 'close'; willReconnect: boolean } & CloseInfo)
  | { type: 'reconnecting'; attempt: number; delay: number }
  | { type: 'gave-up'; attempts: number }

export interface SocketActorInput {
  /** Failed attempts before this one (0 for the first socket and after a stable connection). */
  attempt: number
  /** Why this socket is opened. */
  reason: AttemptReason
}

export interface PageLifecycleInput {
  /** What the chart believes about the network when the actor starts. */
  online: boolean
}

/** Close code the chart asks for when it ends a socket itself (RFC 6455 §7.4.2: 4000–4999 are private). */
export const HEARTBEAT_TIMEOUT_CODE = 4000
/** Reported for sockets abandoned without a close frame, as browsers do (RFC 6455 §7.1.5). */
export const ABNORMAL_CLOSURE = 1006
/**
 * A pong deadline seen more than this many ms after it was due means the timers
 * slept (a frozen tab, a suspended laptop, intensive background throttling, which
 * Chromium aligns to one minute): the link is probed again instead of declared dead.
 */
export const LATE_TIMER_MS = 1000
