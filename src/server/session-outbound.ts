/**
 * A server session's outbound side (docs/resume-protocol.md): the
 * application's messages numbered and kept by the store in bounded batches,
 * written to the client when it is attached, and dropped from the store as
 * the client acknowledges them.
 */

import { messageFrame } from '../protocol/resume.js'
import type { SessionCore, SessionDropReason } from './session-events.js'
import type { ClaimedSession } from './store.js'

/** The most messages one store call appends. */
const MAX_BATCH = 1000

type Outgoing = { data: string | Buffer; done: (seq: number | null) => void }

/** What the outbound side needs from its session. */
export interface OutboundHost extends SessionCore {
  /** Flushes again at the end of this turn. */
  schedule(): void
  drop(data: string | Buffer, reason: SessionDropReason): void
}

/** `session.send()`'s data as a string or a Buffer of its own (the caller may reuse its buffer). */
export function payloadOf(data: string | Buffer | ArrayBuffer | ArrayBufferView): string | Buffer {
  const value =
    typeof data === 'string'
      ? data
      : Buffer.isBuffer(data)
        ? Buffer.from(data)
        : ArrayBuffer.isView(data)
          ? Buffer.from(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
          : data instanceof ArrayBuffer
            ? Buffer.from(data.slice(0))
            : null
  if (value === null) {
    throw new TypeError(
      `heartline/server: session.send() takes a string, Buffer, ArrayBuffer or view; got ${typeof data}.`,
    )
  }
  return value
}

export class OutboundMessages {
  readonly #host: OutboundHost
  /** Last server seq assigned, and the client's acknowledgement of them. */
  #outSeq = 0
  #outAcked = 0
  #pendingAck = 0
  #outbox: Outgoing[] = []
  /**
   * An append is on its way to the store. One at a time: a store that re-sends
   * a call whose reply was lost (ioredis after a reconnect) can then recognise
   * the re-sent one as the last it ran, and answer it again instead of storing twice.
   */
  #appending = false

  constructor(host: OutboundHost) {
    this.#host = host
  }

  /** Seq of the last message numbered. */
  get sent(): number {
    return this.#outSeq
  }

  /** Server messages the client never acknowledged (counted by this process). */
  get unacknowledged(): number {
    return this.#outSeq - this.#outAcked
  }

  /** A socket attached with this claim: continue from what the store knows. */
  attach(claim: ClaimedSession): void {
    if (claim.out > this.#outSeq) this.#outSeq = claim.out
    this.#outAcked = claim.out - claim.replay.length
  }

  /** Queues `data` for the next flush; resolves with its seq, or null when refused. */
  push(data: string | Buffer): Promise<number | null> {
    return new Promise((done) => {
      this.#outbox.push({ data, done })
      this.#host.schedule()
    })
  }

  /** The client acknowledged up to `seq`; false when it never got that far. */
  acked(seq: number): boolean {
    if (seq > this.#outSeq) return false
    if (seq > this.#pendingAck) this.#pendingAck = seq
    return true
  }

  /** Refuses every queued message (the session ended). */
  dropAll(reason: SessionDropReason): void {
    for (const m of this.#outbox.splice(0)) {
      this.#host.drop(m.data, reason)
      m.done(null)
    }
  }

  flushAcks(): void {
    const host = this.#host
    const seq = this.#pendingAck
    if (seq <= this.#outAcked) return
    this.#outAcked = seq
    host.run(
      () => host.settings.store.acked(host.key, host.epoch(), seq),
      (owned) => {
        if (!owned) host.moved()
      },
    )
  }

  flush(): void {
    const host = this.#host
    if (this.#outbox.length === 0 || this.#appending) return
    // Bounded batches: one store call (a Lua script's arguments) per thousand messages.
    const batch = this.#outbox.splice(0, MAX_BATCH)
    this.#appending = true
    const call = host.run(
      () =>
        host.settings.store.append(
          host.key,
          host.epoch(),
          batch.map((m) => m.data),
        ),
      (seqs) => this.#appended(batch, seqs),
    )
    const next = () => {
      this.#appending = false
      if (this.#outbox.length > 0) host.schedule()
    }
    // A failing store refuses the batch, and says so for each message.
    call.then(next, () => {
      next()
      for (const m of batch) {
        host.drop(m.data, 'store-failed')
        m.done(null)
      }
    })
  }

  #appended(batch: Outgoing[], seqs: number[] | null): void {
    const host = this.#host
    if (seqs === null) {
      for (const m of batch) {
        host.drop(m.data, 'moved')
        m.done(null)
      }
      host.moved()
      return
    }
    const socket = host.writable()
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i] as Outgoing
      const seq = seqs[i] ?? 0
      if (seq === 0) {
        host.drop(m.data, 'buffer-full')
        m.done(null)
        continue
      }
      if (seq > this.#outSeq) this.#outSeq = seq
      socket?.send(messageFrame(seq, m.data))
      m.done(seq)
    }
  }
}
