/**
 * The one options interface and the one place its defaults are resolved and
 * validated. Every field documents its behaviour, its edge values and its default.
 */
import type { InspectionEvent, Observer } from 'xstate'
import type { AttemptReason, BackoffPolicy, ConnectionInput } from '../machines/connection.js'
import { defaultShouldReconnect } from './close-policy.js'

/** What a WebSocket constructor must look like: the browser's, `ws`'s, or undici's. */
/** XState's clock interface (what `SimulatedClock` implements). */
export interface Clock {
  // `() => void`, not `(...args: never[]) => void`: XState's SimulatedClock declares
  // its callback as `(...args: any[]) => void`, which `never[]` rejects.
  setTimeout(fn: () => void, timeout: number): unknown
  clearTimeout(id: unknown): void
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

/** The part of the WebSocket interface heartline uses. */
export interface WebSocketLike {
  readonly readyState: number
  readonly protocol: string
  readonly bufferedAmount: number
  binaryType: string
  send(data: SendData): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: never) => void): void
  removeEventListener(type: string, listener: (event: never) => void): void
  /** `ws` only: destroys the TCP socket at once instead of waiting for the close handshake. */
  terminate?: () => void
}

/** Data `send()` accepts: what `WebSocket.send` accepts everywhere. */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob

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
  cause: string
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
   * Retries after consecutive failures before giving up (`closed`, `gave-up`).
   * 0 means never retry; `Infinity` means never give up. A whole number ≥ 0.
   * @default Infinity
   */
  maxAttempts?: number
  /**
   * Milliseconds a connection must stay open before the attempt counter resets,
   * so a server that accepts and drops at once cannot drive a tight loop. ≥ 0.
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
   * When full: `'reject'` refuses the new message (`send()` returns false and a
   * `drop` event fires); `'drop-oldest'` drops the oldest (reported by `drop`)
   * and keeps the new one.
   * @default 'reject'
   */
  overflow?: 'reject' | 'drop-oldest'
}

export interface ConnectionOptions {
  /**
   * The WebSocket constructor. Browsers and Node 22+ have one built in; on Node 20
   * pass `WebSocket` from the `ws` package.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor | (new (...args: never[]) => unknown)
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
   * retries after the backoff delay, `false` stops in `closed`, a number retries
   * after that many ms instead of the backoff delay (still counted against
   * `maxAttempts`). Never called for a close the application asked for (those
   * never reconnect). Replaces the default table entirely; call
   * `defaultShouldReconnect(close)` to refine it. A throw or any other return value
   * (a negative or non-finite number, a string, undefined…) is reported by an
   * `error` event carrying a TypeError or RangeError, and the default table decides.
   * @default defaultShouldReconnect (the close-code table in the README)
   */
  shouldReconnect?: (close: CloseDetails) => boolean | number
  /**
   * Where heartline listens for network and page lifecycle events: `online`,
   * `offline` and `pageshow` on `window`; `visibilitychange` and `resume` on
   * `document`. `false` listens to nothing. Missing targets (Node) are skipped.
   * Listeners are removed when the connection reaches `closed`.
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

export interface ResolvedHeartbeat {
  interval: number
  timeout: number
  ping: SendData | (() => SendData)
  isPong: (data: unknown) => boolean
  deliverPongs: boolean
}

export interface ResolvedOptions {
  WebSocket: WebSocketConstructor
  protocols: ProtocolsProvider | undefined
  binaryType: string | undefined
  heartbeat: ResolvedHeartbeat | false
  reconnect: BackoffPolicy | false
  connectTimeout: number
  closeTimeout: number
  queue: { max: number; overflow: 'reject' | 'drop-oldest' } | false
  shouldReconnect: (close: CloseDetails) => unknown
  lifecycle: LifecycleTargets | false
  clock: (Clock & { now?: () => number }) | undefined
  now: () => number
  random: () => number
  inspect: ConnectionOptions['inspect']
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
  queue: { max: 1000, overflow: 'reject' },
} as const

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`
  }
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'symbol') return `a symbol (${String(value)})`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

/** Names what arrived in an error message, the way every heartline error does. */
export { describe as describeValue }

function ms(
  name: string,
  value: unknown,
  fallback: number,
  { min, allowInfinity = false }: { min: 'zero' | 'positive'; allowInfinity?: boolean },
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(
      `heartline: \`${name}\` must be a number of milliseconds; got ${describe(value)}.`,
    )
  }
  const bad =
    (!allowInfinity && !Number.isFinite(value)) || (min === 'zero' ? value < 0 : value <= 0)
  if (bad) {
    const range = min === 'zero' ? '≥ 0' : '> 0'
    throw new RangeError(
      `heartline: \`${name}\` must be a finite number ${range}; got ${describe(value)}.`,
    )
  }
  return value
}

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value !== 'function') {
    throw new TypeError(`heartline: \`${name}\` must be a function; got ${describe(value)}.`)
  }
  return value as T
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RangeError(
      `heartline: \`${name}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}.`,
    )
  }
  return value as T
}

/** Rejects keys an options object does not know (a typo would otherwise be ignored silently). */
function knownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase())
    throw new TypeError(
      `heartline: unknown option \`${name}${key}\`${near ? ` (did you mean \`${name}${near}\`?)` : ''}; ` +
        `known ${name ? `\`${name.slice(0, -1)}\` options` : 'options'} are ${known.join(', ')}.`,
    )
  }
}

function section(
  name: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> | false | undefined {
  if (value === undefined || value === false) return value
  if (value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `heartline: \`${name}\` must be an options object, true (defaults) or false (off); got ${describe(value)}.`,
    )
  }
  knownKeys(`${name}.`, value as Record<string, unknown>, known)
  return value as Record<string, unknown>
}

/** RFC 6455 §4.1: each subprotocol is an HTTP token (RFC 7230 §3.2.6), and no duplicates. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function checkProtocols(value: string | string[]): void {
  const list = typeof value === 'string' ? [value] : value
  const seen = new Set<string>()
  for (const p of list) {
    if (!TOKEN.test(p)) {
      throw new SyntaxError(
        `heartline: \`protocols\` entries must be non-empty HTTP tokens (letters, digits and !#$%&'*+-.^_\`|~, no spaces, commas or quotes); got ${describe(p)}.`,
      )
    }
    if (seen.has(p)) {
      throw new SyntaxError(
        `heartline: \`protocols\` must not repeat a subprotocol; got ${describe(p)} twice.`,
      )
    }
    seen.add(p)
  }
}

/** True for a function usable with `new` (classes, functions, bound constructors), without calling it. */
function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function') return false
  try {
    Reflect.construct(String, [], value)
    return true
  } catch {
    return false
  }
}

function isSendData(value: unknown): value is SendData {
  return (
    typeof value === 'string' ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
  )
}

export { isSendData }

const KNOWN_KEYS = new Set([
  'WebSocket',
  'protocols',
  'binaryType',
  'heartbeat',
  'reconnect',
  'connectTimeout',
  'closeTimeout',
  'queue',
  'shouldReconnect',
  'clock',
  'random',
  'inspect',
  'lifecycle',
])

/** Resolves defaults and validates. Throws TypeError / RangeError naming the option. */
export function resolveOptions(options: ConnectionOptions | undefined): ResolvedOptions {
  if (
    options !== undefined &&
    (typeof options !== 'object' || options === null || Array.isArray(options))
  ) {
    throw new TypeError(`heartline: options must be an object; got ${describe(options)}.`)
  }
  const o = (options ?? {}) as Record<string, unknown>
  knownKeys('', o, [...KNOWN_KEYS])

  const ctor =
    o.WebSocket === undefined ? (globalThis as { WebSocket?: unknown }).WebSocket : o.WebSocket
  if (ctor === undefined) {
    throw new TypeError(
      'heartline: WebSocket implementation missing: this runtime has no global WebSocket. ' +
        "On Node 20 pass `WebSocket` from the `ws` package: createConnection(url, { WebSocket }) with `import WebSocket from 'ws'`.",
    )
  }
  if (!isConstructor(ctor)) {
    throw new TypeError(
      `heartline: \`WebSocket\` must be a WebSocket constructor (a class usable with \`new\`, such as \`WebSocket\` from the \`ws\` package); got ${typeof ctor === 'function' ? 'a function that cannot be called with new' : describe(ctor)}.`,
    )
  }

  const protocols = o.protocols
  if (
    protocols !== undefined &&
    typeof protocols !== 'string' &&
    typeof protocols !== 'function' &&
    !(Array.isArray(protocols) && protocols.every((p) => typeof p === 'string'))
  ) {
    throw new TypeError(
      `heartline: \`protocols\` must be a string, an array of strings or a function; got ${describe(protocols)}.`,
    )
  }
  if (typeof protocols === 'string' || Array.isArray(protocols)) checkProtocols(protocols)

  const binaryType =
    o.binaryType === undefined
      ? undefined
      : oneOf(
          'binaryType',
          o.binaryType,
          ['blob', 'arraybuffer', 'nodebuffer', 'fragments'],
          'blob',
        )

  const hb = section('heartbeat', o.heartbeat, [
    'interval',
    'timeout',
    'ping',
    'isPong',
    'deliverPongs',
  ])
  let heartbeat: ResolvedHeartbeat | false = false
  if (hb !== false) {
    const h = hb ?? {}
    const ping = h.ping === undefined ? DEFAULTS.heartbeat.ping : h.ping
    if (typeof ping !== 'function' && !isSendData(ping)) {
      throw new TypeError(
        `heartline: \`heartbeat.ping\` must be a string, binary data or a function returning one; got ${describe(ping)}.`,
      )
    }
    if (h.deliverPongs !== undefined && typeof h.deliverPongs !== 'boolean') {
      throw new TypeError(
        `heartline: \`heartbeat.deliverPongs\` must be a boolean; got ${describe(h.deliverPongs)}.`,
      )
    }
    heartbeat = {
      interval: ms('heartbeat.interval', h.interval, DEFAULTS.heartbeat.interval, {
        min: 'positive',
      }),
      timeout: ms('heartbeat.timeout', h.timeout, DEFAULTS.heartbeat.timeout, { min: 'positive' }),
      ping: ping as ResolvedHeartbeat['ping'],
      isPong: fn('heartbeat.isPong', h.isPong, DEFAULTS.heartbeat.isPong),
      deliverPongs: (h.deliverPongs as boolean | undefined) ?? DEFAULTS.heartbeat.deliverPongs,
    }
  }

  const rc = section('reconnect', o.reconnect, [
    'initialDelay',
    'maxDelay',
    'factor',
    'jitter',
    'maxAttempts',
    'stableAfter',
  ])
  let reconnect: BackoffPolicy | false = false
  if (rc !== false) {
    const r = rc ?? {}
    const initialDelay = ms(
      'reconnect.initialDelay',
      r.initialDelay,
      DEFAULTS.reconnect.initialDelay,
      {
        min: 'zero',
      },
    )
    const maxDelay = ms(
      'reconnect.maxDelay',
      r.maxDelay,
      Math.max(DEFAULTS.reconnect.maxDelay, initialDelay),
      {
        min: 'zero',
      },
    )
    if (maxDelay < initialDelay) {
      throw new RangeError(
        `heartline: \`reconnect.maxDelay\` (${maxDelay}) must be ≥ \`reconnect.initialDelay\` (${initialDelay}).`,
      )
    }
    let factor: number = DEFAULTS.reconnect.factor
    if (r.factor !== undefined) {
      if (typeof r.factor !== 'number' || Number.isNaN(r.factor)) {
        throw new TypeError(
          `heartline: \`reconnect.factor\` must be a number; got ${describe(r.factor)}.`,
        )
      }
      if (!Number.isFinite(r.factor) || r.factor < 1) {
        throw new RangeError(
          `heartline: \`reconnect.factor\` must be a finite number ≥ 1; got ${describe(r.factor)}.`,
        )
      }
      factor = r.factor
    }
    let maxAttempts: number = DEFAULTS.reconnect.maxAttempts
    if (r.maxAttempts !== undefined) {
      if (typeof r.maxAttempts !== 'number' || Number.isNaN(r.maxAttempts)) {
        throw new TypeError(
          `heartline: \`reconnect.maxAttempts\` must be a number; got ${describe(r.maxAttempts)}.`,
        )
      }
      if (
        r.maxAttempts < 0 ||
        (Number.isFinite(r.maxAttempts) && !Number.isInteger(r.maxAttempts))
      ) {
        throw new RangeError(
          `heartline: \`reconnect.maxAttempts\` must be a whole number ≥ 0 or Infinity; got ${describe(r.maxAttempts)}.`,
        )
      }
      maxAttempts = r.maxAttempts
    }
    reconnect = {
      initialDelay,
      maxDelay,
      factor,
      jitter: oneOf('reconnect.jitter', r.jitter, ['full', 'none'], DEFAULTS.reconnect.jitter),
      maxAttempts,
      stableAfter: ms('reconnect.stableAfter', r.stableAfter, DEFAULTS.reconnect.stableAfter, {
        min: 'zero',
      }),
    }
  }

  const q = section('queue', o.queue, ['max', 'overflow'])
  let queue: ResolvedOptions['queue'] = false
  if (q !== false) {
    const qq = q ?? {}
    let max: number = DEFAULTS.queue.max
    if (qq.max !== undefined) {
      if (typeof qq.max !== 'number' || Number.isNaN(qq.max)) {
        throw new TypeError(`heartline: \`queue.max\` must be a number; got ${describe(qq.max)}.`)
      }
      if (!Number.isInteger(qq.max) || qq.max < 1) {
        throw new RangeError(
          `heartline: \`queue.max\` must be a whole number ≥ 1 (use \`queue: false\` for no queue); got ${describe(qq.max)}.`,
        )
      }
      max = qq.max
    }
    queue = {
      max,
      overflow: oneOf(
        'queue.overflow',
        qq.overflow,
        ['reject', 'drop-oldest'],
        DEFAULTS.queue.overflow,
      ),
    }
  }

  const clock = o.clock as ResolvedOptions['clock']
  if (
    clock !== undefined &&
    (typeof clock !== 'object' ||
      clock === null ||
      typeof clock.setTimeout !== 'function' ||
      typeof clock.clearTimeout !== 'function')
  ) {
    throw new TypeError(
      `heartline: \`clock\` must have setTimeout and clearTimeout (an XState clock such as SimulatedClock); got ${describe(clock)}.`,
    )
  }
  const now =
    clock && typeof clock.now === 'function'
      ? () => (clock.now as () => number)()
      : () => Date.now()

  if (
    o.inspect !== undefined &&
    typeof o.inspect !== 'function' &&
    (typeof o.inspect !== 'object' || o.inspect === null)
  ) {
    throw new TypeError(
      `heartline: \`inspect\` must be a function or an observer object; got ${describe(o.inspect)}.`,
    )
  }

  return {
    WebSocket: ctor as WebSocketConstructor,
    protocols: protocols as ProtocolsProvider | undefined,
    binaryType,
    heartbeat,
    reconnect,
    connectTimeout: ms('connectTimeout', o.connectTimeout, DEFAULTS.connectTimeout, {
      min: 'positive',
    }),
    closeTimeout: ms('closeTimeout', o.closeTimeout, DEFAULTS.closeTimeout, { min: 'zero' }),
    queue,
    shouldReconnect: fn('shouldReconnect', o.shouldReconnect, defaultShouldReconnect),
    lifecycle: resolveLifecycle(o.lifecycle),
    clock,
    now,
    random: fn('random', o.random, Math.random),
    inspect: o.inspect as ConnectionOptions['inspect'],
  }
}

function isEventTarget(value: unknown): value is EventTarget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EventTarget).addEventListener === 'function' &&
    typeof (value as EventTarget).removeEventListener === 'function'
  )
}

function resolveLifecycle(value: unknown): LifecycleTargets | false {
  if (value === false) return false
  if (value === undefined) {
    const g = globalThis as { window?: unknown; document?: unknown }
    const targets: LifecycleTargets = {}
    if (isEventTarget(g.window)) targets.window = g.window
    if (isEventTarget(g.document)) targets.document = g.document as LifecycleTargets['document']
    return targets
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `heartline: \`lifecycle\` must be false or { window?, document? } event targets; got ${describe(value)}.`,
    )
  }
  const v = value as Record<string, unknown>
  const targets: LifecycleTargets = {}
  for (const key of ['window', 'document'] as const) {
    const target = v[key]
    if (target === undefined) continue
    if (!isEventTarget(target)) {
      throw new TypeError(
        `heartline: \`lifecycle.${key}\` must be an EventTarget (addEventListener/removeEventListener); got ${describe(target)}.`,
      )
    }
    targets[key] = target
  }
  return targets
}

/** The numbers the chart needs, from resolved options. */
export function chartInput(options: ResolvedOptions): ConnectionInput {
  return {
    heartbeat:
      options.heartbeat === false
        ? false
        : { interval: options.heartbeat.interval, timeout: options.heartbeat.timeout },
    reconnect: options.reconnect,
    connectTimeout: options.connectTimeout,
    closeTimeout: options.closeTimeout,
  }
}

/** Validates a URL: ws:, wss:, or http(s): (mapped as the WHATWG WebSocket does), with a host. */
export function checkUrl(value: unknown, name = 'url'): string {
  let url: URL
  if (value instanceof URL) url = value
  else if (typeof value === 'string') {
    try {
      url = new URL(value)
    } catch {
      const authority = value.replace(/^[a-z][a-z0-9+.-]*:\/*/i, '').split(/[/?#]/)[0] ?? ''
      const host = authority.replace(/^.*@/, '').replace(/:\d*$/, '')
      const problem = !/^[a-z][a-z0-9+.-]*:/i.test(value)
        ? 'is not an absolute URL (WebSocket URLs have no base to resolve against)'
        : /^(wss?|https?):/i.test(value) && host === ''
          ? 'has no host'
          : 'is not a valid URL'
      throw new SyntaxError(
        `heartline: \`${name}\` ${problem}; got ${describe(value)}. Use ws://host/path or wss://host/path.`,
      )
    }
  } else {
    throw new TypeError(
      `heartline: \`${name}\` must be a string, a URL or a function returning one; got ${describe(value)}.`,
    )
  }
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SyntaxError(
      `heartline: \`${name}\` must use ws: or wss: (http: and https: are mapped to them); got ${JSON.stringify(url.protocol)} in ${describe(String(value))}.`,
    )
  }
  if (url.hostname === '') {
    throw new SyntaxError(`heartline: \`${name}\` has no host; got ${describe(String(value))}.`)
  }
  // `hash` reads '' for a bare '#', which is still a fragment.
  if (url.href.includes('#')) {
    throw new SyntaxError(
      `heartline: \`${name}\` must not have a fragment (WebSocket URLs cannot); got ${describe(String(value))}.`,
    )
  }
  return url.href
}
