/**
 * The options of `acceptSessions`, their defaults and their validation, and the
 * limits that are not options (docs/resume-protocol.md, "Limits").
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { checkMs, describeValue } from '../describe.js'
import { type HeartbeatSettings, resolveHeartbeat } from './heartbeat.js'
import { memoryStore } from './memory-store.js'
import type { SessionStore } from './store.js'

/** Frames a socket may send between its hello and the welcome (a client should send none). */
export const EARLY_FRAMES = 64
/** Their bytes. */
export const EARLY_BYTES = 64 * 1024
/** Close code for a new session refused past `maxSessions` (RFC 6455 §7.4.1: Try Again Later). */
export const TOO_MANY_SESSIONS = 1013

/** A session id as this server makes them: 128 random bits, base64url. */
export const SESSION_ID = /^[A-Za-z0-9_-]{22}$/

/**
 * Where a session lives in the store: its id, scoped by its principal, so a
 * hello of another principal (or none) looks in another place and finds nothing.
 */
export function storeKey(id: string, principal: string | undefined): string {
  if (principal === undefined) return id
  return `${id}.${createHash('sha256').update(principal).digest('base64url').slice(0, 22)}`
}

/** The principal `identify` names for `request`, checked. */
export async function principalOf(
  identify: AcceptSessionsOptions['identify'],
  request: IncomingMessage,
): Promise<string | undefined> {
  const principal = identify === undefined ? undefined : await identify(request)
  if (principal !== undefined && typeof principal !== 'string') {
    throw new TypeError(
      `heartline/server: \`identify\` must return a string or undefined; got ${describeValue(principal)}.`,
    )
  }
  return principal
}

export interface AcceptSessionsOptions {
  /**
   * Where sessions live: `memoryStore()` (this process) or `redisStore()` from
   * `heartline/server/redis` (a fleet).
   * @default memoryStore()
   */
  store?: SessionStore
  /**
   * Who is on the other end of a socket, from its upgrade request (a cookie,
   * a header, a verified token): a string, or `undefined` for nobody in
   * particular. May return a promise. A session belongs to the principal that
   * created it: a hello that names a session of another principal never resumes
   * it (it gets a fresh session, and the owner's socket is untouched). Without
   * `identify` every socket is anonymous and the session id alone is the
   * credential: whoever shows it takes the session over.
   * @default undefined
   */
  identify?: (request: IncomingMessage) => string | undefined | Promise<string | undefined>
  /**
   * The client's heartbeat ping (compared with each text frame, byte for byte)
   * and the reply. The reply is not written while more than 64 KiB wait in the
   * socket's send queue (the client counts any inbound data as alive).
   * @default 'ping' and 'pong'
   */
  ping?: string
  pong?: string
  /**
   * Milliseconds from the first unacknowledged client message to the ack.
   * @default 200
   */
  ackDelay?: number
  /**
   * Acknowledge at once after this many unacknowledged client messages.
   * @default 512
   */
  ackEvery?: number
  /**
   * Milliseconds between sweeps, as `attachHeartbeat` does: a socket that has
   * not answered the previous sweep's protocol ping is terminated, so a
   * black-holed client's session starts its ttl instead of waiting on a dead
   * socket. 0 disables the sweep.
   * @default 30000
   */
  sweepInterval?: number
  /**
   * Milliseconds a process that takes over a session waits before handing out
   * client messages the previous owner may have handed out already (only when
   * there are such messages): what that owner records meanwhile is skipped
   * instead of handed out twice. 0 hands them out at once (marked `redelivered`).
   * @default 100
   */
  handoverGrace?: number
  /**
   * The most sessions this process holds at once (attached or waiting for their
   * client). A hello that would start another one is refused: the socket closes
   * with 1013 (Try Again Later). Sessions it holds keep resuming. Whole number ≥ 1.
   * @default 10000
   */
  maxSessions?: number
  /**
   * Milliseconds from a socket's open to its hello. Past it the socket is closed
   * with 4200. Finite, > 0.
   * @default 10000
   */
  helloTimeout?: number
  /**
   * Milliseconds a socket the server closes (replaced, refused, broke the
   * protocol) may take to answer the close frame before it is terminated (`ws`
   * alone would wait 30 s). Finite, ≥ 0.
   * @default 1000
   */
  closeTimeout?: number
}

export interface ResolvedSessionOptions {
  store: SessionStore
  identify: AcceptSessionsOptions['identify']
  /** `ping`, `pong` and `sweepInterval`, checked as `attachHeartbeat` checks them. */
  heartbeat: HeartbeatSettings
  ackDelay: number
  ackEvery: number
  handoverGrace: number
  maxSessions: number
  helloTimeout: number
  closeTimeout: number
}

export function resolveSessionOptions(options: AcceptSessionsOptions): ResolvedSessionOptions {
  const store = options.store ?? memoryStore()
  const heartbeat = resolveHeartbeat(options)
  const ackDelay = options.ackDelay ?? 200
  const ackEvery = options.ackEvery ?? 512
  if (typeof ackDelay !== 'number' || !Number.isFinite(ackDelay) || ackDelay < 0) {
    throw new RangeError(
      `heartline/server: \`ackDelay\` must be a finite number ≥ 0; got ${String(ackDelay)}.`,
    )
  }
  if (!Number.isInteger(ackEvery) || ackEvery < 1) {
    throw new RangeError(
      `heartline/server: \`ackEvery\` must be a whole number ≥ 1; got ${String(ackEvery)}.`,
    )
  }
  if (typeof store?.claim !== 'function') {
    throw new TypeError(
      'heartline/server: `store` must be a session store, such as memoryStore() or redisStore().',
    )
  }
  const handoverGrace = options.handoverGrace ?? 100
  if (typeof handoverGrace !== 'number' || !Number.isFinite(handoverGrace) || handoverGrace < 0) {
    throw new RangeError(
      `heartline/server: \`handoverGrace\` must be a finite number of milliseconds ≥ 0; got ${String(handoverGrace)}.`,
    )
  }
  const identify = options.identify
  if (identify !== undefined && typeof identify !== 'function') {
    throw new TypeError(
      `heartline/server: \`identify\` must be a function (request) => string | undefined; got ${describeValue(identify)}.`,
    )
  }
  const maxSessions = options.maxSessions ?? 10_000
  if (typeof maxSessions !== 'number' || !Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new RangeError(
      `heartline/server: \`maxSessions\` must be a whole number ≥ 1; got ${describeValue(maxSessions)}.`,
    )
  }
  const scope = 'heartline/server'
  const helloTimeout = checkMs('helloTimeout', options.helloTimeout, 10_000, {
    min: 'positive',
    scope,
  })
  const closeTimeout = checkMs('closeTimeout', options.closeTimeout, 1000, { min: 'zero', scope })
  return {
    store,
    identify,
    heartbeat,
    ackDelay,
    ackEvery,
    handoverGrace,
    maxSessions,
    helloTimeout,
    closeTimeout,
  }
}
