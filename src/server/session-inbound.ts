/**
 * A server session's inbound side (docs/resume-protocol.md): client messages
 * taken once and in order, recorded in the store, handed to the application,
 * and acknowledged cumulatively once recorded. After a takeover it skips what
 * the previous owner handed out and marks what it may have handed out.
 */
import { ackFrame } from '../protocol/resume.js'
import type { SessionCore, SessionMessageInfo } from './session-events.js'
import type { ClaimedSession } from './store.js'

type Incoming = { seq: number; data: string | Buffer; binary: boolean }

/** What the inbound side needs from its session. */
export interface InboundHost extends SessionCore {
  closed(): boolean
  /** A client socket is attached (welcomed or not). */
  attached(): boolean
  protocolError(reason: string): void
  deliver(data: string | Buffer, info: SessionMessageInfo): void
}

export class InboundMessages {
  readonly #host: InboundHost
  /** Last client seq handed to the application. */
  #inSeq = 0
  /** Last client seq taken for delivery (≥ #inSeq while a receipt is recorded). */
  #accepted = 0
  /** Client seqs up to this one may have been handed out by a previous owner. */
  #redeliverTo = 0
  #ackSent = 0
  /** Last client seq the store recorded as handed out (what an ack may cover). */
  #committed = 0
  #ackTimer: ReturnType<typeof setTimeout> | null = null
  #inbox: Incoming[] = []

  constructor(host: InboundHost) {
    this.#host = host
  }

  /** Seq of the last client message handed to the application. */
  get received(): number {
    return this.#inSeq
  }

  /** A socket attached with this claim: continue from what the store knows. */
  attach(claim: ClaimedSession): void {
    // A process that held this session before may have handed (in, mark] out.
    if (claim.in > this.#inSeq) this.#inSeq = claim.in
    this.#accepted = this.#inSeq
    this.#ackSent = claim.in
    if (claim.in > this.#committed) this.#committed = claim.in
    if (claim.mark > this.#redeliverTo) this.#redeliverTo = claim.mark
    this.#inbox = []
  }

  /**
   * The previous owner may have handed (in, mark] to its application without
   * recording it yet (a process that lost the session still records what it
   * handed out). Before anything in that range is handed out here, wait
   * `handoverGrace` ms and read again how far it got: what it recorded is
   * skipped, the rest is handed out marked `redelivered` (it may have died
   * between handing out and recording).
   */
  handover(claim: ClaimedSession): void {
    if (claim.mark <= this.#inSeq) return
    const from = claim.in
    const host = this.#host
    const grace = new Promise<void>((resolve) => setTimeout(resolve, host.settings.handoverGrace))
    host.run(
      () => grace.then(() => host.settings.store.committed(host.key)),
      (handedOut) => {
        if (handedOut > from && handedOut > this.#inSeq) {
          this.#inSeq = handedOut
          if (handedOut > this.#committed) this.#committed = handedOut
        }
      },
    )
  }

  /** A message frame from the client (checked for order at the next flush). */
  push(seq: number, data: string | Buffer, binary: boolean): void {
    this.#inbox.push({ seq, data, binary })
  }

  /** A store call failed: what was taken but not handed out is taken again from the client's replay. */
  retake(): void {
    this.#accepted = this.#inSeq
  }

  flush(): void {
    if (this.#inbox.length === 0) return
    const host = this.#host
    const batch: Incoming[] = []
    for (const m of this.#inbox) {
      if (m.seq <= this.#accepted) continue // a replay of something already taken
      if (m.seq !== this.#accepted + 1) {
        this.#inbox = []
        host.protocolError(`gap: expected ${this.#accepted + 1}, got ${m.seq}`)
        return
      }
      this.#accepted = m.seq
      batch.push(m)
    }
    this.#inbox = []
    if (batch.length === 0) return
    const last = (batch.at(-1) as Incoming).seq
    const { store } = host.settings
    host.run(
      () => store.received(host.key, host.epoch(), last),
      (owned) => {
        if (!owned) return host.moved()
        if (host.closed()) return
        for (const m of batch) {
          // Handed out by the previous owner (learnt during the handover): skipped.
          if (m.seq <= this.#inSeq) continue
          this.#inSeq = m.seq
          host.deliver(m.data, {
            seq: m.seq,
            binary: m.binary,
            redelivered: m.seq <= this.#redeliverTo,
          })
        }
        // Recorded at once, so a process that takes over later repeats as little as possible.
        const delivered = this.#inSeq
        host.run(
          () => store.commit(host.key, host.epoch(), delivered),
          (stillOwned) => {
            if (!stillOwned) return host.moved()
            if (delivered > this.#committed) this.#committed = delivered
            if (this.#committed - this.#ackSent >= host.settings.ackEvery) this.sendAck()
            else if (this.#ackTimer === null && host.attached()) {
              this.#ackTimer = setTimeout(() => {
                this.#ackTimer = null
                this.sendAck()
              }, host.settings.ackDelay)
            }
          },
        )
      },
    )
  }

  /** Acknowledges what the store recorded, if the client does not know it yet. */
  sendAck(): void {
    this.stopAckTimer()
    const seq = this.#committed
    if (seq <= this.#ackSent) return
    const socket = this.#host.writable()
    if (socket === null || socket.readyState !== 1) return
    this.#ackSent = seq
    socket.send(ackFrame(seq))
  }

  stopAckTimer(): void {
    if (this.#ackTimer === null) return
    clearTimeout(this.#ackTimer)
    this.#ackTimer = null
  }
}
