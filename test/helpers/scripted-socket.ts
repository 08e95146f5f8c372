/**
 * A scripted WebSocket for driving the real adapter without a network: nothing
 * happens by itself. The test decides when each socket opens, errors, receives a
 * message or is closed, and every socket ever created is kept, so "never two live
 * sockets" is checked on the record rather than assumed.
 *
 * It behaves like a browser WebSocket where the adapter could notice a difference:
 * `send` while CONNECTING throws (InvalidStateError) and while CLOSING/CLOSED the
 * data is discarded (so a write to a non-open socket is a lost message, and is
 * recorded as such); `close()` validates the code and reason as browsers do and
 * never fires anything synchronously; events only arrive when the test fires them.
 */

export const CONNECTING = 0
export const OPEN = 1
export const CLOSING = 2
export const CLOSED = 3

export interface SentRecord {
  data: unknown
  /** readyState when `send` was called: only 1 means the data reached the wire. */
  readyState: number
}

type Handler = (event: unknown) => void

export class ScriptedSocket {
  readonly id: number
  readonly url: string
  readonly protocols: string | string[] | undefined
  readyState = CONNECTING
  protocol = ''
  bufferedAmount = 0
  binaryType = 'blob'
  readonly sent: SentRecord[] = []
  /** Set when the adapter called close() or terminate(): the socket is no longer live. */
  closedByAdapter = false
  /** The code and reason of the adapter's close(), if any. */
  closeCall: { code: number | undefined; reason: string | undefined } | null = null
  terminated = false
  /** A close event was fired (each socket fires at most one). */
  closeFired = false
  readonly #listeners = new Map<string, Handler[]>()
  readonly #registry: SocketRegistry

  constructor(registry: SocketRegistry, url: string, protocols?: string | string[]) {
    this.#registry = registry
    this.id = registry.sockets.length
    this.url = url
    this.protocols = protocols
    registry.created(this)
  }

  /** CONNECTING or OPEN and not yet told to close: what "live" means in the invariants. */
  get live(): boolean {
    return (this.readyState === CONNECTING || this.readyState === OPEN) && !this.closedByAdapter
  }

  addEventListener(type: string, listener: Handler): void {
    const list = this.#listeners.get(type) ?? []
    if (!list.includes(listener)) list.push(listener)
    this.#listeners.set(type, list)
  }

  removeEventListener(type: string, listener: Handler): void {
    const list = this.#listeners.get(type)
    if (list)
      this.#listeners.set(
        type,
        list.filter((l) => l !== listener),
      )
  }

  listenerCount(type: string): number {
    return this.#listeners.get(type)?.length ?? 0
  }

  send(data: unknown): void {
    if (this.readyState === CONNECTING) {
      const error = new Error('send() while CONNECTING')
      error.name = 'InvalidStateError'
      throw error
    }
    this.sent.push({ data, readyState: this.readyState })
    this.#registry.wrote(this, data)
  }

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      const error = new Error(`invalid close code ${code}`)
      error.name = 'InvalidAccessError'
      throw error
    }
    if (reason !== undefined && new TextEncoder().encode(reason).byteLength > 123) {
      const error = new Error('close reason too long')
      error.name = 'SyntaxError'
      throw error
    }
    this.closedByAdapter = true
    this.closeCall = { code, reason }
    const was = this.readyState
    if (was === CONNECTING || was === OPEN) this.readyState = CLOSING
    if (this.#registry.syncClose && !this.closeFired) {
      if (was === CONNECTING) this.fireError(3)
      this.fireClose(was === OPEN ? (code ?? 1005) : 1006, was === OPEN ? (reason ?? '') : '')
    }
  }

  /** `ws` only; present when the registry says so. */
  terminateImpl(): void {
    this.closedByAdapter = true
    this.terminated = true
    this.readyState = CLOSED
    if (this.#registry.syncClose && !this.closeFired) this.fireClose(1006)
  }

  // ---- what the test fires ------------------------------------------------------

  fireOpen(): boolean {
    if (this.readyState !== CONNECTING) return false
    this.readyState = OPEN
    this.#emit('open', { type: 'open' })
    return true
  }

  /** Data frames can still arrive while CLOSING (before the peer's close frame). */
  fireMessage(data: unknown): boolean {
    if (this.readyState !== OPEN && this.readyState !== CLOSING) return false
    this.#emit('message', { type: 'message', data })
    return true
  }

  /** An error; browsers are CLOSED by then, `ws` may still read CLOSING. */
  fireError(nextState: 2 | 3): boolean {
    if (this.closeFired) return false
    this.readyState = nextState
    this.#emit('error', { type: 'error', error: new Error(`socket ${this.id} failed`) })
    return true
  }

  fireClose(code: number, reason = ''): boolean {
    if (this.closeFired) return false
    this.closeFired = true
    this.readyState = CLOSED
    this.#emit('close', { type: 'close', code, reason, wasClean: code !== 1006 })
    return true
  }

  #emit(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener(event)
  }
}

/** Records every socket and every write; builds the constructor handed to heartline. */
export class SocketRegistry {
  readonly sockets: ScriptedSocket[] = []
  /** Problems seen at the moment they happened (a second live socket, a write to a closed one). */
  readonly violations: string[] = []
  /** Every write in order, with the socket it went to. */
  readonly writes: Array<{ socket: number; data: unknown; readyState: number }> = []

  /** The constructor to pass as the `WebSocket` option. */
  readonly WebSocket: new (
    url: string,
    protocols?: string | string[],
  ) => ScriptedSocket

  /**
   * Fire the close event from inside the adapter's close()/terminate() call, as
   * some implementations and mocks do (browsers and `ws` never do): a re-entrant
   * event in the middle of the adapter's own work.
   */
  readonly syncClose: boolean

  constructor({
    terminate = false,
    syncClose = false,
  }: { terminate?: boolean; syncClose?: boolean } = {}) {
    this.syncClose = syncClose
    const registry = this
    class Scripted extends ScriptedSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(registry, url, protocols)
      }
    }
    if (terminate) {
      Object.defineProperty(Scripted.prototype, 'terminate', {
        value(this: ScriptedSocket) {
          this.terminateImpl()
        },
      })
    }
    this.WebSocket = Scripted
  }

  created(socket: ScriptedSocket): void {
    const live = this.sockets.filter((s) => s.live)
    if (live.length > 0) {
      this.violations.push(
        `socket ${socket.id} created while socket(s) ${live.map((s) => s.id).join(', ')} still live`,
      )
    }
    this.sockets.push(socket)
  }

  wrote(socket: ScriptedSocket, data: unknown): void {
    this.writes.push({ socket: socket.id, data, readyState: socket.readyState })
  }

  live(): ScriptedSocket[] {
    return this.sockets.filter((s) => s.live)
  }

  latest(): ScriptedSocket | undefined {
    return this.sockets[this.sockets.length - 1]
  }
}
