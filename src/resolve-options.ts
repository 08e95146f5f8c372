/**
 * Resolves the options: defaults applied in one place, every value validated.
 * Each error names the option, what arrived and what is allowed.
 *
 * Table-driven: `OPTIONS` and the three section tables hold one check per option,
 * in the order the errors list them; a check returns the option's resolved value
 * (its default when undefined) or throws. Messages come from one template
 * (option-kinds.ts, with the kinds of check built on it), so each
 * reads `heartline: \`name\` must <be what is allowed>; got <what arrived>.`
 */

import { DEV } from '#dev'
import type { BackoffPolicy, ConnectionInput } from '../machines/connection.js'
import { defaultShouldReconnect } from './close-policy.js'
import { describeValue as describe } from './describe.js'
import { coded } from './error-code.js'
import type { LayerFactory } from './layer.js'
import {
  checkProtocols,
  isSendData,
  knownKeys,
  notWebSocketClass,
  resolveLifecycle,
} from './option-checks.js'
import {
  aBoolean,
  aFunction,
  type Check,
  kind,
  number,
  oneOf,
  positiveMs,
  sectionOf,
  sharedDefaults,
  zeroOrMoreMs,
} from './option-kinds.js'
import {
  type Clock,
  type CloseDetails,
  type ConnectionOptions,
  DEFAULTS,
  type LifecycleTargets,
  type ProtocolsProvider,
  type SendData,
  type WebSocketLike,
} from './options.js'

export interface ResolvedHeartbeat {
  interval: number
  timeout: number
  ping: SendData | (() => SendData)
  isPong: (data: unknown) => boolean
  deliverPongs: boolean
}

export interface ResolvedOptions {
  /** Checked to be WebSocket-like (checkWebSocketClass); heartline's view of it. */
  WebSocket: new (
    url: string,
    protocols?: string | string[],
  ) => WebSocketLike
  protocols: ProtocolsProvider | undefined
  binaryType: string | undefined
  heartbeat: ResolvedHeartbeat | false
  reconnect: BackoffPolicy | false
  connectTimeout: number
  closeTimeout: number
  queue: { max: number; maxBytes: number; overflow: 'reject' | 'drop-oldest' } | false
  shouldReconnect: (close: CloseDetails) => unknown
  lifecycle: LifecycleTargets | false
  clock: (Clock & { now?: () => number }) | undefined
  now: () => number
  random: () => number
  inspect: ConnectionOptions['inspect']
  resume: LayerFactory | undefined
  startClosed: boolean
}

const HEARTBEAT: Record<keyof ResolvedHeartbeat, Check> = {
  interval: positiveMs,
  timeout: positiveMs,
  ping: kind(
    DEV ? 'be a string, binary data or a function returning one' : '',
    (v) => typeof v === 'function' || isSendData(v),
  ),
  isPong: aFunction,
  deliverPongs: aBoolean,
}

const RECONNECT: Record<keyof BackoffPolicy, Check> = {
  initialDelay: zeroOrMoreMs,
  maxDelay: zeroOrMoreMs,
  factor: number('', DEV ? 'be a finite number ≥ 1' : '', (n) => Number.isFinite(n) && n >= 1),
  jitter: oneOf('full', 'none'),
  maxAttempts: number(
    '',
    DEV ? 'be a whole number ≥ 0 or Infinity' : '',
    (n) => n >= 0 && (!Number.isFinite(n) || Number.isInteger(n)),
  ),
  stableAfter: zeroOrMoreMs,
}

const QUEUE: Record<'max' | 'maxBytes' | 'overflow', Check> = {
  max: number(
    '',
    DEV ? 'be a whole number ≥ 1 (use `queue: false` for no queue)' : '',
    (n) => Number.isInteger(n) && n >= 1,
  ),
  maxBytes: number(
    '',
    DEV ? 'be a whole number ≥ 1 or Infinity' : '',
    (n) => n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 1),
  ),
  overflow: oneOf('reject', 'drop-oldest'),
}

const resolveReconnect = sectionOf(RECONNECT, DEFAULTS.reconnect)

/** The clock of a connection without an injected one (shared, not one closure each). */
const dateNow = () => Date.now()

/** Every option in the order the "known options" message lists them (and errors are raised). */
const OPTIONS: Record<keyof ConnectionOptions, Check> = {
  WebSocket: (given) => {
    const ctor = given === undefined ? (globalThis as { WebSocket?: unknown }).WebSocket : given
    if (ctor === undefined) {
      throw new TypeError(
        DEV
          ? 'heartline: WebSocket implementation missing: this runtime has no global WebSocket. ' +
              "On Node 20 pass `WebSocket` from the `ws` package: createConnection(url, { WebSocket }) with `import WebSocket from 'ws'`."
          : coded('E06'),
      )
    }
    const not = notWebSocketClass(ctor)
    if (not !== null) {
      throw new TypeError(
        DEV
          ? `heartline: \`WebSocket\` must be a WebSocket class (usable with \`new\`, its prototype has send, close and addEventListener: the browser's, \`ws\`'s or a subclass); got ${not}.`
          : coded('E07'),
      )
    }
    return ctor
  },
  protocols: (value, name) => {
    kind(
      DEV ? 'be a string, an array of strings or a function' : '',
      (v) =>
        typeof v === 'string' ||
        typeof v === 'function' ||
        (Array.isArray(v) && v.every((p) => typeof p === 'string')),
    )(value, name)
    if (typeof value === 'string' || Array.isArray(value)) checkProtocols(value)
    return value
  },
  binaryType: oneOf('blob', 'arraybuffer', 'nodebuffer', 'fragments'),
  heartbeat: sharedDefaults(sectionOf(HEARTBEAT, DEFAULTS.heartbeat)),
  reconnect: sharedDefaults((value, name) => {
    // maxDelay defaults to at least initialDelay, and may not be below it.
    const r = resolveReconnect(value, name) as BackoffPolicy | false
    if (r === false) return r
    const given = (value as { maxDelay?: unknown } | true | undefined) ?? {}
    if (given === true || given.maxDelay === undefined) {
      r.maxDelay = Math.max(r.maxDelay, r.initialDelay)
    }
    if (r.maxDelay < r.initialDelay) {
      throw new RangeError(
        DEV
          ? `heartline: \`reconnect.maxDelay\` (${r.maxDelay}) must be ≥ \`reconnect.initialDelay\` (${r.initialDelay}).`
          : coded('E08'),
      )
    }
    return r
  }),
  connectTimeout: positiveMs,
  closeTimeout: zeroOrMoreMs,
  queue: sharedDefaults(sectionOf(QUEUE, DEFAULTS.queue)),
  shouldReconnect: aFunction,
  clock: kind(
    DEV ? 'have setTimeout and clearTimeout (an XState clock such as SimulatedClock)' : '',
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as Clock).setTimeout === 'function' &&
      typeof (v as Clock).clearTimeout === 'function',
  ),
  random: aFunction,
  inspect: kind(
    DEV ? 'be a function or an observer object' : '',
    (v) => typeof v === 'function' || (typeof v === 'object' && v !== null),
  ),
  lifecycle: resolveLifecycle,
  startClosed: aBoolean,
  resume: aFunction,
}

const FALLBACK: Partial<Record<keyof ConnectionOptions, unknown>> = {
  connectTimeout: DEFAULTS.connectTimeout,
  closeTimeout: DEFAULTS.closeTimeout,
  shouldReconnect: defaultShouldReconnect,
  random: Math.random,
  startClosed: false,
}

/** Resolves defaults and validates. Throws TypeError / RangeError naming the option. */
export function resolveOptions(options: ConnectionOptions | undefined): ResolvedOptions {
  if (
    options !== undefined &&
    (typeof options !== 'object' || options === null || Array.isArray(options))
  ) {
    throw new TypeError(
      DEV ? `heartline: options must be an object; got ${describe(options)}.` : coded('E01'),
    )
  }
  const given = (options ?? {}) as Record<string, unknown>
  const keys = Object.keys(OPTIONS) as Array<keyof ConnectionOptions>
  knownKeys('', given, keys)
  const resolved: Record<string, unknown> = {}
  for (const key of keys) {
    resolved[key] = (OPTIONS[key] as Check)(given[key], key, FALLBACK[key])
  }
  const clock = resolved.clock as ResolvedOptions['clock']
  resolved.now =
    clock && typeof clock.now === 'function' ? () => (clock.now as () => number)() : dateNow
  return resolved as unknown as ResolvedOptions
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
    // No window and no document (Node, or lifecycle: false): no page-lifecycle actor at all.
    watchPage:
      options.lifecycle !== false &&
      (options.lifecycle.window !== undefined || options.lifecycle.document !== undefined),
  }
}

export { isSendData }
