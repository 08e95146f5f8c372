/**
 * The outgoing queue: `send()` while not open waits here (bounded, in order) and
 * is flushed when the chart enters `connected`. It also holds the write gate, the
 * socket that takes sends directly: opened by the flush (so queued messages always
 * go first), closed when the socket ends or its pong deadline has passed.
 */
import type { DropReason } from './events.js'
import type { SendData, WebSocketLike } from './options.js'

export interface QueueLimits {
  max: number
  overflow: 'reject' | 'drop-oldest'
}

export class OutgoingQueue {
  #items: SendData[] = []
  #direct: WebSocketLike | null = null

  constructor(
    private readonly limits: QueueLimits | false,
    /** Called for every message that will not be sent. */
    private readonly drop: (data: SendData, reason: DropReason) => void,
  ) {}

  get length(): number {
    return this.#items.length
  }

  /** The socket sends go straight to, or null while they must wait. */
  get direct(): WebSocketLike | null {
    return this.#direct
  }

  /** Stops direct sends (to `ws` only, when given): later sends queue behind what is queued. */
  hold(ws?: WebSocketLike): void {
    if (ws === undefined || this.#direct === ws) this.#direct = null
  }

  /** Queues `data`; false when refused (each refusal and each message pushed out is dropped). */
  add(data: SendData, closedForGood: boolean): boolean {
    const limits = this.limits
    if (closedForGood) {
      this.drop(data, 'closed')
      return false
    }
    if (limits === false) {
      this.drop(data, 'not-open')
      return false
    }
    if (this.#items.length >= limits.max) {
      if (limits.overflow === 'reject') {
        this.drop(data, 'queue-full')
        return false
      }
      const oldest = this.#items.shift() as SendData
      this.#items.push(data)
      this.drop(oldest, 'queue-overflow')
      return true
    }
    this.#items.push(data)
    return true
  }

  /** Sends everything queued, in order, then lets new sends go straight to `ws`. */
  flush(ws: WebSocketLike): void {
    const queued = this.#items
    this.#items = []
    for (let i = 0; i < queued.length; i++) ws.send(queued[i] as SendData)
    this.#direct = ws
  }

  /** Empties the queue, returning what it held (nothing will send it). */
  takeAll(): SendData[] {
    this.#direct = null
    const all = this.#items
    this.#items = []
    return all
  }
}
