/**
 * The client half of the resume protocol (docs/resume-protocol.md), bound to
 * one connection through the layer hook (src/layer.ts): says hello with the
 * session id and the last seq received on every new socket, reads the welcome
 * (resumed, new or reset), and routes frames between the outgoing buffer
 * (outgoing.ts) and the receiving side (incoming.ts).
 */
import type { ConnectionLayer, HandedSession, LayerHost } from '../layer.js'
import type { SendData } from '../options.js'
import {
  ACK,
  binaryFrame,
  binaryMessage,
  binarySeq,
  MAX_SEQ,
  MESSAGE,
  PROTOCOL_ERROR,
  PROTOCOL_VERSION,
  parseSeq,
  WELCOME,
  type Welcome,
} from './frames.js'
import { IncomingAcks } from './incoming.js'
import type { ResumeOptions, ResumeSession, resolveResumeOptions } from './options.js'
import { type Kept, OutgoingBuffer } from './outgoing.js'
import { WelcomeCheck } from './welcome.js'

/**
 * String.prototype's own functions, for the inbound hot path. Called as methods
 * (`data.charCodeAt(i)`, `data.slice(n)`), V8 (Node 20) left each lookup a call
 * to its generic LoadIC in the optimized code (perf, B9's client-alone case:
 * about 5% of the samples, 0.05–0.1 µs per message); called through these
 * constants, they are inlined.
 */
const charCodeAt = String.prototype.charCodeAt
const slice = String.prototype.slice

export class ResumeLayer implements ConnectionLayer {
  readonly #host: LayerHost
  readonly #welcomeTimeout: number
  readonly #trace: ResumeOptions['trace']
  readonly #out: OutgoingBuffer
  readonly #in: IncomingAcks
  /** Checks every count a welcome reports, against what earlier welcomes told. */
  readonly #welcomeCheck = new WelcomeCheck()

  #sid: string | null = null
  #welcomeTimer: unknown = null
  #phase: 'down' | 'hello' | 'ready' = 'down'
  /**
   * This socket's welcome was taken: its acks count (bounded by the last seq
   * sent), also while it closes (phase `down`); before it, none does.
   */
  #welcomed = false
  /** The application asked for Blobs: the socket reads ArrayBuffers, the layer wraps them. */
  #blobs = false
  /**
   * The session was handed over (`start`) and not yet welcomed: how many
   * messages it numbered before is unknown here, so the welcome's ack sets
   * where this client's numbering goes on.
   */
  #handedOver = false

  constructor(
    host: LayerHost,
    options: ReturnType<typeof resolveResumeOptions>,
    start?: HandedSession,
  ) {
    this.#host = host
    this.#welcomeTimeout = options.welcomeTimeout
    this.#trace = options.trace
    this.#out = new OutgoingBuffer(options.maxBytes)
    this.#in = new IncomingAcks(host, options, () => this.#phase === 'ready')
    if (start !== undefined) {
      this.#sid = start.id
      this.#in.startAt(start.received)
      this.#handedOver = true
    }
  }

  /** Binary frames are read synchronously: the socket delivers ArrayBuffers. */
  get arrayBuffers(): boolean {
    return true
  }

  /**
   * A heartbeat ping is a chance to acknowledge that does not depend on the ack
   * timer (throttled in background tabs).
   */
  stateChanged(to: string): void {
    if (to === 'awaitingPong') this.#in.sendAck()
  }

  get session(): ResumeSession {
    return {
      id: this.#sid,
      sent: this.#out.sent,
      acknowledged: this.#out.acknowledged,
      received: this.#in.received,
      buffered: this.#out.sent - this.#out.acknowledged,
      bufferedBytes: this.#out.bytes,
      phase: this.#phase,
    }
  }

  opened(blobs: boolean): void {
    this.#phase = 'hello'
    this.#welcomed = false
    this.#blobs = blobs
    const hello: { v: number; sid?: string; ack: number } = {
      v: PROTOCOL_VERSION,
      ack: this.#in.received,
    }
    if (this.#sid !== null) hello.sid = this.#sid
    // The hello acknowledges everything received so far.
    this.#in.helloSent()
    this.#host.write(`H${JSON.stringify(hello)}`)
    this.#trace?.({ type: 'hello', session: this.#sid, ack: this.#in.received })
    this.#welcomeTimer = this.#host.setTimeout(() => {
      this.#welcomeTimer = null
      if (this.#phase === 'hello') this.#protocolError('no welcome')
    }, this.#welcomeTimeout)
  }

  ended(): void {
    this.#phase = 'down'
    this.#in.stopAckTimer()
    this.#stopWelcomeTimer()
  }

  #stopWelcomeTimer(): void {
    if (this.#welcomeTimer === null) return
    this.#host.clearTimeout(this.#welcomeTimer)
    this.#welcomeTimer = null
  }

  closed(): void {
    this.#in.clear()
    const dropped = this.#out.clear()
    this.#sid = null
    for (const data of dropped) this.#host.dispatch('drop', { data, reason: 'closed' })
  }

  send(data: SendData): boolean {
    if (this.#host.state() === 'closed') {
      this.#host.dispatch('drop', { data, reason: 'closed' })
      return false
    }
    const kept = this.#out.keep(data)
    if (kept === null) {
      this.#host.dispatch('drop', { data, reason: 'resume-buffer-full' })
      return false
    }
    if (this.#phase === 'ready') this.#write(kept.seq, kept.kept, false)
    return true
  }

  /**
   * While no session is ready every kept message waits for the replay, so all of
   * them are unsent; once ready, everything kept was written (acknowledged or
   * not, it is the network's now).
   */
  unsent(): number {
    return this.#phase === 'ready' ? 0 : this.#out.bytes
  }

  inbound(data: unknown): unknown {
    // The hot path, every text message: `M<seq> <payload>`, its seq read in the
    // same pass that finds the space. The rest is in #frame, to keep this small.
    if (typeof data === 'string' && charCodeAt.call(data, 0) === MESSAGE) {
      let seq = 0
      let at = 1
      let c = charCodeAt.call(data, 1)
      // At most 16 digits, as parseSeq allows; a missing space reads NaN and fails below.
      while (c >= 48 && c <= 57 && at < 17) {
        seq = seq * 10 + (c - 48)
        c = charCodeAt.call(data, ++at)
      }
      if (c !== 32 || at === 1) return this.#protocolError('malformed message frame')
      return this.#received(seq, slice.call(data, at + 1))
    }
    return this.#frame(data)
  }

  /** Every other inbound frame: an ack, the welcome, a binary message, or a malformed one. */
  #frame(data: unknown): unknown {
    if (typeof data === 'string') {
      const kind = data.charCodeAt(0)
      if (kind === ACK) {
        // Before this socket's welcome nothing of its session is settled: an ack
        // there could trim messages that were never written.
        if (!this.#welcomed) return this.#protocolError('ack before the welcome')
        const seq = parseSeq(data, data.length)
        if (seq < 0) return this.#protocolError('malformed ack frame')
        this.#acked(seq)
        return null
      }
      if (kind === WELCOME) {
        let welcome: unknown
        try {
          welcome = JSON.parse(data.slice(1))
        } catch {
          return this.#protocolError('malformed welcome frame')
        }
        this.#welcome(welcome)
        return null
      }
      return this.#protocolError(`unknown frame ${JSON.stringify(data.slice(0, 16))}`)
    }
    const bytes = binaryMessage(data)
    if (bytes === null) return this.#protocolError('malformed binary frame')
    const seq = binarySeq(bytes)
    let payload: unknown
    if (this.#blobs) payload = new Blob([bytes.subarray(9) as Uint8Array<ArrayBuffer>])
    else if (data instanceof ArrayBuffer) payload = data.slice(9)
    else payload = (data as Uint8Array).subarray(9)
    return this.#received(seq, payload)
  }

  /** The payload to deliver, or null for a duplicate (or a protocol error). */
  #received(seq: number, payload: unknown): unknown {
    if (this.#phase !== 'ready') return this.#protocolError('message before welcome')
    const taken = this.#in.take(seq)
    if (taken === 'duplicate') return null
    if (taken === 'gap') {
      return this.#protocolError(`gap: expected ${this.#in.received + 1}, got ${seq}`)
    }
    return payload
  }

  #acked(seq: number): void {
    if (seq > this.#out.sent) {
      this.#protocolError(`ack ${seq} beyond the last seq sent (${this.#out.sent})`)
      return
    }
    this.#trace?.({ type: 'ack-received', seq })
    this.#out.trim(seq)
  }

  #welcome(frame: unknown): void {
    this.#stopWelcomeTimer()
    if (this.#phase !== 'hello') {
      this.#protocolError('unexpected welcome')
      return
    }
    const problem = this.#welcomeCheck.problem(frame, {
      sid: this.#sid,
      sent: this.#handedOver ? MAX_SEQ : this.#out.sent,
      acknowledged: this.#out.acknowledged,
      received: this.#in.received,
    })
    if (problem !== null) {
      this.#protocolError(problem)
      return
    }
    const w = frame as Welcome
    this.#welcomed = true
    if (this.#handedOver && w.resumed) this.#out.rebase(w.ack)
    this.#handedOver = false
    const replay = w.replay ?? 0
    this.#trace?.({ type: 'welcome', session: w.sid, ack: w.ack, resumed: w.resumed, replay })
    if (w.resumed) {
      this.#out.trim(w.ack)
      this.#phase = 'ready'
      const replayed = this.#out.replay((seq, kept) => this.#write(seq, kept, true))
      this.#host.dispatch('resumed', {
        session: w.sid,
        replayed: { sent: replayed, received: replay },
      })
      return
    }
    const previous = this.#sid
    this.#sid = w.sid
    if (previous === null) {
      // A new session: what was sent before the first welcome goes out now.
      this.#phase = 'ready'
      this.#out.replay((seq, kept) => this.#write(seq, kept, false))
      return
    }
    // The server no longer had the session: nothing unacknowledged can be
    // recovered, and both directions start again at seq 1.
    const unconfirmed = this.#out.clear()
    this.#in.clear()
    this.#phase = 'ready'
    const received = w.reset?.lost ?? null
    this.#host.dispatch('reset', {
      previous,
      session: w.sid,
      lost: { sent: unconfirmed.length, received },
      unconfirmed,
    })
  }

  #write(seq: number, kept: Kept, replay: boolean): void {
    this.#host.write(typeof kept === 'string' ? `M${seq} ${kept}` : binaryFrame(seq, kept))
    this.#trace?.({ type: 'send', seq, replay })
  }

  #protocolError(reason: string): null {
    this.#trace?.({ type: 'protocol-error', reason })
    if (this.#phase === 'down') return null
    this.#phase = 'down'
    // Printable ASCII only, so 123 characters are 123 bytes (RFC 6455 §5.5): the
    // reason may quote what the server sent, and close() throws past the limit.
    const text = `resume: ${reason}`.replace(/[^\x20-\x7e]/g, '?')
    this.#host.end(PROTOCOL_ERROR, text.slice(0, 123))
    return null
  }
}
