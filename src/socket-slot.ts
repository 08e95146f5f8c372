/**
 * The one owner of a connection's sockets and of what is written to them: the
 * current attempt's socket, the one still closing, the write gate (the open
 * socket that takes sends directly) and the outgoing queue (out-queue.ts). The socket actor
 * (src/socket.ts) creates and tears sockets down and tells the slot through the
 * chart's ports (src/ports.ts); the facade reads it and sends through it. Nobody
 * else holds a socket.
 *
 * The gate is opened by the flush on entering `connected` (so queued messages
 * always go first) and closed when the socket ends or its pong deadline passed.
 *
 * A message written to a socket is tentative until that socket shows that its
 * server reads it (its first inbound frame); a socket the server then refuses
 * unread (1013 before any inbound frame) gives its tentative messages back
 * to the front of the queue, in order (src/refused.ts). The rule, and what a server
 * must do for it to hold, is in docs/reliability.md ("When a message is handed over").
 */

import { byteSize } from './byte-size.js'
import type { DropReason, SendOutcomeListener } from './events.js'
import { OutQueue, type QueueLimits } from './out-queue.js'
import { REFUSED, Tentative } from './refused.js'
import { dataOf, type Item, QUEUED, Tracked, tell, WRITTEN } from './send-outcome.js'
import type { LivenessProbe } from './socket-host.js'
import type { Pausable, SendData, WebSocketLike } from './socket-types.js'

const BINARY_TYPES = ['blob', 'arraybuffer', 'nodebuffer', 'fragments']

export class SocketSlot {
  /** The current attempt's socket, from its creation until it ends. */
  #socket: WebSocketLike | null = null
  /** The socket detached last: while the chart waits for its close, readyState follows it. */
  #ending: WebSocketLike | null = null
  /** The socket that opened last, until it ends (a layer writes to it before the gate opens). */
  #open: WebSocketLike | null = null
  /** The write gate: the socket sends go straight to, or null while they must wait. */
  #gate: WebSocketLike | null = null
  /** The outgoing queue (out-queue.ts). */
  readonly #queue = new OutQueue()
  /**
   * What was written to the open socket before it showed that its server reads
   * (src/refused.ts); null once it did, or while no socket is open.
   */
  #tentative: Tentative | null = null
  /** The current socket's heartbeat bookkeeping, asked by `send()` while a ping is pending. */
  probe: LivenessProbe | null = null
  /** The URL of the current (or last) attempt. */
  url: string
  /** The subprotocol of the socket that opened last. */
  protocol = ''
  /** The extensions the server agreed to for the socket that opened last. */
  extensions = ''
  /** The origin of the socket that opened last, as a MessageEvent reports it. */
  origin = ''
  #binaryType: string | undefined
  /** The application asked not to read (`pauseReading(true)`); applied to the open socket. */
  readPaused = false

  constructor(
    url: string,
    binaryType: string | undefined,
    private readonly limits: QueueLimits | false,
    /** Called for every message that will not be sent. */
    private readonly drop: (data: SendData, reason: DropReason) => void,
  ) {
    this.url = url
    this.#binaryType = binaryType
  }

  // ---- the socket's life, told by the socket actor -------------------------------

  created(ws: WebSocketLike, url: string): void {
    if (this.#binaryType !== undefined) ws.binaryType = this.#binaryType
    this.#socket = ws
    this.url = url
  }

  /**
   * The socket opened. With `arrayBuffers` (a layer reads binary frames itself),
   * a socket that would deliver Blobs delivers ArrayBuffers instead; returns
   * whether it was switched (the layer then hands the application Blobs).
   */
  opened(ws: WebSocketLike, url: string, arrayBuffers: boolean): boolean {
    this.protocol = ws.protocol
    this.extensions = typeof ws.extensions === 'string' ? ws.extensions : ''
    this.url = url
    this.origin = new URL(url).origin
    this.#open = ws
    this.#tentative = new Tentative(this.limits)
    if (!arrayBuffers || ws.binaryType !== 'blob') return false
    ws.binaryType = 'arraybuffer'
    return true
  }

  /** The open socket received a frame: its server reads, so what it took is handed over. */
  heard(): void {
    const tentative = this.#tentative
    if (tentative === null) return
    this.#tentative = null
    for (const item of tentative.items) tell(item, WRITTEN)
  }

  /**
   * The socket takes no more data; returns whether it was the open one. `code`: its
   * close code, if it closed (a refusal before any frame gives back what it took).
   */
  detach(ws: WebSocketLike, code?: number): boolean {
    this.#ending = ws
    if (this.#gate === ws) this.#gate = null
    if (this.#socket === ws) this.#socket = null
    if (this.#open !== ws) return false
    this.#open = null
    const tentative = this.#tentative
    this.#tentative = null
    if (tentative !== null && tentative.items.length > 0) {
      if (code === REFUSED) this.#requeue(tentative)
      else for (const item of tentative.items) tell(item, WRITTEN)
    }
    return true
  }

  // ---- what the facade reads -----------------------------------------------------

  /** readyState for the chart's `state`: a socket that failed reads CLOSED while closing. */
  readyState(state: 0 | 1 | 2 | 3): 0 | 1 | 2 | 3 {
    // A browser socket that failed is CLOSED while its error event runs, before
    // its close event; `ws` reads CLOSING there. Either way the socket says.
    return state === 2 && this.#ending?.readyState === 3 ? 3 : state
  }

  /**
   * Bytes accepted and not yet handed to the network: the queue's bytes plus the
   * count of the socket that opened last (a layer's frames included).
   */
  get bufferedAmount(): number {
    return this.#queue.bytes + (this.#open?.bufferedAmount ?? 0)
  }

  /** Whether bytes can leave the slot (a socket is open): only then can `bufferedAmount` fall. */
  get draining(): boolean {
    return this.#open !== null
  }

  get queued(): number {
    return this.#queue.items.length
  }

  get binaryType(): string {
    return this.#binaryType ?? this.#socket?.binaryType ?? 'blob'
  }

  /**
   * Applied to the current socket and every later one. A value the socket does
   * not know is ignored, as the WebIDL enum attribute is (WHATWG WebSockets,
   * `binaryType`); with no socket yet, `blob`, `arraybuffer` and `ws`'s
   * `nodebuffer` and `fragments` are kept.
   */
  set binaryType(value: string) {
    const socket = this.#socket
    if (socket) {
      socket.binaryType = value
      this.#binaryType = socket.binaryType
    } else if (BINARY_TYPES.includes(String(value))) {
      this.#binaryType = String(value)
    }
  }

  // ---- writing -------------------------------------------------------------------

  /**
   * Sends through the gate when it is open and the socket is. readyState is read
   * as well: a socket may have started closing in this very tick, before its
   * close event reached the chart; such data waits instead. Returns 1 when sent,
   * 0 when the data must queue, -1 when the pong deadline has passed but its
   * timer has not fired (the caller holds the data and lets the chart judge).
   */
  sendNow(data: SendData, listener?: SendOutcomeListener): 1 | 0 | -1 {
    const ws = this.#gate
    if (ws === null || ws.readyState !== 1) return 0
    if (this.probe?.pongOverdue()) return -1
    ws.send(data)
    const item = listener === undefined ? data : new Tracked(data, listener)
    if (this.#tentative !== null) this.#keep(item)
    else if (listener !== undefined) tell(item, WRITTEN)
    return 1
  }

  /** Writes to the socket that opened last, past the gate and the queue (a layer's frames). */
  write(data: SendData): boolean {
    const ws = this.#open
    if (ws === null || ws.readyState !== 1) return false
    ws.send(data)
    return true
  }

  /**
   * Stops (or restarts) reading from the open socket where it can (`ws`,
   * `StreamSocket`). A new socket starts reading (a layer's handshake must be
   * read); the reader pauses it again when its buffer is still full.
   */
  pauseReading(paused: boolean): void {
    this.readPaused = paused
    const ws = this.#open as Pausable | null
    if (ws === null) return
    if (paused) ws.pause?.()
    else ws.resume?.()
  }

  /** Stops direct sends: later sends queue behind what is queued. */
  hold(): void {
    this.#gate = null
  }

  /** Queues `data`; false when refused (each refusal and each message pushed out is dropped). */
  queue(data: SendData, closedForGood: boolean, listener?: SendOutcomeListener): boolean {
    const limits = this.limits
    const item = listener === undefined ? data : new Tracked(data, listener)
    if (closedForGood) {
      this.#drop(item, 'closed')
      return false
    }
    if (limits === false) {
      this.#drop(item, 'not-open')
      return false
    }
    const size = byteSize(dataOf(item))
    const pushedOut = this.#queue.room(size, limits)
    if (pushedOut === null) {
      this.#drop(item, 'queue-full')
      return false
    }
    this.#queue.push(item, size)
    tell(item, QUEUED)
    for (const oldest of pushedOut) this.#drop(oldest, 'queue-overflow')
    return true
  }

  /** Sends everything queued, in order, to the current socket, then opens the gate to it. */
  flush(): void {
    const ws = this.#socket
    if (ws === null) return
    const tentative = ws === this.#open ? this.#tentative : null
    if (tentative !== null) tentative.room += this.#queue.bytes
    const queued = this.#queue.take()
    for (let i = 0; i < queued.length; i++) {
      const item = queued[i] as Item
      ws.send(dataOf(item))
      if (tentative !== null) this.#keep(item)
      else tell(item, WRITTEN)
    }
    this.#gate = ws
  }

  /** Empties the queue; returns what reports each message dropped (`closed`), or null if none. */
  takeAll(): (() => void) | null {
    this.#gate = null
    if (this.#queue.items.length === 0) return null
    const all = this.#queue.take()
    return () => {
      for (const item of all) this.#drop(item, 'closed')
    }
  }

  /** Keeps a message written to a socket not yet heard from; what it lets go is handed over. */
  #keep(item: Item): void {
    const older = (this.#tentative as Tentative).keep(item)
    if (older !== null) for (const old of older) tell(old, WRITTEN)
  }

  /**
   * Puts what a refused socket never read back at the front of the queue, in order;
   * what no longer fits is dropped as the queue drops (no queue: `not-open`).
   */
  #requeue(tentative: Tentative): void {
    const older = tentative.keep()
    if (older !== null) for (const item of older) tell(item, WRITTEN)
    const returned = tentative.items
    if (this.limits === false) for (const item of returned) this.#drop(item, 'not-open')
    else this.#queue.putBack(returned, this.limits, (item, reason) => this.#drop(item, reason))
  }

  #drop(item: Item, reason: DropReason): void {
    this.drop(dataOf(item), reason)
    tell(item, { status: 'dropped', reason })
  }
}
