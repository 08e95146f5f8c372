/**
 * The client's outgoing buffer (docs/resume-protocol.md): numbers every
 * application message, keeps it until the server acknowledges it, within a
 * byte bound (payload plus a fixed overhead per message), and hands back what
 * is still unacknowledged for a replay or when the session ends. Whoever waits
 * for room (`whenAtMost`) is woken by the acknowledgement that frees it: acks
 * are the only way kept bytes fall, so nothing polls.
 */
import type { SendData } from '../options.js'
import { MESSAGE_OVERHEAD } from '../protocol/resume.js'

/** A kept message: the string, or a copy of the binary data. */
export type Kept = string | Uint8Array

/**
 * The bytes `data` takes in the buffer, as `maxBytes` counts them: its payload
 * (strings in UTF-16 code units, binary data its byteLength, a Blob its size)
 * plus MESSAGE_OVERHEAD.
 */
export function keptSize(data: SendData): number {
  const payload =
    typeof data === 'string'
      ? data.length
      : typeof Blob !== 'undefined' && data instanceof Blob
        ? data.size
        : (data as ArrayBufferLike | ArrayBufferView).byteLength
  return payload + MESSAGE_OVERHEAD
}

interface Waiter {
  bytes: number
  resolve(): void
  reject(error: unknown): void
}

export class OutgoingBuffer {
  readonly maxBytes: number
  /**
   * Called once after the acknowledgements of one turn dropped messages (the
   * layer's `ack` event), on a microtask: an ack can come with a welcome, before
   * its replay, and a listener that sends must not write ahead of the replay.
   */
  readonly #onAck: () => void
  #acking = false
  #waiters: Waiter[] = []
  /** Seq of the last message numbered. */
  #outSeq = 0
  /** Seq up to which the server acknowledged. `#kept[#head]` has seq `#outAcked + 1`. */
  #outAcked = 0
  #kept: Kept[] = []
  #sizes: number[] = []
  #head = 0
  #bytes = 0

  constructor(maxBytes: number, onAck: () => void) {
    this.maxBytes = maxBytes
    this.#onAck = onAck
  }

  /** Seq of the last message numbered. */
  get sent(): number {
    return this.#outSeq
  }

  /** Seq up to which the server acknowledged. */
  get acknowledged(): number {
    return this.#outAcked
  }

  /**
   * Bytes kept, as `maxBytes` counts them: each message's payload (strings in
   * UTF-16 code units) plus MESSAGE_OVERHEAD, so empty messages count too.
   */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * Numbers and keeps `data`; returns its kept form and seq, or null when it
   * does not fit in `maxBytes` (nothing changes then).
   */
  keep(data: SendData): { seq: number; kept: Kept } | null {
    let kept: Kept
    let size: number
    if (typeof data === 'string') {
      kept = data
      size = data.length
    } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      throw new TypeError(
        'heartline/resume: send() takes a string, ArrayBuffer or ArrayBufferView with `resume` on; ' +
          'read a Blob first (`await blob.arrayBuffer()`), since a message is numbered when it is sent.',
      )
    } else {
      // A copy: the application may reuse its buffer, and a replay must send what was sent.
      kept = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
        : new Uint8Array(data as ArrayBufferLike).slice()
      size = kept.byteLength
    }
    size += MESSAGE_OVERHEAD
    if (this.#bytes + size > this.maxBytes) return null
    const seq = ++this.#outSeq
    this.#kept.push(kept)
    this.#sizes.push(size)
    this.#bytes += size
    return { seq, kept }
  }

  /** Calls `write` for every kept message, oldest first; returns how many. */
  replay(write: (seq: number, kept: Kept) => void): number {
    const kept = this.#kept
    let seq = this.#outAcked
    for (let i = this.#head; i < kept.length; i++) write(++seq, kept[i] as Kept)
    return kept.length - this.#head
  }

  /**
   * A handed-over session resumed with the server holding every message up to
   * `ack`: the messages kept so far are numbered on from there.
   */
  rebase(ack: number): void {
    this.#outAcked = ack
    this.#outSeq = ack + (this.#kept.length - this.#head)
  }

  /** The server acknowledged every message up to `seq`: they are dropped. */
  trim(seq: number): void {
    let n = seq - this.#outAcked
    if (n <= 0) return
    const sizes = this.#sizes
    let head = this.#head
    let bytes = this.#bytes
    while (n-- > 0) bytes -= sizes[head++] as number
    this.#bytes = bytes
    this.#outAcked = seq
    if (head > 1024 && head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(head)
      this.#sizes = sizes.slice(head)
      head = 0
    }
    this.#head = head
    this.#settle()
    if (this.#acking) return
    this.#acking = true
    queueMicrotask(() => {
      this.#acking = false
      this.#onAck()
    })
  }

  /** What the `ack` event tells (the session tells more). */
  counts(): { acknowledged: number; buffered: number; bufferedBytes: number } {
    const acknowledged = this.#outAcked
    return { acknowledged, buffered: this.#outSeq - acknowledged, bufferedBytes: this.#bytes }
  }

  /** Resolves once at most `bytes` are kept (at once when they are). */
  whenAtMost(bytes: number): Promise<void> {
    if (this.#bytes <= bytes) return Promise.resolve()
    return new Promise((resolve, reject) => this.#waiters.push({ bytes, resolve, reject }))
  }

  /** Nothing kept will be acknowledged (the connection closed): every waiter fails with `error`. */
  fail(error: () => unknown): void {
    const waiters = this.#waiters
    if (waiters.length === 0) return
    this.#waiters = []
    const reason = error()
    for (const w of waiters) w.reject(reason)
  }

  /** Wakes those waiting for no more than what is kept now. */
  #settle(): void {
    if (this.#waiters.length === 0) return
    const ready: Waiter[] = []
    const still: Waiter[] = []
    for (const w of this.#waiters) (w.bytes >= this.#bytes ? ready : still).push(w)
    this.#waiters = still
    for (const w of ready) w.resolve()
  }

  /**
   * Removes and returns every kept message (as the application's data), and
   * numbering starts again at seq 1.
   */
  clear(): SendData[] {
    const out = this.#kept.slice(this.#head) as SendData[]
    this.#kept = []
    this.#sizes = []
    this.#head = 0
    this.#bytes = 0
    this.#outSeq = 0
    this.#outAcked = 0
    // Room for everyone (a reset lost what was kept; a close failed its waiters first).
    this.#settle()
    return out
  }
}
