/**
 * Connection metrics, fed by chart events and state changes only: a few updates
 * per heartbeat cycle or attempt, nothing per inbound message.
 */
import type { AttemptReason, ConnectionStateName } from '../machines/connection.js'
import type { CloseDetails } from './options.js'

/** How many attempts the ring keeps. */
export const ATTEMPT_HISTORY = 20
/** Weight of a new RTT sample in the smoothed RTT (RFC 6298 §2 uses 1/8 for SRTT). */
export const RTT_ALPHA = 1 / 8

export type AttemptOutcome = 'pending' | 'open' | string

export interface AttemptRecord {
  /** Failed attempts before this one, as handed to the url/protocols functions. */
  attempt: number
  reason: AttemptReason
  /** The backoff delay planned before this attempt, in ms (0 for the first and for manual ones). */
  delay: number
  /** When it started, in the connection's clock (ms). */
  startedAt: number
  /** `pending`, `open`, or the cause that ended it before it opened (`connect-timeout`, `error`, `server-close`, …). */
  outcome: AttemptOutcome
}

export interface ConnectionMetrics {
  rtt: {
    /** ms from the last ping to the first inbound message after it; null before the first. */
    last: number | null
    /** Exponentially smoothed RTT (weight 1/8 per sample); null before the first. */
    smoothed: number | null
    samples: number
  }
  /** Sockets attempted (every connect, first included). */
  attempts: number
  /** Successful opens after the first one. */
  reconnects: number
  lastClose: (CloseDetails & { willReconnect: boolean; at: number }) | null
  lastError: { error: unknown; at: number } | null
  /** ms spent in each public state, the current one included up to now. */
  timeInState: Record<ConnectionStateName, number>
  /** The last 20 attempts, oldest first. */
  history: AttemptRecord[]
}

export class MetricsRecorder {
  #rttLast: number | null = null
  #rttSmoothed: number | null = null
  #rttSamples = 0
  #attempts = 0
  #opens = 0
  #lastClose: ConnectionMetrics['lastClose'] = null
  #lastError: ConnectionMetrics['lastError'] = null
  #time: Record<ConnectionStateName, number> = {
    connecting: 0,
    open: 0,
    awaitingPong: 0,
    closing: 0,
    waitingToReconnect: 0,
    closed: 0,
  }
  #state: ConnectionStateName = 'connecting'
  #since: number
  #history: AttemptRecord[] = []
  #plannedDelay = 0

  constructor(private readonly now: () => number) {
    this.#since = now()
  }

  rtt(sample: number): void {
    this.#rttLast = sample
    this.#rttSamples++
    this.#rttSmoothed =
      this.#rttSmoothed === null
        ? sample
        : this.#rttSmoothed + RTT_ALPHA * (sample - this.#rttSmoothed)
  }

  state(to: ConnectionStateName): void {
    const at = this.now()
    this.#time[this.#state] += at - this.#since
    this.#state = to
    this.#since = at
  }

  retryPlanned(delay: number): void {
    this.#plannedDelay = delay
  }

  attemptStarted(attempt: number, reason: AttemptReason): void {
    this.#attempts++
    const delay = reason === 'initial' || reason === 'manual' ? 0 : this.#plannedDelay
    this.#plannedDelay = 0
    const record: AttemptRecord = {
      attempt,
      reason,
      delay,
      startedAt: this.now(),
      outcome: 'pending',
    }
    // Most connections make one attempt: a one-element array, not the spare
    // capacity (17 slots) a first push() on an empty array reserves.
    if (this.#history.length === 0) this.#history = [record]
    else this.#history.push(record)
    if (this.#history.length > ATTEMPT_HISTORY) this.#history.shift()
  }

  opened(): void {
    this.#opens++
    const current = this.#history[this.#history.length - 1]
    if (current && current.outcome === 'pending') current.outcome = 'open'
  }

  closed(close: CloseDetails & { willReconnect: boolean }): void {
    this.#lastClose = { ...close, at: this.now() }
    const current = this.#history[this.#history.length - 1]
    if (current && current.outcome === 'pending') current.outcome = close.cause
  }

  error(error: unknown): void {
    this.#lastError = { error, at: this.now() }
  }

  snapshot(): ConnectionMetrics {
    const timeInState = { ...this.#time }
    timeInState[this.#state] += this.now() - this.#since
    return {
      rtt: { last: this.#rttLast, smoothed: this.#rttSmoothed, samples: this.#rttSamples },
      attempts: this.#attempts,
      reconnects: Math.max(0, this.#opens - 1),
      lastClose: this.#lastClose,
      lastError: this.#lastError,
      timeInState,
      history: this.#history.map((record) => ({ ...record })),
    }
  }
}
