/**
 * The options of `resume()`, their defaults and their validation, and the
 * read-only views the layer gives out (`trace` records, `sessionOf`).
 */

export interface ResumeOptions {
  /**
   * The most bytes of unacknowledged messages kept: each message counts its
   * payload (strings their length in UTF-16 code units, binary data its
   * byteLength) plus 64 bytes (`MESSAGE_OVERHEAD`, the server's stores count the
   * same), so the default keeps at most 16,384 empty messages. A `send()` past it
   * is refused with a `drop` event (reason `resume-buffer-full`). Whole number ≥ 1.
   * @default 1048576
   */
  maxBytes?: number
  /**
   * Milliseconds from the first unacknowledged receive to the acknowledgement
   * (coalesced: one `A` frame covers every message up to it). The timer is
   * started by a receive, not free-running, and a heartbeat ping carries any
   * pending acknowledgement too. Finite, ≥ 0.
   * @default 200
   */
  ackDelay?: number
  /**
   * Acknowledge at once after this many unacknowledged receives, so a fast
   * sender's buffer stays small. Whole number ≥ 1.
   * @default 512
   */
  ackEvery?: number
  /**
   * Milliseconds from a socket's open to the server's welcome. Past it the
   * socket is closed with 4200 (a server that does not speak the resume
   * protocol never answers the hello) and the connection retries as usual.
   * Finite, > 0.
   * @default 10000
   */
  welcomeTimeout?: number
  /**
   * Called with every protocol step (for an inspector or a log): messages
   * written and received with their seq, replays, duplicates dropped, acks,
   * hello and welcome. Unset, it costs nothing.
   * @default undefined
   */
  trace?: (record: ResumeTrace) => void
}

/** One protocol step, as `trace` sees it. */
export type ResumeTrace =
  | { type: 'hello'; session: string | null; ack: number }
  | { type: 'welcome'; session: string; ack: number; resumed: boolean; replay: number }
  | { type: 'send'; seq: number; replay: boolean }
  | { type: 'receive'; seq: number; duplicate: boolean }
  | { type: 'ack-sent'; seq: number }
  | { type: 'ack-received'; seq: number }
  | { type: 'protocol-error'; reason: string }

/** A read-only view of a connection's session (`sessionOf`). */
export interface ResumeSession {
  /** The session id, or null before the first welcome. */
  id: string | null
  /** Seq of the last message this client sent (numbered). */
  sent: number
  /** Seq up to which the server acknowledged this client's messages. */
  acknowledged: number
  /** Seq of the last server message delivered to the application. */
  received: number
  /** Messages kept for replay (sent, not yet acknowledged). */
  buffered: number
  /** Their size, as `maxBytes` counts it (payloads plus 64 bytes each). */
  bufferedBytes: number
  /**
   * The bound on `bufferedBytes` (the `maxBytes` option): a message of `size`
   * bytes (as `maxBytes` counts it) fits while `bufferedBytes + size <= maxBytes`;
   * `whenAcknowledged(connection, maxBytes - size)` waits for that room.
   */
  maxBytes: number
  /**
   * The top-level state of the session's chart (machines/resume-session.ts):
   * `down` (no socket), `hello` (waiting for the welcome) or `ready` (any of
   * `ready.started`, `ready.resumed`, `ready.reset`).
   */
  phase: 'down' | 'hello' | 'ready'
}

function whole(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `heartline/resume: \`${name}\` must be a whole number ≥ ${min}; got ${typeof value === 'number' ? value : typeof value}.`,
    )
  }
  return value
}

export function resolveResumeOptions(options: ResumeOptions = {}): Required<
  Omit<ResumeOptions, 'trace'>
> & {
  trace: ResumeOptions['trace']
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`heartline/resume: options must be an object; got ${String(options)}.`)
  }
  const known = ['maxBytes', 'ackDelay', 'ackEvery', 'welcomeTimeout', 'trace']
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `heartline/resume: unknown option \`${key}\`; known options are ${known.join(', ')}.`,
      )
    }
  }
  const ackDelay = options.ackDelay ?? 200
  if (typeof ackDelay !== 'number' || !Number.isFinite(ackDelay) || ackDelay < 0) {
    throw new RangeError(
      `heartline/resume: \`ackDelay\` must be a finite number of milliseconds ≥ 0; got ${String(ackDelay)}.`,
    )
  }
  const welcomeTimeout = options.welcomeTimeout ?? 10_000
  if (
    typeof welcomeTimeout !== 'number' ||
    !Number.isFinite(welcomeTimeout) ||
    welcomeTimeout <= 0
  ) {
    throw new RangeError(
      `heartline/resume: \`welcomeTimeout\` must be a finite number of milliseconds > 0; got ${String(welcomeTimeout)}.`,
    )
  }
  if (options.trace !== undefined && typeof options.trace !== 'function') {
    throw new TypeError(
      `heartline/resume: \`trace\` must be a function; got ${typeof options.trace}.`,
    )
  }
  return {
    maxBytes: whole('maxBytes', options.maxBytes, 1_048_576, 1),
    ackDelay,
    ackEvery: whole('ackEvery', options.ackEvery, 512, 1),
    welcomeTimeout,
    trace: options.trace,
  }
}
