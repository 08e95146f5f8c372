/**
 * Resolves the options: defaults applied in one place, every value validated.
 * Each error names the option, what arrived and what is allowed.
 */
import type { BackoffPolicy, ConnectionInput } from '../machines/connection.js'
import { defaultShouldReconnect } from './close-policy.js'
import { describeValue as describe, checkMs as ms } from './describe.js'
import {
  checkProtocols,
  fn,
  isConstructor,
  isSendData,
  knownKeys,
  oneOf,
  resolveLifecycle,
  section,
} from './option-checks.js'
import {
  type Clock,
  type CloseDetails,
  type ConnectionOptions,
  DEFAULTS,
  type LifecycleTargets,
  type ProtocolsProvider,
  type SendData,
  type WebSocketConstructor,
} from './options.js'

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
