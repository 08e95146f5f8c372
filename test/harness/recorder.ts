/**
 * Wraps the WebSocket constructor handed to `createConnection` and records every
 * socket the controller creates: when it was created, opened, asked to close and
 * closed. A socket is *live* from its creation until it closed or the controller
 * asked it to close (close() or terminate()); creating or opening a socket while
 * another one is live is recorded as a violation, so "never two live sockets at
 * once" is checked on every socket, not assumed.
 */
import type { WebSocketLike } from '../../src/index.js'
import { waitFor } from './wait.js'

type AnyConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

export interface RecordedSocket {
  index: number
  url: string
  ws: WebSocketLike
  createdAt: number
  openedAt?: number
  closeRequestedAt?: number
  closedAt?: number
  closeCode?: number
  /** Everything the controller wrote to this socket (text frames as strings). */
  sent: string[]
}

export interface RecorderOptions {
  /**
   * Remove `terminate()` from each socket, as in a browser: an abandoned socket
   * then keeps its TCP connection until its own close arrives (late).
   */
  hideTerminate?: boolean
}

export class SocketRecorder {
  readonly sockets: RecordedSocket[] = []
  readonly violations: string[] = []
  /** The largest number of live sockets seen at once. */
  maxLive = 0
  readonly WebSocket: AnyConstructor
  #listeners = new Set<() => void>()

  constructor(Base: AnyConstructor, options: RecorderOptions = {}) {
    const recorder = this
    this.WebSocket = class Recorded extends Base {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        recorder.#track(this, url, options)
      }
    }
  }

  get live(): RecordedSocket[] {
    return this.sockets.filter((s) => s.closedAt === undefined && s.closeRequestedAt === undefined)
  }

  /** True once every socket ever created has fired its close event. */
  get allClosed(): boolean {
    return this.sockets.every((s) => s.closedAt !== undefined)
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  #track(ws: WebSocketLike, url: string, options: RecorderOptions): void {
    const record: RecordedSocket = {
      index: this.sockets.length,
      url,
      ws,
      createdAt: performance.now(),
      sent: [],
    }
    const others = this.live
    if (others.length > 0) {
      this.violations.push(
        `socket #${record.index} created while #${others.map((s) => s.index).join(', #')} live`,
      )
    }
    this.sockets.push(record)
    this.maxLive = Math.max(this.maxLive, this.live.length)

    const target = ws as unknown as Record<string, unknown>
    const close = ws.close.bind(ws)
    target.close = (code?: number, reason?: string) => {
      record.closeRequestedAt ??= performance.now()
      close(code, reason)
      this.#changed()
    }
    if (options.hideTerminate) {
      target.terminate = undefined
    } else if (ws.terminate) {
      const terminate = ws.terminate.bind(ws)
      target.terminate = () => {
        record.closeRequestedAt ??= performance.now()
        terminate()
        this.#changed()
      }
    }
    const send = ws.send.bind(ws)
    target.send = (data: Parameters<WebSocketLike['send']>[0]) => {
      record.sent.push(typeof data === 'string' ? data : `<binary>`)
      send(data)
    }
    ws.addEventListener('open', () => {
      record.openedAt = performance.now()
      const live = this.live.filter((s) => s !== record && s.openedAt !== undefined)
      if (live.length > 0) {
        this.violations.push(
          `socket #${record.index} opened while #${live.map((s) => s.index).join(', #')} open`,
        )
      }
      this.#changed()
    })
    ws.addEventListener('close', ((event: { code: number }) => {
      record.closedAt = performance.now()
      record.closeCode = event.code
      this.#changed()
    }) as (event: never) => void)
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

/**
 * An XState clock on real timers that counts what is pending, so a test can
 * assert that `close()` left no timer of the controller behind.
 */
export class CountingClock {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>()

  get pending(): number {
    return this.#pending.size
  }

  setTimeout(fn: () => void, timeout: number): unknown {
    const id = setTimeout(() => {
      this.#pending.delete(id)
      fn()
    }, timeout)
    this.#pending.add(id)
    return id
  }

  clearTimeout(id: unknown): void {
    this.#pending.delete(id as ReturnType<typeof setTimeout>)
    clearTimeout(id as ReturnType<typeof setTimeout>)
  }
}
