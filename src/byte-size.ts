/**
 * What a message weighs on the wire, for the queue's byte bound
 * (`queue.maxBytes`), `bufferedAmount` and heartline/streams.
 */
import type { SendData } from './socket-types.js'

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
