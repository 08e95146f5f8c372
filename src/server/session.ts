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
import * as wire from '../protocol/resume.js'
import { closeSocket } from './close-socket.js'
import type {
  SessionAttachInfo,
  SessionCloseInfo,
  SessionEvents,
  SessionSettings,
} from './session-events.js'
import { type InboundHost, InboundMessages } from './session-inbound.js'
import { type OutboundHost, OutboundMessages, payloadOf } from './session-outbound.js'
import type { ClaimedSession, MissingSession } from './store.js'

export class Session extends EventEmitter<SessionEvents> {
  readonly id: string
  /** Who the session belongs to (what `identify` returned when it was created), if anyone. */
  readonly principal: string | undefined
  /** @internal The session's key in the store: its id, scoped by its principal. */
  readonly key: string
  readonly #settings: SessionSettings
  readonly #in: InboundMessages
  readonly #out: OutboundMessages
  #epoch = 0
  #socket: WebSocket | null = null
  /** The welcome was written: frames go straight to the socket. */
  #ready = false
  #scheduled = false
  #chain: Promise<unknown> = Promise.resolve()
  /** A claim of this session is on its way: later store calls wait for its epoch. */
  #claiming: Promise<unknown> | null = null
  /** Refreshes the store's ttl while a socket is attached. */
  #refresh: ReturnType<typeof setInterval> | null = null
  #expiry: ReturnType<typeof setTimeout> | null = null
  #closed = false

  /** @internal Sessions are created by `acceptSessions`. */
  constructor(id: string, key: string, principal: string | undefined, settings: SessionSettings) {
    super()
    this.id = id
    this.key = key
    this.principal = principal
    this.#settings = settings
    const host: InboundHost & OutboundHost = {
      key,
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
    this.#run(() => this.#settings.store.remove(this.key, epoch))
  }

  // ---- used by the session manager --------------------------------------------

  /** @internal Attaches a socket after the store handed the session to this process. */
  attach(
    attach: Omit<SessionAttachInfo, 'resumed'>,
    claim: ClaimedSession,
    resumed: boolean,
    reset?: number | null,
  ): void {
    const { socket } = attach
    const old = this.#socket
    if (old !== null && old !== socket) {
      closeSocket(old, wire.REPLACED, 'replaced by a newer socket', this.#settings.closeTimeout)
    }
    this.#clearExpiry()
    this.#startRefresh()
    this.#socket = socket
    this.#epoch = claim.epoch
    this.#in.attach(claim)
    this.#out.attach(claim)
    const welcome: wire.Welcome = { v: wire.PROTOCOL_VERSION, sid: this.id, ack: claim.in, resumed }
    if (resumed) welcome.replay = claim.replay.length
    if (reset !== undefined) welcome.reset = { lost: reset }
    socket.send(wire.welcomeFrame(welcome))
    for (const m of claim.replay) socket.send(wire.messageFrame(m.seq, m.data))
    this.#ready = true
    this.#in.handover(claim)
    const info: SessionAttachInfo = { ...attach, resumed }
    this.#settings.attached(this, info)
    this.emit('attach', info)
  }

  /**
   * @internal Claims this session again for a new socket. The claim is issued
   * now (or after a claim already in flight), and store calls made from now on
   * wait for it and carry its epoch: made with the old one, they would find the
   * session taken and end it as moved.
   */
  reclaim<T extends ClaimedSession | MissingSession>(claim: () => Promise<T>): Promise<T> {
    const call = this.#claiming === null ? claim() : this.#claiming.then(claim)
    const gate: Promise<unknown> = call.then(
      (result) => {
        if ('epoch' in result && result.out >= 0) this.#epoch = result.epoch
      },
      () => undefined,
    )
    this.#claiming = gate
    void gate.then(() => {
      if (this.#claiming === gate) this.#claiming = null
    })
    return this.enqueue(call)
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
    const frame = wire.readClientFrame(isBinary ? data : data.toString())
    if (frame.kind === 'message') this.#in.push(frame.seq, frame.data, isBinary)
    else if (frame.kind === 'error' || !this.#out.acked(frame.seq)) {
      this.#protocolError(frame.kind === 'error' ? frame.reason : 'bad ack')
      return
    }
    this.#schedule()
  }

  /**
   * @internal The client's heartbeat: a chance to acknowledge without waiting for
   * the timer. No store call: the ttl is refreshed on a timer while attached.
   */
  pinged(): void {
    this.#in.sendAck()
  }

  /** @internal The socket ended. */
  detached(socket: WebSocket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    this.#ready = false
    this.#in.stopAckTimer()
    this.#stopRefresh()
    const epoch = this.#epoch
    this.#run(() => this.#settings.store.touch(this.key, epoch))
    this.#expiry = setTimeout(() => {
      this.#expiry = null
      if (this.#socket !== null || this.#closed) return
      this.#run(
        () => this.#settings.store.expire(this.key, epoch),
        (expired) => {
          if (this.#socket === null) this.#end(expired ? 'expired' : 'moved')
        },
      )
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
  #run<T>(issue: () => Promise<T>, handle?: (result: T) => unknown): Promise<T> {
    let call: Promise<T>
    try {
      call = this.#claiming === null ? issue() : this.#claiming.then(issue)
    } catch (error) {
      call = Promise.reject(error)
    }
    // Its failure is handled on the chain, which may reach it only later.
    call.catch(() => undefined)
    const step = this.#chain.then(() => call)
    this.#chain = (handle ? step.then(handle) : step).catch((error: unknown) => {
      this.#settings.error(error)
      this.#in.retake()
      const socket = this.#socket
      if (socket !== null) {
        closeSocket(socket, 1011, 'session store failed', this.#settings.closeTimeout)
      }
    })
    return call
  }

  /** While attached, the store's ttl is refreshed three times per ttl, whatever the client sends. */
  #startRefresh(): void {
    if (this.#refresh !== null) return
    const { store } = this.#settings
    this.#refresh = setInterval(
      () => this.#run(() => store.touch(this.key, this.#epoch)),
      store.ttl / 3,
    )
    this.#refresh.unref?.()
  }

  #stopRefresh(): void {
    if (this.#refresh === null) return
    clearInterval(this.#refresh)
    this.#refresh = null
  }

  #moved(): void {
    this.#end('moved', wire.REPLACED, 'session moved to another server')
  }

  #end(reason: SessionCloseInfo['reason'], code?: number, why?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#clearExpiry()
    this.#stopRefresh()
    this.#in.stopAckTimer()
    const socket = this.#socket
    this.#socket = null
    this.#ready = false
    if (socket !== null && code !== undefined) {
      closeSocket(socket, code, why ?? '', this.#settings.closeTimeout)
    }
    this.#out.dropAll(reason === 'moved' ? 'moved' : 'closed')
    this.#settings.forget(this)
    this.emit('close', { reason, unacknowledged: this.#out.unacknowledged })
  }

  #protocolError(reason: string): void {
    this.#ready = false
    const socket = this.#socket
    if (socket === null) return
    closeSocket(socket, wire.PROTOCOL_ERROR, `resume: ${reason}`, this.#settings.closeTimeout)
  }
}
