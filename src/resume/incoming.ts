/**
 * The client's receiving side (docs/resume-protocol.md): server messages are
 * taken once and in order, and acknowledged cumulatively, one ack for many
 * messages (after `ackEvery` messages at the end of the turn, else after
 * `ackDelay`, or earlier with the heartbeat or a hello).
 */
import type { LayerHost } from '../layer.js'
import { ackFrame } from '../protocol/resume.js'
import type { ResumeOptions } from './options.js'

export class IncomingAcks {
  readonly #host: LayerHost
  readonly #ackDelay: number
  readonly #ackEvery: number
  readonly #trace: ResumeOptions['trace']
  /** Acks are written only while this says so (the welcome arrived). */
  readonly #ready: () => boolean
  /** Seq of the last server message delivered. */
  #inSeq = 0
  #ackSent = 0
  #ackTimer: unknown = null
  #ackSoon = false

  constructor(
    host: LayerHost,
    options: { ackDelay: number; ackEvery: number; trace: ResumeOptions['trace'] },
    ready: () => boolean,
  ) {
    this.#host = host
    this.#ackDelay = options.ackDelay
    this.#ackEvery = options.ackEvery
    this.#trace = options.trace
    this.#ready = ready
  }

  /** Seq of the last server message delivered. */
  get received(): number {
    return this.#inSeq
  }

  /** A handed-over session: the server's messages up to `seq` were delivered by another client. */
  startAt(seq: number): void {
    this.#inSeq = seq
    this.#ackSent = seq
  }

  /** A hello carrying `received` went out: it acknowledges everything so far. */
  helloSent(): void {
    this.#ackSent = this.#inSeq
  }

  /**
   * A server message numbered `seq` arrived: `new` to deliver it, `duplicate`
   * for one delivered before, `gap` when messages are missing before it.
   */
  take(seq: number): 'new' | 'duplicate' | 'gap' {
    const last = this.#inSeq
    if (seq !== last + 1) {
      if (seq > last) return 'gap'
      this.#trace?.({ type: 'receive', seq, duplicate: true })
      return 'duplicate'
    }
    this.#inSeq = seq
    this.#trace?.({ type: 'receive', seq, duplicate: false })
    // `seq - #ackSent` is the count of unacknowledged receives: a take moves seq on
    // by one, an ack or a hello brings #ackSent up to it.
    if (seq - this.#ackSent >= this.#ackEvery) {
      // At the end of this turn: one socket read delivers many messages, one ack covers them.
      if (!this.#ackSoon) {
        this.#ackSoon = true
        queueMicrotask(this.#ackNow)
      }
    } else if (this.#ackTimer === null) {
      this.#ackTimer = this.#host.setTimeout(this.#ackLater, this.#ackDelay)
    }
    return 'new'
  }

  readonly #ackNow = (): void => {
    this.#ackSoon = false
    this.sendAck()
  }

  readonly #ackLater = (): void => {
    this.#ackTimer = null
    this.sendAck()
  }

  /** Writes the pending ack now, if there is one and the session is ready. */
  sendAck(): void {
    this.stopAckTimer()
    if (!this.#ready() || this.#inSeq <= this.#ackSent) return
    if (this.#host.write(ackFrame(this.#inSeq))) {
      this.#ackSent = this.#inSeq
      this.#trace?.({ type: 'ack-sent', seq: this.#inSeq })
    }
  }

  stopAckTimer(): void {
    if (this.#ackTimer === null) return
    this.#host.clearTimeout(this.#ackTimer)
    this.#ackTimer = null
  }

  /** The session ended or was reset: numbering starts again at seq 1. */
  clear(): void {
    this.stopAckTimer()
    this.#inSeq = 0
    this.#ackSent = 0
  }
}
