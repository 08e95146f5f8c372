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
   * within `limits`: each message, oldest first and then those queued since,
   * enters as a new one would (`room`), so `reject` refuses what would pass
   * either bound, `drop-oldest` pushes out the oldest, and a message larger than
   * `maxBytes` on its own (written straight to the socket, never checked) is
   * refused alone. The queue is set before any outcome is told.
   */
  putBack(
    returned: Item[],
    limits: QueueLimits,
    drop: (item: Item, reason: 'queue-full' | 'queue-overflow') => void,
  ): void {
    const all = returned.concat(this.take())
    const out: Array<[Item, 'queue-full' | 'queue-overflow']> = []
    let back = 0
    for (let i = 0; i < all.length; i++) {
      const item = all[i] as Item
      const size = byteSize(dataOf(item))
      const pushedOut = this.room(size, limits)
      if (pushedOut === null) {
        out.push([item, 'queue-full'])
        continue
      }
      this.push(item, size)
      // Pushed out from the front: what came back leads the queue.
      back += (i < returned.length ? 1 : 0) - pushedOut.length
      for (const old of pushedOut) out.push([old, 'queue-overflow'])
    }
    for (let i = 0; i < back; i++) tell(this.items[i] as Item, QUEUED)
    for (const [item, reason] of out) drop(item, reason)
  }
}
