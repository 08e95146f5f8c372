/**
 * One resumable session on the server: numbered, buffered sends; inbound
 * messages handed to the application once and in order; cumulative acks both
 * ways; replay after the client comes back. Lives longer than any one socket.
 * Every store call of a session runs in order on one chain, so the store sees
 * appends, receipts and acks in the order they happened.
 */
import { EventEmitter } from 'node:events'
import type { WebSocket } from 'ws'
import {
  ACK,
  binarySeq,
  MESSAGE,
  PROTOCOL_ERROR,
  PROTOCOL_VERSION,
  parseSeq,
  REPLACED,
  type Welcome,
} from '../resume/frames.js'
import type { SessionCloseInfo, SessionEvents, SessionSettings } from './session-events.js'
import type { ClaimedSession } from './store.js'
import { frameOf } from './wire.js'

/** The most messages one store call appends. */
const MAX_BATCH = 1000

type Outgoing = { data: string | Buffer; done: (seq: number | null) => void }
type Incoming = { seq: number; data: string | Buffer; binary: boolean }

export class Session extends EventEmitter<SessionEvents> {
  readonly id: string
  readonly #settings: SessionSettings
  #epoch = 0
  #socket: WebSocket | null = null
  /** The welcome was written: frames go straight to the socket. */
  #ready = false
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
  /** Last server seq assigned, and the client's acknowledgement of them. */
  #outSeq = 0
  #outAcked = 0
  #pendingAck = 0
  #outbox: Outgoing[] = []
  #inbox: Incoming[] = []
  #scheduled = false
  #chain: Promise<unknown> = Promise.resolve()
  #expiry: ReturnType<typeof setTimeout> | null = null
  #closed = false

  /** @internal Sessions are created by `acceptSessions`. */
  constructor(id: string, settings: SessionSettings) {
    super()
    this.id = id
    this.#settings = settings
  }

  /** Seq of the last message this session numbered (the store's count, so a new owner continues from it). */
  get sent(): number {
    return this.#outSeq
  }

  /** Seq of the last client message handed to the application. */
  get received(): number {
    return this.#inSeq
  }

  /** True while a client socket is attached. */
  get attached(): boolean {
    return this.#socket !== null
  }

  /**
   * Numbers and keeps `data`, and writes it when the client is attached (else it
   * waits for the client to come back). Resolves with its seq once the store
   * holds it, or null when refused (a `drop` event says why).
   */
  send(data: string | Buffer | ArrayBuffer | ArrayBufferView): Promise<number | null> {
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
    if (this.#closed) {
      this.emit('drop', value, 'closed')
      return Promise.resolve(null)
    }
    return new Promise((done) => {
      this.#outbox.push({ data: value, done })
      this.#schedule()
    })
  }

  /** Ends the session: the socket is closed and the store forgets it. */
  close(): void {
    if (this.#closed) return
    const epoch = this.#epoch
    this.#end('closed', 1000, 'session closed')
    this.#run(this.#settings.store.remove(this.id, epoch))
  }

  // ---- used by the session manager --------------------------------------------

  /** @internal Attaches a socket after the store handed the session to this process. */
  attach(socket: WebSocket, claim: ClaimedSession, resumed: boolean, reset?: number | null): void {
    const old = this.#socket
    if (old !== null && old !== socket) old.close(REPLACED, 'replaced by a newer socket')
    this.#clearExpiry()
    this.#socket = socket
    this.#epoch = claim.epoch
    // A process that held this session before may have handed (in, mark] out.
    if (claim.in > this.#inSeq) this.#inSeq = claim.in
    this.#accepted = this.#inSeq
    this.#ackSent = claim.in
    if (claim.in > this.#committed) this.#committed = claim.in
    if (claim.mark > this.#redeliverTo) this.#redeliverTo = claim.mark
    if (claim.out > this.#outSeq) this.#outSeq = claim.out
    this.#outAcked = claim.out - claim.replay.length
    this.#inbox = []
    const welcome: Welcome = {
      v: PROTOCOL_VERSION,
      sid: this.id,
      ack: claim.in,
      resumed,
    }
    if (resumed) welcome.replay = claim.replay.length
    if (reset !== undefined) welcome.reset = { lost: reset }
    socket.send(`W${JSON.stringify(welcome)}`)
    for (const m of claim.replay) socket.send(frameOf(m))
    this.#ready = true
    if (claim.mark > this.#inSeq) this.#handover(claim.in)
    this.emit('attach')
  }

  /**
   * The previous owner may have handed (in, mark] to its application without
   * recording it yet (a process that lost the session still records what it
   * handed out). Before anything in that range is handed out here, wait
   * `handoverGrace` ms and read again how far it got: what it recorded is
   * skipped, the rest is handed out marked `redelivered` (it may have died
   * between handing out and recording).
   */
  #handover(from: number): void {
    const store = this.#settings.store
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.#settings.handoverGrace))
    this.#run(
      grace.then(() => store.committed(this.id)),
      (handedOut) => {
        if (handedOut > from && handedOut > this.#inSeq) {
          this.#inSeq = handedOut
          if (handedOut > this.#committed) this.#committed = handedOut
        }
      },
    )
  }

  /**
   * @internal Handles `call`'s result after the results of every store call issued
   * before it. Calls are issued at once (a Redis connection runs them in the
   * order they were sent, pipelined); only their handling waits its turn.
   */
  enqueue<T>(call: Promise<T>): Promise<T> {
    const next = this.#chain.then(() => call)
    this.#chain = next.catch(() => undefined)
    return next
  }

  /** @internal A frame from the attached socket. */
  frame(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (socket !== this.#socket || !this.#ready) return
    if (isBinary) {
      if (data.byteLength < 9 || data[0] !== MESSAGE) {
        this.#protocolError('malformed binary frame')
        return
      }
      this.#inbox.push({ seq: binarySeq(data), data: data.subarray(9), binary: true })
      this.#schedule()
      return
    }
    const text = data.toString()
    const kind = text.charCodeAt(0)
    if (kind === MESSAGE) {
      const space = text.indexOf(' ')
      const seq = parseSeq(text, space)
      if (seq < 0) {
        this.#protocolError('malformed message frame')
        return
      }
      this.#inbox.push({ seq, data: text.slice(space + 1), binary: false })
      this.#schedule()
      return
    }
    if (kind === ACK) {
      const seq = parseSeq(text, text.length)
      if (seq < 0 || seq > this.#outSeq) {
        this.#protocolError('bad ack')
        return
      }
      if (seq > this.#pendingAck) this.#pendingAck = seq
      this.#schedule()
      return
    }
    this.#protocolError(`unexpected frame ${JSON.stringify(text.slice(0, 16))}`)
  }

  /** @internal The client's heartbeat: a chance to acknowledge without waiting for the timer. */
  pinged(): void {
    this.#sendAck()
    const epoch = this.#epoch
    this.#run(this.#settings.store.touch(this.id, epoch))
  }

  /** @internal The socket ended. */
  detached(socket: WebSocket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    this.#ready = false
    this.#stopAckTimer()
    const epoch = this.#epoch
    this.#run(this.#settings.store.touch(this.id, epoch))
    this.#expiry = setTimeout(() => {
      this.#expiry = null
      if (this.#socket !== null || this.#closed) return
      this.#run(this.#settings.store.expire(this.id, epoch), (expired) => {
        if (this.#socket === null) this.#end(expired ? 'expired' : 'moved')
      })
    }, this.#settings.store.ttl)
    this.#expiry.unref?.()
    this.emit('detach')
  }

  // ---- internals -----------------------------------------------------------------

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    // One batch per turn: a socket read delivers its frames synchronously.
    queueMicrotask(() => {
      this.#scheduled = false
      this.#flushInbox()
      this.#flushAcks()
      this.#flushOutbox()
    })
  }

  #flushInbox(): void {
    if (this.#inbox.length === 0) return
    const batch: Incoming[] = []
    for (const m of this.#inbox) {
      if (m.seq <= this.#accepted) continue // a replay of something already taken
      if (m.seq !== this.#accepted + 1) {
        this.#inbox = []
        this.#protocolError(`gap: expected ${this.#accepted + 1}, got ${m.seq}`)
        return
      }
      this.#accepted = m.seq
      batch.push(m)
    }
    this.#inbox = []
    if (batch.length === 0) return
    const last = (batch.at(-1) as Incoming).seq
    const epoch = this.#epoch
    this.#run(this.#settings.store.received(this.id, epoch, last), (owned) => {
      if (!owned) return this.#moved()
      if (this.#closed) return
      for (const m of batch) {
        // Handed out by the previous owner (learnt during the handover): skipped.
        if (m.seq <= this.#inSeq) continue
        this.#inSeq = m.seq
        this.emit('message', m.data, {
          seq: m.seq,
          binary: m.binary,
          redelivered: m.seq <= this.#redeliverTo,
        })
      }
      // Recorded at once, so a process that takes over later repeats as little as possible.
      const delivered = this.#inSeq
      this.#run(this.#settings.store.commit(this.id, epoch, delivered), (stillOwned) => {
        if (!stillOwned) return this.#moved()
        if (delivered > this.#committed) this.#committed = delivered
        if (this.#committed - this.#ackSent >= this.#settings.ackEvery) this.#sendAck()
        else if (this.#ackTimer === null && this.#socket !== null) {
          this.#ackTimer = setTimeout(() => {
            this.#ackTimer = null
            this.#sendAck()
          }, this.#settings.ackDelay)
        }
      })
    })
  }

  #flushAcks(): void {
    const seq = this.#pendingAck
    if (seq <= this.#outAcked) return
    this.#outAcked = seq
    const epoch = this.#epoch
    this.#run(this.#settings.store.acked(this.id, epoch, seq), (owned) => {
      if (!owned) this.#moved()
    })
  }

  #flushOutbox(): void {
    if (this.#outbox.length === 0) return
    // Bounded batches: one store call (a Lua script's arguments) per thousand messages.
    const batch = this.#outbox.splice(0, MAX_BATCH)
    if (this.#outbox.length > 0) this.#schedule()
    const epoch = this.#epoch
    const call = this.#settings.store.append(
      this.id,
      epoch,
      batch.map((m) => m.data),
    )
    // A failing store refuses the batch, and says so for each message.
    call.catch(() => {
      for (const m of batch) {
        this.emit('drop', m.data, 'store-failed')
        m.done(null)
      }
    })
    this.#run(call, (seqs) => {
      if (seqs === null) {
        for (const m of batch) {
          this.emit('drop', m.data, 'moved')
          m.done(null)
        }
        return this.#moved()
      }
      const socket = this.#ready ? this.#socket : null
      for (let i = 0; i < batch.length; i++) {
        const m = batch[i] as Outgoing
        const seq = seqs[i] ?? 0
        if (seq === 0) {
          this.emit('drop', m.data, 'buffer-full')
          m.done(null)
          continue
        }
        if (seq > this.#outSeq) this.#outSeq = seq
        socket?.send(frameOf({ seq, data: m.data }))
        m.done(seq)
      }
    })
  }

  #sendAck(): void {
    this.#stopAckTimer()
    const seq = this.#committed
    if (seq <= this.#ackSent) return
    const socket = this.#ready ? this.#socket : null
    if (socket === null || socket.readyState !== 1) return
    this.#ackSent = seq
    socket.send(`A${seq}`)
  }

  #stopAckTimer(): void {
    if (this.#ackTimer === null) return
    clearTimeout(this.#ackTimer)
    this.#ackTimer = null
  }

  #clearExpiry(): void {
    if (this.#expiry === null) return
    clearTimeout(this.#expiry)
    this.#expiry = null
  }

  /** A store call on the chain; a failing store ends the socket (the client resumes later). */
  #run<T>(call: Promise<T>, handle?: (result: T) => unknown): void {
    const step = this.#chain.then(() => call)
    this.#chain = (handle ? step.then(handle) : step).catch((error: unknown) => {
      this.#settings.error(error)
      // What was taken but not handed out is taken again from the client's replay.
      this.#accepted = this.#inSeq
      this.#socket?.close(1011, 'session store failed')
    })
  }

  #moved(): void {
    this.#end('moved', REPLACED, 'session moved to another server')
  }

  #end(reason: SessionCloseInfo['reason'], code?: number, why?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#clearExpiry()
    this.#stopAckTimer()
    const socket = this.#socket
    this.#socket = null
    this.#ready = false
    if (socket !== null && code !== undefined) socket.close(code, why)
    for (const m of this.#outbox.splice(0)) {
      this.emit('drop', m.data, reason === 'moved' ? 'moved' : 'closed')
      m.done(null)
    }
    this.#settings.forget(this)
    this.emit('close', { reason, unacknowledged: this.#outSeq - this.#outAcked })
  }

  #protocolError(reason: string): void {
    this.#ready = false
    this.#socket?.close(PROTOCOL_ERROR, `resume: ${reason}`.slice(0, 123))
  }
}
