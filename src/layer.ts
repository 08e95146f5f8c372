/**
 * The hook a delivery layer (such as `heartline/resume`) plugs into a
 * connection. Types only: the main entry refers to this file, never to a
 * layer's code, so an application that does not import a layer does not pay
 * for it.
 *
 * The connection calls the layer at six points: a socket opened, an inbound
 * message before the application sees it, an application `send()`, a socket
 * ended, a change of state, and the connection closed for good. The layer
 * states what it needs from every socket up front (`arrayBuffers`), writes
 * through the host it was given and ends a socket through the host's `end`,
 * which the chart reports with the layer's cause: it never holds a socket.
 */
import type { SendData } from './options.js'

/** What a connection hands to its layer. */
export interface LayerHost {
  /**
   * Writes to the current socket, bypassing the layer. Returns false (and
   * writes nothing) when no socket is open.
   */
  write(data: SendData): boolean
  /**
   * Ends the current socket because the layer's protocol broke: the chart
   * closes it with `code` and `reason` (as a `close()` would, but reconnecting
   * as the policy allows) and reports the end with cause `protocol-error`.
   */
  end(code: number, reason: string): void
  /** Fires a real `Event` of `type` on the connection, `detail`'s fields as own properties. */
  dispatch(type: string, detail: Record<string, unknown>): void
  /** The connection's timers (its `clock` option, or real timers). */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
  /** The connection's state name (`connecting`, `open`, … `closed`). */
  state(): string
  /** The connection itself (for listeners on its public events). */
  readonly connection: object
}

/** A delivery layer bound to one connection. */
export interface ConnectionLayer {
  /**
   * Binary messages as ArrayBuffers: a socket whose binaryType reads `blob` is
   * switched to `arraybuffer` when it opens (the layer reads binary frames
   * synchronously), and `opened` is told so.
   */
  readonly arrayBuffers?: boolean
  /**
   * A socket opened (before anything else is written to it). `blobs`: the
   * application asked for Blobs and the socket was switched to ArrayBuffers.
   */
  opened(blobs: boolean): void
  /**
   * An inbound message's data, before the application sees it: return the data
   * to deliver (the same or unwrapped), or null when the layer consumed it (a
   * socket never delivers null, so null is free to mean "nothing").
   */
  inbound(data: unknown): unknown
  /** The application's `send()`, after the data was validated. */
  send(data: SendData): boolean
  /**
   * Bytes of the application's messages the layer holds and has not yet
   * written to a socket (counted in the connection's `bufferedAmount`).
   */
  unsent?(): number
  /** The socket that opened last ended (closed, errored or abandoned). */
  ended(): void
  /** The connection reached `closed` (given up or closed by the application). */
  closed(): void
  /** The connection's public state changed to `to` (before `statechange` is dispatched). */
  stateChanged?(to: string): void
}

/**
 * A session handed over from another client (heartline/shared's previous
 * leader tab): the layer's first hello asks for it, with `received` as the last
 * server seq already delivered.
 */
export interface HandedSession {
  id: string
  received: number
}

/**
 * A layer factory, the value of the `resume` option: `resume(options)` from
 * `heartline/resume` returns one. Called once per connection; `start`, when
 * given, is a session to carry on instead of starting a new one.
 */
export type LayerFactory = (host: LayerHost, start?: HandedSession) => ConnectionLayer

/** Messages counted per direction, from this client's point of view. */
export interface DirectionCounts {
  /** Client → server. */
  sent: number
  /** Server → client. */
  received: number
}

/** `resumed`: the session continued on a new socket. */
export interface ResumedEventDetail {
  /** The session id (never in the URL). */
  session: string
  /** Messages sent again in each direction because the other side had not acknowledged them. */
  replayed: DirectionCounts
}

/**
 * `ack`: the server acknowledged messages of this client, and they were let go
 * (room freed in the resume buffer). Fired once per turn, on a microtask, with
 * the counts then.
 */
export interface AckEventDetail {
  /** Seq up to which the server acknowledged. */
  acknowledged: number
  /** Messages still kept, unacknowledged. */
  buffered: number
  /** Their size, as the resume option `maxBytes` counts it. */
  bufferedBytes: number
}

/** `reset`: the server no longer had the session; a new one started. */
export interface ResetEventDetail {
  /** The session that was lost. */
  previous: string
  /** The new session. */
  session: string
  /**
   * Messages that could not be recovered. `sent`: this client's messages the
   * server had not acknowledged (they may or may not have reached the old
   * server's application). `received`: the server's messages this client never
   * acknowledged, when the server still knew (null when nobody does, for
   * example after the server process holding a memory store died).
   */
  lost: { sent: number; received: number | null }
  /** This client's unacknowledged messages, oldest first (resend them if they are safe to repeat). */
  unconfirmed: SendData[]
}
