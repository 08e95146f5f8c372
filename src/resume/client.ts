/**
 * The client half of the resume protocol (docs/resume-protocol.md): numbers
 * every application message, keeps it until the server acknowledges it, says
 * hello with the session id and the last seq received on every new socket, and
 * replays what the server did not acknowledge. Bound to one connection through
 * the layer hook (src/layer.ts).
 */
import type { ConnectionLayer, LayerHost } from '../layer.js'
import type { SendData, WebSocketLike } from '../options.js'
import {
  ACK,
  binaryFrame,
  binarySeq,
  MESSAGE,
  PROTOCOL_ERROR,
  PROTOCOL_VERSION,
  parseSeq,
  WELCOME,
  type Welcome,
} from './frames.js'
import type { ResumeOptions, ResumeSession, resolveResumeOptions } from './options.js'

/** A kept message: the string, or a copy of the binary data. */
type Kept = string | Uint8Array

export class ResumeLayer implements ConnectionLayer {
  readonly #host: LayerHost
  readonly #maxBytes: number
  readonly #ackDelay: number
  readonly #ackEvery: number
  readonly #welcomeTimeout: number
  readonly #trace: ResumeOptions['trace']

  #sid: string | null = null
  /** Seq of the last message numbered. */
  #outSeq = 0
  /** Seq up to which the server acknowledged. `#kept[#head]` has seq `#outAcked + 1`. */
  #outAcked = 0
  #kept: Kept[] = []
  #sizes: number[] = []
  #head = 0
  #bytes = 0
  /** Seq of the last server message delivered. */
  #inSeq = 0
  #ackSent = 0
  #unacked = 0
  #ackTimer: unknown = null
  #welcomeTimer: unknown = null
  #ackSoon = false
  #phase: 'down' | 'hello' | 'ready' = 'down'
  #socket: WebSocketLike | null = null
  /** The application asked for Blobs: the socket reads ArrayBuffers, the layer wraps them. */
  #blobs = false

  constructor(host: LayerHost, options: ReturnType<typeof resolveResumeOptions>) {
    this.#host = host
    this.#maxBytes = options.maxBytes
    this.#ackDelay = options.ackDelay
    this.#ackEvery = options.ackEvery
    this.#welcomeTimeout = options.welcomeTimeout
    this.#trace = options.trace
    // A heartbeat ping is a chance to acknowledge that does not depend on the
    // ack timer (throttled in background tabs).
    const connection = host.connection as {
      addEventListener(type: 'statechange', listener: (event: { to: string }) => void): void
    }
    connection.addEventListener('statechange', (event) => {
      if (event.to === 'awaitingPong') this.#sendAck()
    })
  }

  get session(): ResumeSession {
    return {
      id: this.#sid,
      sent: this.#outSeq,
      acknowledged: this.#outAcked,
      received: this.#inSeq,
      buffered: this.#outSeq - this.#outAcked,
      bufferedBytes: this.#bytes,
      phase: this.#phase,
    }
  }

  opened(socket: WebSocketLike): void {
    this.#socket = socket
    this.#phase = 'hello'
    this.#blobs = socket.binaryType === 'blob'
    if (this.#blobs) socket.binaryType = 'arraybuffer'
    const hello: { v: number; sid?: string; ack: number } = {
      v: PROTOCOL_VERSION,
      ack: this.#inSeq,
    }
    if (this.#sid !== null) hello.sid = this.#sid
    // The hello acknowledges everything received so far.
    this.#ackSent = this.#inSeq
    this.#unacked = 0
    this.#host.write(`H${JSON.stringify(hello)}`)
    this.#trace?.({ type: 'hello', session: this.#sid, ack: this.#inSeq })
    this.#welcomeTimer = this.#host.setTimeout(() => {
      this.#welcomeTimer = null
      if (this.#phase === 'hello') this.#protocolError('no welcome')
    }, this.#welcomeTimeout)
  }

  ended(): void {
    this.#phase = 'down'
    this.#socket = null
    this.#stopAckTimer()
    this.#stopWelcomeTimer()
  }

  #stopWelcomeTimer(): void {
    if (this.#welcomeTimer === null) return
    this.#host.clearTimeout(this.#welcomeTimer)
    this.#welcomeTimer = null
  }

  closed(): void {
    this.#stopAckTimer()
    const dropped = this.#takeKept()
    this.#sid = null
    this.#outSeq = 0
    this.#outAcked = 0
    this.#inSeq = 0
    this.#ackSent = 0
    for (const data of dropped) this.#host.dispatch('drop', { data, reason: 'closed' })
  }

  send(data: SendData): boolean {
    if (this.#host.state() === 'closed') {
      this.#host.dispatch('drop', { data, reason: 'closed' })
      return false
    }
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
    if (this.#bytes + size > this.#maxBytes) {
      this.#host.dispatch('drop', { data, reason: 'resume-buffer-full' })
      return false
    }
    const seq = ++this.#outSeq
    this.#kept.push(kept)
    this.#sizes.push(size)
    this.#bytes += size
    if (this.#phase === 'ready') this.#write(seq, kept, false)
    return true
  }

  inbound(data: unknown): unknown {
    if (typeof data === 'string') {
      const kind = data.charCodeAt(0)
      if (kind === MESSAGE) {
        const space = data.indexOf(' ')
        const seq = parseSeq(data, space)
        if (seq < 0) return this.#protocolError('malformed message frame')
        return this.#received(seq, data.slice(space + 1))
      }
      if (kind === ACK) {
        const seq = parseSeq(data, data.length)
        if (seq < 0) return this.#protocolError('malformed ack frame')
        this.#acked(seq)
        return null
      }
      if (kind === WELCOME) {
        let welcome: Welcome
        try {
          welcome = JSON.parse(data.slice(1)) as Welcome
        } catch {
          return this.#protocolError('malformed welcome frame')
        }
        this.#welcome(welcome)
        return null
      }
      return this.#protocolError(`unknown frame ${JSON.stringify(data.slice(0, 16))}`)
    }
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : null
    if (bytes === null || bytes.byteLength < 9 || bytes[0] !== MESSAGE) {
      return this.#protocolError('malformed binary frame')
    }
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
    if (seq <= this.#inSeq) {
      this.#trace?.({ type: 'receive', seq, duplicate: true })
      return null
    }
    if (seq !== this.#inSeq + 1) {
      return this.#protocolError(`gap: expected ${this.#inSeq + 1}, got ${seq}`)
    }
    this.#inSeq = seq
    this.#trace?.({ type: 'receive', seq, duplicate: false })
    if (++this.#unacked >= this.#ackEvery) {
      // At the end of this turn: one socket read delivers many messages, one ack covers them.
      if (!this.#ackSoon) {
        this.#ackSoon = true
        queueMicrotask(() => {
          this.#ackSoon = false
          this.#sendAck()
        })
      }
    } else if (this.#ackTimer === null) {
      this.#ackTimer = this.#host.setTimeout(() => {
        this.#ackTimer = null
        this.#sendAck()
      }, this.#ackDelay)
    }
    return payload
  }

  #acked(seq: number): void {
    if (seq > this.#outSeq) {
      this.#protocolError(`ack ${seq} beyond the last seq sent (${this.#outSeq})`)
      return
    }
    this.#trace?.({ type: 'ack-received', seq })
    this.#trim(seq)
  }

  #welcome(w: Welcome): void {
    this.#stopWelcomeTimer()
    if (
      this.#phase !== 'hello' ||
      w.v !== PROTOCOL_VERSION ||
      typeof w.sid !== 'string' ||
      w.sid === '' ||
      !Number.isSafeInteger(w.ack) ||
      w.ack < 0
    ) {
      this.#protocolError('unexpected or malformed welcome')
      return
    }
    const replay = typeof w.replay === 'number' ? w.replay : 0
    this.#trace?.({ type: 'welcome', session: w.sid, ack: w.ack, resumed: w.resumed, replay })
    if (w.resumed) {
      if (w.sid !== this.#sid || w.ack > this.#outSeq || w.ack < this.#outAcked) {
        this.#protocolError('welcome does not match this session')
        return
      }
      this.#trim(w.ack)
      this.#phase = 'ready'
      const replayed = this.#writeKept(true)
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
      if (w.ack !== 0) {
        this.#protocolError('a new session must start at seq 0')
        return
      }
      this.#phase = 'ready'
      this.#writeKept(false)
      return
    }
    // The server no longer had the session: nothing unacknowledged can be
    // recovered, and both directions start again at seq 1.
    const unconfirmed = this.#takeKept()
    this.#outSeq = 0
    this.#outAcked = 0
    this.#inSeq = 0
    this.#ackSent = 0
    this.#unacked = 0
    this.#stopAckTimer()
    this.#phase = 'ready'
    const received = w.reset && typeof w.reset.lost === 'number' ? w.reset.lost : null
    this.#host.dispatch('reset', {
      previous,
      session: w.sid,
      lost: { sent: unconfirmed.length, received },
      unconfirmed,
    })
  }

  /** Removes and returns every kept message (as the application's data). */
  #takeKept(): SendData[] {
    const out = this.#kept.slice(this.#head) as SendData[]
    this.#kept = []
    this.#sizes = []
    this.#head = 0
    this.#bytes = 0
    this.#outAcked = this.#outSeq
    return out
  }

  /** Writes every kept message; returns how many. */
  #writeKept(replay: boolean): number {
    const kept = this.#kept
    let seq = this.#outAcked
    for (let i = this.#head; i < kept.length; i++) this.#write(++seq, kept[i] as Kept, replay)
    return kept.length - this.#head
  }

  #write(seq: number, kept: Kept, replay: boolean): void {
    this.#host.write(typeof kept === 'string' ? `M${seq} ${kept}` : binaryFrame(seq, kept))
    this.#trace?.({ type: 'send', seq, replay })
  }

  #trim(seq: number): void {
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
  }

  #sendAck(): void {
    this.#stopAckTimer()
    if (this.#phase !== 'ready' || this.#inSeq <= this.#ackSent) return
    if (this.#host.write(`A${this.#inSeq}`)) {
      this.#ackSent = this.#inSeq
      this.#unacked = 0
      this.#trace?.({ type: 'ack-sent', seq: this.#inSeq })
    }
  }

  #stopAckTimer(): void {
    if (this.#ackTimer === null) return
    this.#host.clearTimeout(this.#ackTimer)
    this.#ackTimer = null
  }

  #protocolError(reason: string): null {
    this.#trace?.({ type: 'protocol-error', reason })
    const socket = this.#socket
    this.#phase = 'down'
    try {
      socket?.close(PROTOCOL_ERROR, `resume: ${reason}`.slice(0, 123))
    } catch {
      // Closing already.
    }
    return null
  }
}
