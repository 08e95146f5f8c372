/**
 * The low-water mark of one connection's `bufferedAmount`: the
 * `bufferedamountlow` event, fired when the amount falls to
 * `bufferedAmountLowThreshold` or below (as RTCDataChannel fires its own,
 * WebRTC §6.2), once per crossing, and the promises of
 * `whenBufferedAmountLow(level)`.
 *
 * A WebSocket tells nobody when its `bufferedAmount` falls (neither browsers nor
 * `ws` have an event), so the amount is read again on the connection's clock
 * every POLL_MS while it is above a mark someone cares about and bytes can
 * drain (a socket is open). Nothing is read while the link is down: queued bytes
 * only leave on the next open, which restarts the reading. A send costs one
 * comparison while the amount is above the threshold, and one read of the
 * socket's count otherwise.
 */

import { DEV } from '#dev'
import { describeValue, domException } from './describe.js'
import { coded } from './error-code.js'

/**
 * How often a raised `bufferedAmount` is read again, in ms. Browsers clamp
 * nested timers to 4 ms (HTML, timer initialisation steps); 5 ms lets a
 * producer refill well before a link of 1 Gbit/s drains a 1 MiB mark.
 */
export const POLL_MS = 5

interface Waiter {
  level: number
  resolve(): void
  reject(error: unknown): void
}

export interface LowWaterHost {
  /** The connection's `bufferedAmount`. */
  amount(): number
  /** Whether a socket is open (the amount can fall). */
  draining(): boolean
  /** Fires `bufferedamountlow`. */
  fire(): void
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

export class LowWater {
  /** `bufferedAmountLowThreshold`, validated by the connection. */
  threshold = 0
  /** The amount was last seen above the threshold: the next fall to it fires. */
  #above = false
  #timer: unknown = null
  #waiters: Waiter[] = []
  /**
   * Someone ever listened for `bufferedamountlow` (a listener or the handler):
   * until then only waiters make the amount be read again, so a connection
   * nobody asks about arms no timer.
   */
  #heard = false

  /** A `bufferedamountlow` listener was added: a fall already pending is watched from now on. */
  hear(): void {
    this.#heard = true
    if (this.#above) this.#watch()
  }

  constructor(private readonly host: LowWaterHost) {}

  /** Bytes were accepted (sent or queued): a rise above the threshold arms the event. Returns true. */
  accepted(): true {
    if (!this.#above && this.host.amount() > this.threshold) {
      this.#above = true
      this.#watch()
    }
    return true
  }

  /** A socket opened (the queue was flushed into it): what waited can drain now. */
  opened(): void {
    if (this.#above || this.#waiters.length > 0) this.#watch()
  }

  /**
   * Resolves once `bufferedAmount` is at `level` (default: the threshold) or
   * below, at once when it is; rejects at once when `closed`.
   */
  wait(value: number | undefined, closed: boolean): Promise<void> {
    const level = value === undefined ? this.threshold : checkThreshold(value, 'level')
    if (closed) return Promise.reject(closedWhileWaiting())
    if (this.host.amount() <= level) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ level, resolve, reject })
      this.#watch()
    })
  }

  /** Closed for good: nothing will drain; every waiter is rejected with `error`. */
  closed(error: () => unknown): void {
    this.#above = false
    this.#stop()
    const waiters = this.#waiters
    if (waiters.length === 0) return
    this.#waiters = []
    const reason = error()
    for (const w of waiters) w.reject(reason)
  }

  #watch(): void {
    if (this.#timer !== null || !this.host.draining()) return
    if (!this.#heard && this.#waiters.length === 0) return
    this.#timer = this.host.setTimeout(() => this.#tick(), POLL_MS)
  }

  #stop(): void {
    if (this.#timer === null) return
    this.host.clearTimeout(this.#timer)
    this.#timer = null
  }

  #tick(): void {
    this.#timer = null
    const amount = this.host.amount()
    if (this.#waiters.length > 0) {
      const still: Waiter[] = []
      const ready: Waiter[] = []
      for (const w of this.#waiters) (amount <= w.level ? ready : still).push(w)
      this.#waiters = still
      for (const w of ready) w.resolve()
    }
    if (this.#above && amount <= this.threshold) {
      this.#above = false
      this.host.fire()
    }
    if (this.#above || this.#waiters.length > 0) this.#watch()
  }
}

/** A threshold or level: a number of bytes ≥ 0 (a fraction is kept; Infinity means never above). */
export function checkThreshold(value: unknown, name = 'bufferedAmountLowThreshold'): number {
  if (typeof value === 'number' && value >= 0) return value
  throw new TypeError(
    DEV
      ? `heartline: \`${name}\` must be a number of bytes ≥ 0; got ${describeValue(value)}.`
      : coded('E30', name),
  )
}

/** Why `whenBufferedAmountLow()` rejects: the connection closed and its queued data was dropped. */
export function closedWhileWaiting(): Error {
  return domException(
    DEV
      ? 'heartline: the connection closed before bufferedAmount fell to the level awaited; ' +
          'its queued messages were dropped (each reported by a `drop` event).'
      : coded('E31'),
    'InvalidStateError',
  )
}
