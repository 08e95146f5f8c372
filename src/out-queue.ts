/**
 * A socket slot's outgoing queue: the messages waiting for a socket, in order,
 * with the bytes each puts on the wire (what `queue.maxBytes` bounds and
 * `bufferedAmount` counts before a socket takes them). The slot
 * (src/socket-slot.ts) decides what enters and leaves; this keeps the messages,
 * their sizes and the sum in step, within the queue's limits, and takes back a
 * refused socket's unread messages.
 */
import { byteSize } from './byte-size.js'
import { dataOf, type Item, QUEUED, tell } from './send-outcome.js'

export interface QueueLimits {
  max: number
  maxBytes: number
  overflow: 'reject' | 'drop-oldest'
}

/** Nothing pushed out (shared, never written to). */
const NONE: Item[] = []

export class OutQueue {
  /** The messages, oldest first. */
  items: Item[] = []
  /** The byte size of each message, in the same order (see `byteSize`). */
  #sizes: number[] = []
  /** The sum of the sizes. */
  bytes = 0

  push(item: Item, size: number): void {
    this.items.push(item)
    this.#sizes.push(size)
    this.bytes += size
  }

  /**
   * Makes room for a message of `size` bytes within `limits`: null when it cannot
   * enter (full and `reject`, or larger than the byte bound on its own: it alone
   * is refused), else the oldest messages pushed out for it (none when it fits).
   */
  room(size: number, limits: QueueLimits): readonly Item[] | null {
    const full = () => this.items.length >= limits.max || this.bytes + size > limits.maxBytes
    if (!full()) return NONE
    if (limits.overflow === 'reject' || size > limits.maxBytes) return null
    const pushedOut: Item[] = []
    while (full()) {
      this.bytes -= this.#sizes.shift() as number
      pushedOut.push(this.items.shift() as Item)
    }
    return pushedOut
  }

  /** Empties the queue; returns what it held, oldest first. */
  take(): Item[] {
    const all = this.items
    this.items = []
    this.#sizes = []
    this.bytes = 0
    return all
  }

  /**
   * Puts `returned` (a refused socket's unread messages) back in front, in order,
   * within `limits`: `reject` refuses the newest, `drop-oldest` pushes out the
   * oldest. Sizes are recounted (a refusal is rare); the byte bound is not applied
   * to what comes back. The queue is set before any outcome is told.
   */
  putBack(
    returned: Item[],
    limits: QueueLimits,
    drop: (item: Item, reason: 'queue-full' | 'queue-overflow') => void,
  ): void {
    const all = returned.concat(this.items)
    const excess = Math.max(0, all.length - limits.max)
    const reject = limits.overflow === 'reject'
    const out = excess === 0 ? [] : reject ? all.splice(limits.max) : all.splice(0, excess)
    this.items = all
    this.#sizes = all.map((item) => byteSize(dataOf(item)))
    this.bytes = this.#sizes.reduce((n, size) => n + size, 0)
    const first = reject ? 0 : Math.min(excess, returned.length)
    const end = reject ? Math.min(returned.length, limits.max) : returned.length
    for (let i = first; i < end; i++) tell(returned[i] as Item, QUEUED)
    for (const item of out) drop(item, reject ? 'queue-full' : 'queue-overflow')
  }
}
