/**
 * A follower's outgoing messages: those waiting for a leader to be known, and
 * those handed to the leader and not yet confirmed written (by seq, from 1,
 * never reused within a view). Each message leaves this box exactly once:
 * confirmed, reported dropped, or let go with the view.
 */
import { type ConnectionOptions, DEFAULTS, type SendData } from '../index.js'
import type { SharedDropReason } from './events.js'

export class Outbox {
  /** Sent before any leader was known. */
  #waiting: SendData[] = []
  /** Handed to the leader, by seq; `at`: its session seq, once numbered (resume). */
  readonly #inFlight = new Map<number, { data: SendData; at: number }>()
  #seq = 0

  constructor(
    readonly queue: ConnectionOptions['queue'],
    readonly drop: (data: SendData, reason: SharedDropReason) => void,
  ) {}

  get size(): number {
    return this.#waiting.length + this.#inFlight.size
  }

  /** Holds `data` until a leader is known, bounded like the connection's queue. */
  wait(data: SendData): boolean {
    const queue = this.queue === undefined ? DEFAULTS.queue : this.queue
    if (queue === false) {
      this.drop(data, 'not-open')
      return false
    }
    if (this.#waiting.length >= (queue.max ?? DEFAULTS.queue.max)) {
      if ((queue.overflow ?? DEFAULTS.queue.overflow) === 'reject') {
        this.drop(data, 'queue-full')
        return false
      }
      this.drop(this.#waiting.shift() as SendData, 'queue-overflow')
    }
    this.#waiting.push(data)
    return true
  }

  /** The waiting messages, oldest first, taken out of the box. */
  takeWaiting(): SendData[] {
    const waiting = this.#waiting
    this.#waiting = []
    return waiting
  }

  /** Records `data` as handed to the leader; returns its seq. */
  handOver(data: SendData): number {
    const seq = ++this.#seq
    this.#inFlight.set(seq, { data, at: 0 })
    return seq
  }

  /** With resume: the leader numbered these messages in its session (`[seq, session seq]`). */
  numbered(pairs: Array<[number, number]>): void {
    for (const [seq, at] of pairs) {
      const entry = this.#inFlight.get(seq)
      if (entry) entry.at = at
    }
  }

  /** With resume: the server holds every session seq up to `ack`: those messages are done. */
  acknowledged(ack: number): void {
    for (const [seq, entry] of this.#inFlight) {
      if (entry.at !== 0 && entry.at <= ack) this.#inFlight.delete(seq)
    }
  }

  /**
   * With resume, after a hand-off: the next leader's session holds every
   * session seq up to `ack`; the rest is taken out, oldest first, to hand over again.
   */
  takeUnconfirmed(ack: number): SendData[] {
    this.acknowledged(ack)
    const rest = [...this.#inFlight.values()].map((entry) => entry.data)
    this.#inFlight.clear()
    return rest
  }

  /** The leader wrote every message up to `seq` (or reported it). */
  confirm(seq: number): void {
    for (const key of this.#inFlight.keys()) {
      if (key > seq) break
      this.#inFlight.delete(key)
    }
  }

  /** The leader will not send `seq`: reported once. */
  refused(seq: number, reason: SharedDropReason): void {
    const entry = this.#inFlight.get(seq)
    if (entry === undefined) return
    this.#inFlight.delete(seq)
    this.drop(entry.data, reason)
  }

  /** The leader is gone: every unconfirmed message is reported as `reason`. */
  lose(reason: SharedDropReason): void {
    const lost = [...this.#inFlight.values()]
    this.#inFlight.clear()
    for (const entry of lost) this.drop(entry.data, reason)
  }

  /** The view closes: waiting messages are reported; those handed over stay with the leader. */
  close(): void {
    for (const data of this.takeWaiting()) this.drop(data, 'closed')
    this.#inFlight.clear()
  }
}
