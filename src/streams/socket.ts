/**
 * `StreamSocket`: the WebSocket interface over Chromium's `WebSocketStream`, so
 * that a connection's reader can stop reading from the network. A browser's
 * `WebSocket` reads every message as it arrives, however slow the page; a
 * `WebSocketStream` reads only when its readable is read, so a page that stops
 * reading makes the server's socket fill (network backpressure). heartline pauses
 * a socket through `pause()`/`resume()` (`connection.pauseReading()`), which here
 * stop and restart the reads. docs/flow-control.md, "Chromium: `StreamSocket`".
 */
import { byteSize } from '../byte-size.js'
import type { SendData } from '../socket-types.js'

/*
 * The part of WebSocketStream used here, declared locally: it is not in a
 * standard yet (the proposal is whatwg/websockets pull request 48; Chromium
 * ships it), TypeScript's DOM lib does not have it, and the published
 * declarations must not need the DOM lib.
 */
interface StreamPair {
  readable: ReadableStream<string | ArrayBuffer | Uint8Array>
  writable: WritableStream<string | ArrayBuffer | ArrayBufferView>
  protocol: string
  extensions: string
}
interface WebSocketStreamLike {
  readonly url: string
  readonly opened: Promise<StreamPair>
  readonly closed: Promise<{ closeCode?: number; reason?: string }>
  close(info?: { closeCode?: number; reason?: string }): void
}
type WebSocketStreamClass = new (
  url: string,
  options?: { protocols?: string[] },
) => WebSocketStreamLike

const platformStream = (): WebSocketStreamClass | undefined =>
  (globalThis as { WebSocketStream?: WebSocketStreamClass }).WebSocketStream

/** A message event as StreamSocket fires it (a native MessageEvent). */
export interface StreamSocketMessageEvent extends Event {
  readonly data: unknown
  readonly origin: string
}
/** A close event as StreamSocket fires it (a native CloseEvent). */
export interface StreamSocketCloseEvent extends Event {
  readonly code: number
  readonly reason: string
  readonly wasClean: boolean
}
/** An `on<type>` handler attribute of StreamSocket: a function, or null. */
export type StreamSocketHandler<E> = ((this: StreamSocket, event: E) => unknown) | null

/** WebIDL's `[Clamp] unsigned short`, as WebSocket's `close(code)` converts its code. */
function clampCode(value: unknown): number {
  const n = Number(value)
  if (Number.isNaN(n)) return 0
  const c = Math.min(Math.max(n, 0), 65535)
  const r = Math.round(c)
  // Ties go to the even integer.
  return c - Math.trunc(c) === 0.5 && r % 2 === 1 ? r - 1 : r
}

const fail = (method: string, text: string, name: string) =>
  new DOMException(`Failed to execute '${method}' on 'StreamSocket': ${text}`, name)

/**
 * A WebSocket over `WebSocketStream`, for heartline's `WebSocket` option in
 * browsers that have it (Chromium 124+; `StreamSocket.available`):
 * `createConnection(url, { WebSocket: StreamSocket })`. It behaves as a
 * browser's `WebSocket` (readyState, binaryType, protocol, extensions, url,
 * send, close with its checks, and open / message / error / close events, 1006
 * on a failure), and adds `pause()` and `resume()`, which stop and restart the
 * reads from the stream: while paused the browser stops reading from the
 * network and the server's socket fills.
 *
 * `bufferedAmount` counts the bytes given to `send()` whose write the stream has
 * not finished (Chromium finishes a write once the message has gone to its
 * network service), plus, as a WebSocket does, what was sent after the close.
 */
export class StreamSocket extends EventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3

  /** Whether this runtime has `WebSocketStream` (else the constructor throws a TypeError). */
  static get available(): boolean {
    return typeof platformStream() === 'function'
  }

  readonly #stream: WebSocketStreamLike
  #state: 0 | 1 | 2 | 3 = 0
  #binaryType: 'blob' | 'arraybuffer' = 'blob'
  #protocol = ''
  #extensions = ''
  #buffered = 0
  #writer: WritableStreamDefaultWriter<string | ArrayBuffer | ArrayBufferView> | null = null
  /** Sends waiting behind a Blob being read (a stream takes no Blob): kept in order. */
  #tail: Promise<void> | null = null
  #paused = false
  #wake: (() => void) | null = null
  /** The read loop, from open until the readable ends or fails. */
  #reading: Promise<void> = Promise.resolve()
  #handlers: Record<string, { value: unknown; listener: (event: Event) => void }> = {}

  declare onopen: StreamSocketHandler<Event>
  declare onmessage: StreamSocketHandler<StreamSocketMessageEvent>
  declare onerror: StreamSocketHandler<Event>
  declare onclose: StreamSocketHandler<StreamSocketCloseEvent>

  static {
    for (const type of ['open', 'message', 'error', 'close']) {
      Object.defineProperty(StreamSocket.prototype, `on${type}`, {
        configurable: true,
        get(this: StreamSocket) {
          return this.#handlers[type]?.value ?? null
        },
        set(this: StreamSocket, value: unknown) {
          const old = this.#handlers[type]
          if (old) this.removeEventListener(type, old.listener)
          delete this.#handlers[type]
          if (typeof value !== 'function') return
          const listener = (event: Event) => (value as (e: Event) => unknown).call(this, event)
          this.#handlers[type] = { value, listener }
          this.addEventListener(type, listener)
        },
      })
    }
  }

  constructor(url: string | URL, protocols?: string | string[]) {
    super()
    const Stream = platformStream()
    if (typeof Stream !== 'function') {
      throw new TypeError(
        'heartline/streams: StreamSocket needs WebSocketStream (Chromium 124 and later); this runtime has none. ' +
          'Choose with `StreamSocket.available ? StreamSocket : WebSocket`.',
      )
    }
    const list =
      protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols]
    this.#stream = new Stream(String(url), { protocols: list })
    this.#stream.opened.then(
      (pair) => this.#opened(pair),
      () => undefined, // `closed` reports the failure
    )
    this.#stream.closed.then(
      (info) => this.#ended(info.closeCode ?? 1005, info.reason ?? '', true),
      (error: { closeCode?: number; reason?: string } | undefined) =>
        this.#ended(error?.closeCode ?? 1006, error?.reason ?? '', false),
    )
  }

  get url(): string {
    return this.#stream.url
  }
  get readyState(): number {
    return this.#state
  }
  get protocol(): string {
    return this.#protocol
  }
  get extensions(): string {
    return this.#extensions
  }
  get bufferedAmount(): number {
    return this.#buffered
  }
  /** `blob` (default) or `arraybuffer`; another value is ignored, as WebSocket's enum attribute does. */
  get binaryType(): string {
    return this.#binaryType
  }
  set binaryType(value: string) {
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value
  }

  send(data: SendData): void {
    if (this.#state === 0) throw fail('send', 'Still in CONNECTING state.', 'InvalidStateError')
    const size = byteSize(data)
    this.#buffered += size
    const writer = this.#writer
    if (this.#state !== 1 || writer === null) return
    const done = () => {
      this.#buffered -= size
    }
    const isBlob = typeof Blob !== 'undefined' && data instanceof Blob
    if (!isBlob && this.#tail === null) {
      writer.write(data as string | ArrayBufferView).then(done, done)
      return
    }
    const tail: Promise<void> = (this.#tail ?? Promise.resolve())
      .then(async () => {
        const chunk = isBlob ? await (data as Blob).arrayBuffer() : (data as ArrayBufferView)
        writer.write(chunk).then(done, done)
      })
      .catch(done)
      .finally(() => {
        if (this.#tail === tail) this.#tail = null
      })
    this.#tail = tail
  }

  close(code?: number, reason?: string): void {
    let closeCode: number | undefined
    if (code !== undefined) {
      closeCode = clampCode(code)
      if (closeCode !== 1000 && (closeCode < 3000 || closeCode > 4999)) {
        throw fail(
          'close',
          `The close code must be either 1000, or between 3000 and 4999. ${closeCode} is neither.`,
          'InvalidAccessError',
        )
      }
    }
    const text = reason === undefined ? '' : String(reason)
    if (new TextEncoder().encode(text).length > 123) {
      throw fail(
        'close',
        'The close reason must not be greater than 123 UTF-8 bytes.',
        'SyntaxError',
      )
    }
    if (this.#state >= 2) return
    this.#state = 2
    // The server's answer waits behind whatever is unread: read on, to reach it.
    this.resume()
    this.#stream.close(
      closeCode === undefined && text === '' ? undefined : { closeCode, reason: text },
    )
  }

  /** Stops reading from the stream after the message being delivered (if any). */
  pause(): void {
    this.#paused = true
  }

  /** Reads from the stream again. */
  resume(): void {
    this.#paused = false
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  #opened(pair: StreamPair): void {
    if (this.#state !== 0) return
    this.#state = 1
    this.#protocol = pair.protocol
    this.#extensions = pair.extensions
    this.#writer = pair.writable.getWriter()
    this.#reading = this.#read(pair.readable.getReader())
    this.dispatchEvent(new Event('open'))
  }

  async #read(reader: ReadableStreamDefaultReader<string | ArrayBuffer | Uint8Array>) {
    const origin = new URL(this.#stream.url).origin
    try {
      for (;;) {
        while (this.#paused) await new Promise<void>((wake) => (this.#wake = wake))
        const { value, done } = await reader.read()
        if (done) return
        let data: unknown = value
        if (typeof value !== 'string') {
          // Chromium gives an ArrayBuffer; the proposal's text gives a Uint8Array.
          const bytes = ArrayBuffer.isView(value)
            ? (value.buffer.slice(
                value.byteOffset,
                value.byteOffset + value.byteLength,
              ) as ArrayBuffer)
            : value
          data = this.#binaryType === 'blob' ? new Blob([bytes]) : bytes
        }
        this.dispatchEvent(new MessageEvent('message', { data, origin }))
      }
    } catch {
      // The stream failed: `closed` rejects too and reports it.
    }
  }

  async #ended(code: number, reason: string, wasClean: boolean): Promise<void> {
    if (this.#state === 3) return
    const opened = this.#writer !== null
    this.#state = 2
    // Messages already read from the network come before the close, as on a WebSocket.
    this.resume()
    await this.#reading
    this.#state = 3
    this.#writer = null
    // As Chromium's WebSocket: `error` only when the connection failed before it
    // opened; a connection lost after that closes with 1006 alone.
    if (!wasClean && !opened) this.dispatchEvent(new Event('error'))
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }))
  }
}
