/**
 * The refusal rule's terms (docs/reliability.md, "When a message is handed
 * over"): the close code that counts as a refusal before reading, and what a
 * socket not yet heard from holds back so that it can come back. The slot
 * (src/socket-slot.ts) applies the rule; the queue (src/out-queue.ts) takes the
 * messages back.
 */
import { byteSize } from './byte-size.js'
import type { QueueLimits } from './out-queue.js'
import { dataOf, type Item } from './send-outcome.js'

/**
 * The close code of a server that refused a socket without reading it: 1013 Try
 * Again Later (RFC 6455 §7.4.1 registry), as `admission()` sends it. Not 1012
 * (Service Restart): a restarting server has usually read what it was sent.
 */
export const REFUSED = 1013

/** With `queue: false`, how many refused messages are reported: the default queue's size. */
const TENTATIVE_WITHOUT_QUEUE = 1000

/** Bytes held back beyond what was queued at open (and the slack between trims). */
const TENTATIVE_BYTES = 1 << 20

/**
 * What was written to a socket not yet heard from, oldest first: the newest
 * messages within the queue's count (`queue.max`, 1 000 without a queue) and
 * within the bytes queued at open plus `TENTATIVE_BYTES` (text weighed by its
 * length: no scan per send). Older ones count as handed over; they are let go a
 * batch at a time (no shift per message).
 */
export class Tentative {
  items: Item[] = []
  bytes = 0
  /** The bytes held: the queue flushed at open weighs in (`flushed`). */
  room = TENTATIVE_BYTES
  readonly max: number

  constructor(limits: QueueLimits | false) {
    this.max = limits === false ? TENTATIVE_WITHOUT_QUEUE : limits.max
  }

  /**
   * Keeps `item` (none: only trims, to the bounds exactly); returns the oldest
   * let go, or null. With an item, trims only once a bound is passed by as much
   * again (the count) or by `TENTATIVE_BYTES` (the bytes).
   */
  keep(item?: Item): Item[] | null {
    const items = this.items
    if (item !== undefined) {
      items.push(item)
      const data = dataOf(item)
      this.bytes += typeof data === 'string' ? data.length : byteSize(data)
      if (items.length < 2 * this.max && this.bytes <= this.room + TENTATIVE_BYTES) return null
    }
    let n = 0
    while (n < items.length - 1 && (items.length - n > this.max || this.bytes > this.room)) {
      const data = dataOf(items[n++] as Item)
      this.bytes -= typeof data === 'string' ? data.length : byteSize(data)
    }
    return n === 0 ? null : items.splice(0, n)
  }
}
