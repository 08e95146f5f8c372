/**
 * One resumable session on the server, and its lifetime: a socket attaches
 * (welcome, replay), frames are routed to the inbound side
 * (session-inbound.ts) and the outbound side (session-outbound.ts), the socket
 * detaches, the session expires, moves or is closed. Lives longer than any one
 * socket. Every store call of a session runs in order on one chain, so the
 * store sees appends, receipts and acks in the order they happened.
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
import { type InboundHost, InboundMessages } from './session-inbound.js'
import { type OutboundHost, OutboundMessages, payloadOf } from './session-outbound.js'
import type { ClaimedSession } from './store.js'
import { frameOf } from './wire.js'

export class Session extends EventEmitter<SessionEvents> {
  readonly id: string
  readonly #settings: SessionSettings
  readonly #in: InboundMessages
  readonly #out: OutboundMessages
  #epoch = 0
  #socket: WebSocket | null = null
  /** The welcome was written: frames go straight to the socket. */
  #ready = false
  #scheduled = false
  #chain: Promise<unknown> = Promise.resolve()
  #expiry: ReturnType<typeof setTimeout> | null = null
  #closed = false

  /** @internal Sessions are created by `acceptSessions`. */
  constructor(id: string, settings: SessionSettings) {
    super()
    this.id = id
    this.#settings = settings
    const host: InboundHost & OutboundHost = {
      id,
      settings,
      epoch: () => this.#epoch,
      closed: () => this.#closed,
      attached: () => this.#socket !== null,
      writable: () => (this.#ready ? this.#socket : null),
      run: (call, handle) => this.#run(call, handle),
      schedule: () => this.#schedule(),
      moved: () => this.#moved(),
      protocolError: (reason) => this.#protocolError(reason),
      deliver: (data, info) => this.emit('message', data, info),
      drop: (data, reason) => this.emit('drop', data, reason),
    }
    this.#in = new InboundMessages(host)
    this.#out = new OutboundMessages(host)
  }

  /** Seq of the last message this session numbered (the store's count, so a new owner continues from it). */
  get sent(): number {
    return this.#out.sent
  }

  /** Seq of the last client message handed to the application. */
  get received(): number {
    return this.#in.received
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
    const value = payloadOf(data)
    if (this.#closed) {
      this.emit('drop', value, 'closed')
      return Promise.resolve(null)
    }
    return this.#out.push(value)
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
    this.#in.attach(claim)
    this.#out.attach(claim)
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
    this.#in.handover(claim)
    this.emit('attach')
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
      this.#in.push(binarySeq(data), data.subarray(9), true)
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
      this.#in.push(seq, text.slice(space + 1), false)
      this.#schedule()
      return
    }
    if (kind === ACK) {
      const seq = parseSeq(text, text.length)
      if (seq < 0 || !this.#out.acked(seq)) {
        this.#protocolError('bad ack')
        return
      }
      this.#schedule()
      return
    }
    this.#protocolError(`unexpected frame ${JSON.stringify(text.slice(0, 16))}`)
  }

  /** @internal The client's heartbeat: a chance to acknowledge without waiting for the timer. */
  pinged(): void {
    this.#in.sendAck()
    const epoch = this.#epoch
    this.#run(this.#settings.store.touch(this.id, epoch))
  }

  /** @internal The socket ended. */
  detached(socket: WebSocket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    this.#ready = false
    this.#in.stopAckTimer()
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
      this.#in.flush()
      this.#out.flushAcks()
      this.#out.flush()
    })
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
      this.#in.retake()
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
    this.#in.stopAckTimer()
    const socket = this.#socket
    this.#socket = null
    this.#ready = false
    if (socket !== null && code !== undefined) socket.close(code, why)
    this.#out.dropAll(reason === 'moved' ? 'moved' : 'closed')
    this.#settings.forget(this)
    this.emit('close', { reason, unacknowledged: this.#out.unacknowledged })
  }

  #protocolError(reason: string): void {
    this.#ready = false
    this.#socket?.close(PROTOCOL_ERROR, `resume: ${reason}`.slice(0, 123))
  }
}
