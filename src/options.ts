/**
 * The one options interface, with the defaults. Every field documents its
 * behaviour, its edge values and its default (the README's options table and
 * docs/options.md are generated from these comments). Validation lives in
 * resolve-options.ts.
 */
import type { InspectionEvent, Observer } from 'xstate'
import type { AttemptReason, CloseCause } from '../machines/connection.js'
import type { LayerFactory } from './layer.js'
import type { SendData, WebSocketConstructor } from './socket-types.js'

export type {
  SendData,
  WebSocketConstructor,
  WebSocketInstance,
  WebSocketLike,
} from './socket-types.js'

/** XState's clock interface (what `SimulatedClock` implements). */
export interface Clock {
  // `() => void`, not `(...args: never[]) => void`: XState's SimulatedClock declares
  // its callback as `(...args: any[]) => void`, which `never[]` rejects.
  setTimeout(fn: () => void, timeout: number): unknown
  clearTimeout(id: unknown): void
}

/** Details handed to a `url` or `protocols` function before each attempt. */
export interface AttemptInfo {
  /** Failed attempts before this one: 0 for the first socket and after a stable connection. */
  attempt: number
  /** Why this socket is opened. */
  reason: AttemptReason
}

export type UrlProvider =
  | string
  | URL
  | ((info: AttemptInfo) => string | URL | Promise<string | URL>)
export type ProtocolsProvider =
  | string
  | string[]
  | ((info: AttemptInfo) => string | string[] | Promise<string | string[]>)

/** How a socket ended, as `shouldReconnect` and the `close` event see it. */
export interface CloseDetails {
  code: number
  reason: string
  wasClean: boolean
  /** Why heartline considers the socket ended: `server-close`, `heartbeat-timeout`, … */
  cause: CloseCause
}

export interface HeartbeatOptions {
  /**
   * Milliseconds of inbound silence before a ping is sent. Any inbound message
   * counts, so a busy connection never pings. Must be a finite number > 0.
   * @default 15000
   */
  interval?: number
  /**
   * Milliseconds to wait for any inbound message after a ping before the link is
   * declared dead and the socket closed (`heartbeat-timeout`). Finite, > 0.
   * @default 10000
   */
  timeout?: number
  /**
   * The ping's data, or a function returning it (called for every ping, for
   * example to include a timestamp).
   * @default 'ping'
   */
  ping?: SendData | (() => SendData)
  /**
   * Recognises heartbeat replies. Matching messages prove the link like any other
   * message, but are not delivered to the application (see `deliverPongs`).
   * @default (data) => data === 'pong'
   */
  isPong?: (data: unknown) => boolean
  /**
   * Deliver messages that `isPong` matches to the application's `message`
   * listeners as well.
   * @default false
   */
  deliverPongs?: boolean
}

export interface ReconnectOptions {
  /**
   * The backoff ceiling of the first retry, in ms. 0 allowed (retry at once).
   * @default 1000
   */
  initialDelay?: number
  /**
   * The largest ceiling, in ms. Must be ≥ `initialDelay`.
   * @default 30000
   */
  maxDelay?: number
  /**
   * Growth of the ceiling per failed attempt: `initialDelay * factor^attempt`. ≥ 1.
   * @default 2
   */
  factor?: number
  /**
   * `'full'`: the delay is uniform in [0, ceiling) (AWS's "full jitter", which
   * spreads a herd of clients with the least work; RFC 6455 §7.2.3 asks for a
   * randomised first delay). `'none'`: the delay is the ceiling.
   * @default 'full'
   */
  jitter?: 'full' | 'none'
  /**
   * Retries after consecutive failures before giving up (`closed`, `giveup`).
   * 0 means never retry; `Infinity` means never give up. A whole number ≥ 0.
   * @default Infinity
   */
  maxAttempts?: number
  /**
   * Milliseconds a connection must stay open before the attempt counter resets,
   * so a server that accepts and drops at once cannot drive a tight loop. Only such
   * a connection makes a server's hinted retry free (docs/retry-hint.md). ≥ 0.
   * @default 5000
   */
  stableAfter?: number
}

export interface QueueOptions {
  /**
   * The most messages held while not open. A whole number ≥ 1.
   * @default 1000
   */
  max?: number
  /**
   * The most bytes held while not open, counted as `bufferedAmount` counts them
   * (UTF-8 for text). A message larger than this is never queued. A whole
   * number ≥ 1, or Infinity.
   * @default Infinity
   */
  maxBytes?: number
  /**
   * When full (by count or bytes): `'reject'` refuses the new message (`send()` returns false and a
   * `drop` event fires, reason `queue-full`); `'drop-oldest'` drops the oldest
   * until the new one fits (each reported by `drop`, reason `queue-overflow`)
   * and keeps it.
   * @default 'reject'
   */
  overflow?: 'reject' | 'drop-oldest'
}

export interface ConnectionOptions {
  /**
   * The WebSocket constructor. Browsers and Node 22+ have one built in; on Node 20
   * pass `WebSocket` from the `ws` package. Checked at creation: a class whose
   * prototype lacks `send`, `close` and `addEventListener` (and that has no static
   * `CONNECTING` 0 and `OPEN` 1) is refused with a TypeError.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor
  /**
   * Subprotocols: a string, a list, or a function called before every attempt
   * (sync or async).
   * @default undefined (none)
   */
  protocols?: ProtocolsProvider
  /**
   * Applied to every new socket.
   * @default the implementation's own ('blob' in browsers, 'nodebuffer' in ws)
   */
  binaryType?: 'blob' | 'arraybuffer' | 'nodebuffer' | 'fragments'
  /**
   * The app-level heartbeat, or `false` for none.
   * @default { interval: 15000, timeout: 10000, ping: 'ping', isPong: (d) => d === 'pong' }
   */
  heartbeat?: HeartbeatOptions | false
  /**
   * Reconnection with exponential backoff, or `false` to stop at the first close.
   * @default { initialDelay: 1000, maxDelay: 30000, factor: 2, jitter: 'full', maxAttempts: Infinity, stableAfter: 5000 }
   */
  reconnect?: ReconnectOptions | false
  /**
   * Milliseconds an attempt may take to open before it is abandoned (the socket is
   * dropped, not awaited) and counted as failed. Finite, > 0.
   * @default 10000
   */
  connectTimeout?: number
  /**
   * The longest `closing` ever waits for the close event, in ms. After it the
   * socket is abandoned: on a dead path Chromium would wait 60 s, Firefox 20 s and
   * `ws` 30 s. Finite, ≥ 0.
   * @default 1000
   */
  closeTimeout?: number
  /**
   * The outgoing queue for `send()` while not open (flushed in order on open), or
   * `false` to refuse such sends (each reported by a `drop` event).
   * @default { max: 1000, overflow: 'reject' }
   */
  queue?: QueueOptions | false
  /**
   * Decides whether a close the application did not ask for is retried: `true`
   * retries after the backoff delay, or, when the server's close reason carries a
   * retry hint (`retry-after=<ms>ms`, docs/retry-hint.md), after the hint (never less
   * than the backoff ceiling, jittered, within `maxDelay`; free only after a connection
   * that stayed up for `stableAfter`, else counted); `false` stops in `closed`; a number retries
   * after that many ms instead of the backoff delay (still counted against
   * `maxAttempts`). Never called for a close the application asked for (those
   * never reconnect). Replaces the default table entirely; call
   * `defaultShouldReconnect(close)` to refine it. A throw or any other return value
   * (a negative or non-finite number, a string, undefined…) is reported by an
   * `error` event carrying a TypeError or RangeError, and the default table decides.
   * @default defaultShouldReconnect (the close-code table in docs/close-codes.md; a retry hint never overrides it)
   */
  shouldReconnect?: (close: CloseDetails) => boolean | number
  /**
   * Where heartline listens for network and page lifecycle events: `online`,
   * `offline` and `pageshow` on `window`; `visibilitychange` and `resume` on
   * `document`. `false` listens to nothing. Missing targets (Node) are skipped.
   * Listeners are removed when the connection reaches `closed` and added back
   * (with `navigator.onLine` read again) when it leaves it.
   * @default { window: globalThis.window, document: globalThis.document }
   */
  lifecycle?: LifecycleTargets | false
  /**
   * XState clock driving every timer (for tests: `new SimulatedClock()`). If it
   * has `now()`, heartline measures silence with it too.
   * @default real timers and Date.now
   */
  clock?: Clock & { now?: () => number }
  /**
   * Random source for jitter: returns a number in [0, 1).
   * @default Math.random
   */
  random?: () => number
  /**
   * An XState inspection observer handed to the actor (the inspector uses it).
   * @default undefined
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void)
  /**
   * Create the connection in `closed`, with no socket and no timer, and make the
   * first attempt when `reconnect()` is called (reconnecting-websocket's
   * `startClosed`, socket.io's `autoConnect: false`). As in any `closed`, `send()`
   * before that is refused (`drop` with reason `closed`); the first attempt's
   * reason is `manual`.
   * @default false
   */
  startClosed?: boolean
  /**
   * Resumable sessions: `resume(options)` from `heartline/resume`. Every message
   * is numbered and kept until the server acknowledges it; after a reconnect
   * both sides replay what the other missed (`resumed` event), or the client
   * learns that the server no longer had the session (`reset` event, with the
   * lost counts). Needs a server that speaks the resume protocol
   * (`acceptSessions` from `heartline/server`). The outgoing `queue` is not used
   * then: the session's own bound (`maxBytes`) applies.
   * @default undefined (off)
   */
  resume?: LayerFactory
}

/** Event targets for network and page lifecycle events (see the `lifecycle` option). */
export interface LifecycleTargets {
  /**
   * Heard for `online`, `offline` and `pageshow` (a page restored from the
   * back/forward cache).
   * @default globalThis.window (none in Node)
   */
  window?: EventTarget
  /**
   * Heard for `visibilitychange` (to visible) and `resume` (unfrozen).
   * @default globalThis.document (none in Node)
   */
  document?: EventTarget & { visibilityState?: string }
}

export const DEFAULTS = {
  heartbeat: {
    interval: 15_000,
    timeout: 10_000,
    ping: 'ping',
    isPong: (data: unknown) => data === 'pong',
    deliverPongs: false,
  },
  reconnect: {
    initialDelay: 1000,
    maxDelay: 30_000,
    factor: 2,
    jitter: 'full',
    maxAttempts: Number.POSITIVE_INFINITY,
    stableAfter: 5000,
  },
  connectTimeout: 10_000,
  closeTimeout: 1000,
  queue: { max: 1000, maxBytes: Number.POSITIVE_INFINITY, overflow: 'reject' },
} as const
