/**
 * The client half of the resume protocol (docs/resume-protocol.md), bound to
 * one connection through the layer hook (src/layer.ts): its phases are the
 * chart machines/resume-session.ts (hello on every new socket, the welcome's
 * outcome: started, resumed or reset), and this layer does what the chart
 * emits, and routes frames between the outgoing buffer (outgoing.ts) and the
 * receiving side (incoming.ts).
 */
import { type Actor, createActor } from 'xstate'
import {
  type ResumeSessionEmitted,
  resumeSessionMachine,
  type WelcomeFields,
} from '../../machines/resume-session.js'
import type { ConnectionLayer, HandedSession, LayerHost } from '../layer.js'
import type { SendData } from '../options.js'
// The hot path's names by name; the rest of the wire format as `wire.…`.
import * as wire from '../protocol/resume.js'
import { MESSAGE, readTextMessage, type SeqSlot } from '../protocol/resume.js'
import { IncomingAcks } from './incoming.js'
import type { ResumeOptions, ResumeSession, resolveResumeOptions } from './options.js'
import { type Kept, OutgoingBuffer } from './outgoing.js'
import { ackLost } from './registry.js'
import { WelcomeCheck } from './welcome.js'

/** See readTextMessage: called through a constant, V8 inlines it on the hot path. */
const charCodeAt = String.prototype.charCodeAt
const slice = String.prototype.slice

export class ResumeLayer implements ConnectionLayer {
  readonly #host: LayerHost
  readonly #trace: ResumeOptions['trace']
  readonly #out: OutgoingBuffer
  readonly #in: IncomingAcks
  /** Checks every count a welcome reports, against what earlier welcomes told. */
  readonly #welcomeCheck = new WelcomeCheck()

  /** The session's phases: the chart decides, this layer does what it emits. */
  readonly #chart: Actor<typeof resumeSessionMachine>
  /** The application asked for Blobs: the socket reads ArrayBuffers, the layer wraps them. */
  #blobs = false
  /** Where the text message decoder leaves each seq (one slot, so decoding allocates nothing). */
  readonly #slot: SeqSlot = { seq: 0 }
  /**
   * The session was handed over (`start`) and not yet welcomed: how many messages
   * it numbered is unknown here, so the welcome's ack sets where numbering goes on.
   */
  #handedOver = false

  constructor(
    host: LayerHost,
    options: ReturnType<typeof resolveResumeOptions>,
    start?: HandedSession,
  ) {
    this.#host = host
    this.#trace = options.trace
    // The `ack` event (none once the connection closed).
    const out = new OutgoingBuffer(options.maxBytes, () => {
      if (host.state() !== 'closed') host.dispatch('ack', out.counts())
    })
    this.#out = out
    this.#in = new IncomingAcks(host, options, () => this.#ready())
    if (start !== undefined) {
      this.#in.startAt(start.received)
      this.#handedOver = true
    }
    this.#chart = createActor(resumeSessionMachine, {
      // A handed-over session: the first hello names it.
      input: { welcomeTimeout: options.welcomeTimeout, session: start?.id ?? null },
      // The connection's clock: the welcome's deadline runs on the same time as the chart's.
      clock: host,
    })
    this.#chart.on('*', (emitted) => this.#do(emitted as ResumeSessionEmitted))
    this.#chart.start()
  }

  /** @internal The session's chart (for an inspector). */
  get chart(): Actor<typeof resumeSessionMachine> {
    return this.#chart
  }

  /** The welcome was taken on this socket: messages flow (the chart's `ready` tag). */
  #ready(): boolean {
    return this.#chart.getSnapshot().hasTag('ready')
  }

  /** Binary frames are read synchronously: the socket delivers ArrayBuffers. */
  readonly arrayBuffers = true

  /** A heartbeat ping is a chance to acknowledge that does not depend on the (throttled) ack timer. */
  stateChanged(to: string): void {
    if (to === 'awaitingPong') this.#in.sendAck()
  }

  get session(): ResumeSession {
    const snapshot = this.#chart.getSnapshot()
    return {
      id: snapshot.context.session,
      sent: this.#out.sent,
      ...this.#out.counts(),
      received: this.#in.received,
      maxBytes: this.#out.maxBytes,
      phase: snapshot.hasTag('ready') ? 'ready' : (snapshot.value as 'down' | 'hello'),
    }
  }

  /** Resolves once at most `bytes` are kept unacknowledged (`whenAcknowledged`). */
  whenKept(bytes: number): Promise<void> {
    return this.#out.whenAtMost(bytes)
  }

  opened(blobs: boolean): void {
    this.#blobs = blobs
    this.#chart.send({ type: 'socket.opened' })
  }

  ended(): void {
    this.#in.stopAckTimer()
    this.#chart.send({ type: 'socket.ended' })
  }

  closed(): void {
    this.#out.fail(ackLost)
    this.#in.clear()
    const dropped = this.#out.clear()
    this.#chart.send({ type: 'connection.closed' })
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
    if (this.#ready()) this.#write(kept.seq, kept.kept, false)
    return true
  }

  /**
   * While no session is ready every kept message waits for the replay (unsent);
   * once ready, everything kept was written (acknowledged or not).
   */
  unsent(): number {
    return this.#chart.getSnapshot().hasTag('ready') ? 0 : this.#out.bytes
  }

  inbound(data: unknown): unknown {
    // The hot path, every text message: `M<seq> <payload>`. The rest is in #frame, to keep this small.
    if (typeof data === 'string' && charCodeAt.call(data, 0) === MESSAGE) {
      const at = readTextMessage(data, this.#slot)
      if (at < 0) return this.#protocolError('malformed message frame')
      return this.#received(this.#slot.seq, slice.call(data, at))
    }
    return this.#frame(data)
  }

  /** Every other inbound frame: an ack, the welcome, a binary message, or a malformed one. */
  #frame(data: unknown): unknown {
    if (typeof data === 'string') {
      const kind = data.charCodeAt(0)
      if (kind === wire.ACK) {
        // Before this socket's welcome nothing of its session is settled: an ack
        // there could trim messages that were never written.
        if (!this.#chart.getSnapshot().context.welcomed) {
          return this.#protocolError('ack before the welcome')
        }
        const seq = wire.ackSeq(data)
        if (seq < 0) return this.#protocolError('malformed ack frame')
        this.#acked(seq)
        return null
      }
      if (kind === wire.WELCOME) {
        const welcome = wire.frameJson(data)
        if (welcome === undefined) return this.#protocolError('malformed welcome frame')
        // Only a welcome that answers the hello is checked (the check keeps what it
        // tells); the chart refuses any other as unexpected.
        const chart = this.#chart.getSnapshot()
        const problem =
          chart.value === 'hello'
            ? this.#welcomeCheck.problem(welcome, {
                sid: chart.context.session,
                // A handed-over session numbered messages this client never saw.
                sent: this.#handedOver ? wire.MAX_SEQ : this.#out.sent,
                acknowledged: this.#out.acknowledged,
                received: this.#in.received,
              })
            : null
        this.#chart.send({ type: 'welcome', welcome, problem })
        return null
      }
      return this.#protocolError(`unknown frame ${JSON.stringify(data.slice(0, 16))}`)
    }
    const bytes = wire.binaryMessage(data)
    if (bytes === null) return this.#protocolError('malformed binary frame')
    const seq = wire.binarySeq(bytes)
    let payload: unknown
    if (this.#blobs) payload = new Blob([wire.binaryPayload(bytes) as Uint8Array<ArrayBuffer>])
    else if (data instanceof ArrayBuffer) payload = data.slice(wire.BINARY_HEADER)
    else payload = wire.binaryPayload(bytes)
    return this.#received(seq, payload)
  }

  /** The payload to deliver, or null for a duplicate (or a protocol error). */
  #received(seq: number, payload: unknown): unknown {
    if (!this.#ready()) return this.#protocolError('message before welcome')
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

  /** What the chart emitted: frames, replays and application events. */
  #do(emitted: ResumeSessionEmitted): void {
    switch (emitted.type) {
      case 'hello': {
        const hello: wire.Hello = { v: wire.PROTOCOL_VERSION, ack: this.#in.received }
        if (emitted.session !== null) hello.sid = emitted.session
        // The hello acknowledges everything received so far.
        this.#in.helloSent()
        this.#host.write(wire.helloFrame(hello))
        this.#trace?.({ type: 'hello', session: emitted.session, ack: this.#in.received })
        return
      }
      case 'started':
        this.#handedOver = false
        this.#traceWelcome(emitted.welcome)
        // A new session: what was sent before the first welcome goes out now.
        this.#out.replay((seq, kept) => this.#write(seq, kept, false))
        return
      case 'resumed': {
        const w = emitted.welcome
        this.#traceWelcome(w)
        // Numbering goes on from what the server holds of a handed-over session.
        if (this.#handedOver) this.#out.rebase(w.ack)
        this.#handedOver = false
        this.#out.trim(w.ack)
        const replayed = this.#out.replay((seq, kept) => this.#write(seq, kept, true))
        this.#host.dispatch('resumed', {
          session: w.sid,
          replayed: { sent: replayed, received: w.replay ?? 0 },
        })
        return
      }
      case 'reset': {
        const w = emitted.welcome
        this.#handedOver = false
        this.#traceWelcome(w)
        // Nothing unacknowledged can be recovered, and both directions start again at seq 1.
        const unconfirmed = this.#out.clear()
        this.#in.clear()
        this.#host.dispatch('reset', {
          previous: emitted.previous,
          session: w.sid,
          lost: { sent: unconfirmed.length, received: w.reset?.lost ?? null },
          unconfirmed,
        })
        return
      }
      case 'protocol-error': {
        this.#trace?.({ type: 'protocol-error', reason: emitted.reason })
        if (!emitted.end) return
        // Printable ASCII only, so 123 characters are 123 bytes (RFC 6455 §5.5): the
        // reason may quote what the server sent, and close() throws past the limit.
        const text = `resume: ${emitted.reason}`.replace(/[^\x20-\x7e]/g, '?')
        this.#host.end(wire.PROTOCOL_ERROR, text.slice(0, 123))
      }
    }
  }

  #traceWelcome(w: WelcomeFields): void {
    const replay = w.replay ?? 0
    this.#trace?.({ type: 'welcome', session: w.sid, ack: w.ack, resumed: w.resumed, replay })
  }

  #write(seq: number, kept: Kept, replay: boolean): void {
    this.#host.write(wire.messageFrame(seq, kept))
    this.#trace?.({ type: 'send', seq, replay })
  }

  #protocolError(reason: string): null {
    this.#chart.send({ type: 'protocol.error', reason })
    return null
  }
}
