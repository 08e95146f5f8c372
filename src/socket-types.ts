/**
 * The WebSocket shapes heartline deals in: what the `WebSocket` option accepts,
 * the part of a socket heartline uses, and the data `send()` takes. The options
 * interface (options.ts) re-exports them.
 */

/**
 * What the `WebSocket` option takes: a constructor (the browser's, `ws`'s,
 * undici's, or a subclass of one) whose instances have the methods heartline
 * calls. Parameter types are left open (`never`) so that each implementation's
 * own signatures fit; a constructor of something else (`Date`) does not.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketInstance

/** The least a `WebSocketConstructor` must build (see `WebSocketLike` for what heartline uses). */
export interface WebSocketInstance {
  readonly readyState: number
  send(data: never): void
  close(code?: number, reason?: string): void
  addEventListener(type: never, listener: never): void
  removeEventListener(type: never, listener: never): void
}

/** The part of the WebSocket interface heartline uses (its view of what a `WebSocketConstructor` builds). */
export interface WebSocketLike {
  readonly readyState: number
  readonly protocol: string
  /** The extensions the server agreed to (absent on some test doubles). */
  readonly extensions?: string
  readonly bufferedAmount: number
  binaryType: string
  send(data: SendData): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: never) => void): void
  removeEventListener(type: string, listener: (event: never) => void): void
  /** `ws` only: destroys the TCP socket at once instead of waiting for the close handshake. */
  terminate?: () => void
  /** `ws` only (an EventEmitter): 'message' is emitted as `(data, isBinary)`. */
  on?: (type: 'message', listener: (data: never, isBinary: boolean) => void) => unknown
  off?: (type: 'message', listener: (data: never, isBinary: boolean) => void) => unknown
}

/**
 * Flow control on a socket: pause() stops reading from the network, resume()
 * reads again (`ws` in Node; heartline/streams' `StreamSocket` in Chromium).
 */
export interface Pausable {
  pause?: () => void
  resume?: () => void
}

/** Data `send()` accepts: what `WebSocket.send` accepts everywhere. */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob
