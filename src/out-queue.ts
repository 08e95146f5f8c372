/**
 * A socket slot's outgoing queue: the messages waiting for a socket, in order,
 * with the bytes each puts on the wire (what `queue.maxBytes` bounds and
 * `bufferedAmount` counts before a socket takes them). The slot
 * (src/socket-slot.ts) decides what enters and leaves; this keeps the messages,
 * their sizes and the sum in step.
 */
import type { SendData } from './options.js'
import { dataOf, type Item } from './send-outcome.js'

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

  /** Takes out the oldest message (the queue is not empty). */
  shift(): Item {
    this.bytes -= this.#sizes.shift() as number
    return this.items.shift() as Item
  }

  /** Empties the queue; returns what it held, oldest first. */
  take(): Item[] {
    const all = this.items
    this.items = []
    this.#sizes = []
    this.bytes = 0
    return all
  }

  /** Holds `items` instead, their sizes recounted. */
  replace(items: Item[]): void {
    this.items = items
    this.#sizes = items.map((item) => byteSize(dataOf(item)))
    this.bytes = this.#sizes.reduce((n, size) => n + size, 0)
  }
}

/**
 * The bytes `data` puts on the wire as a payload, as a browser's `bufferedAmount`
 * counts them: UTF-8 for text (WHATWG WebSockets, `send()`), the byte length of
 * binary data.
 */
export function byteSize(data: SendData): number {
  if (typeof data === 'string') {
    let n = data.length
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i)
      if (c < 0x80) continue
      if (c < 0x800) n += 1
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < data.length) {
        const d = data.charCodeAt(i + 1)
        // A surrogate pair: two code units, four bytes.
        if (d >= 0xdc00 && d <= 0xdfff) {
          n += 2
          i++
        } else n += 2
      } else n += 2
    }
    return n
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.size
  return (data as ArrayBuffer | ArrayBufferView).byteLength
}
