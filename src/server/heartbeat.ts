/**
 * The server half of the heartbeat, one copy for `attachHeartbeat` and for
 * `acceptSessions`: answers the client's app-level pings, and sweeps out
 * clients that stopped answering protocol-level pings (the pattern the `ws`
 * README documents: mark every client, ping it, and terminate the ones still
 * unmarked at the next sweep).
 */
import type { IncomingMessage } from 'node:http'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { checkMs, describeValue } from '../describe.js'
import { forget, watch } from './unread.js'

/** Bytes queued on a socket above which heartbeat replies are not written. */
const PONG_BUFFER_LIMIT = 64 * 1024

export interface AttachHeartbeatOptions {
  /**
   * The app-level ping to answer (compared with the text of each message).
   * @default 'ping'
   */
  ping?: string
  /**
   * The reply sent for each ping (not written while more than 64 KiB wait in
   * the socket's send queue).
   * @default 'pong'
   */
  pong?: string
  /**
   * Milliseconds between sweeps. A client that has not answered the previous
   * sweep's protocol ping is terminated. 0 disables the sweep.
   * @default 30000
   */
  sweepInterval?: number
}

/** The heartbeat's options, checked, with their defaults (not exported by the entry). */
export type HeartbeatSettings = Required<AttachHeartbeatOptions>

function fail(name: string, allowed: string, got: unknown): never {
  throw new TypeError(
    `heartline/server: \`${name}\` must be ${allowed}; got ${describeValue(got)}.`,
  )
}

/** @internal Checks the heartbeat's options (of `attachHeartbeat` or `acceptSessions`). */
export function resolveHeartbeat(options: AttachHeartbeatOptions): HeartbeatSettings {
  // Only `undefined` means "the default": a null is a mistake worth reporting.
  const ping = options.ping === undefined ? 'ping' : options.ping
  const pong = options.pong === undefined ? 'pong' : options.pong
  if (typeof ping !== 'string') fail('ping', 'a string', ping)
  if (typeof pong !== 'string') fail('pong', 'a string', pong)
  const sweepInterval = checkMs('sweepInterval', options.sweepInterval, 30_000, {
    min: 'zero',
    scope: 'heartline/server',
  })
  return { ping, pong, sweepInterval }
}

/**
 * @internal The heartbeat of a set of sockets: each attached socket gets its
 * pings answered and is swept; `stop` ends the sweep and detaches every socket.
 */
export class Heartbeat {
  readonly #ping: string
  readonly #pingBytes: number
  readonly #pong: string
  /** Each attached socket: whether it answered the last sweep's ping, and how to detach it. */
  readonly #sockets = new Map<WebSocket, { alive: boolean; detach: () => void }>()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor({ ping, pong, sweepInterval }: HeartbeatSettings) {
    this.#ping = ping
    this.#pingBytes = Buffer.byteLength(ping)
    this.#pong = pong
    // Own bookkeeping rather than `wss.clients`, which a server created with
    // `clientTracking: false` does not have.
    this.#timer = sweepInterval > 0 ? setInterval(() => this.#sweep(), sweepInterval) : undefined
    this.#timer?.unref?.()
  }

  /** True when a message is the app-level ping. */
  isPing(data: RawData, isBinary: boolean): boolean {
    // Cheap length check first: most messages are not pings.
    if (isBinary) return false
    const length = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : (data as Buffer | ArrayBuffer).byteLength
    return length === this.#pingBytes && data.toString() === this.#ping
  }

  /**
   * Answers `socket`'s pings and sweeps it, until it closes. With the request of
   * its `connection` event, it is also watched for `drain()` (src/server/unread.ts).
   */
  readonly attach = (socket: WebSocket, request?: IncomingMessage): void => {
    let unread = watch(socket, request)
    const onMessage = (data: RawData, isBinary: boolean) => {
      if (unread) unread = forget(socket)
      if (!this.isPing(data, isBinary)) return
      // A client that does not read gets no more replies queued (it counts any data as alive).
      if (socket.readyState === 1 && socket.bufferedAmount <= PONG_BUFFER_LIMIT) {
        socket.send(this.#pong)
      }
    }
    const onPong = () => {
      const entry = this.#sockets.get(socket)
      if (entry !== undefined) entry.alive = true
    }
    const detach = () => {
      unread = forget(socket)
      socket.off('message', onMessage)
      socket.off('pong', onPong)
      socket.off('close', detach)
      this.#sockets.delete(socket)
    }
    // First among the listeners, so that a `drain()` called from any listener of
    // a message already counts the socket as read.
    socket.prependListener('message', onMessage)
    socket.on('pong', onPong)
    socket.on('close', detach)
    this.#sockets.set(socket, { alive: true, detach })
  }

  /** Ends the sweep; attached sockets keep their pings answered. */
  stopSweep(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Ends the sweep and detaches every socket. */
  stop(): void {
    this.stopSweep()
    for (const { detach } of [...this.#sockets.values()]) detach()
  }

  #sweep(): void {
    for (const [socket, entry] of [...this.#sockets]) {
      if (!entry.alive) {
        socket.terminate()
        continue
      }
      entry.alive = false
      try {
        socket.ping()
      } catch {
        // Closing already; the next sweep or its close event settles it.
      }
    }
  }
}

/**
 * Attaches the heartbeat to every current and future client of `wss`. Returns a
 * function that detaches everything it added (listeners and the sweep timer).
 */
export function attachHeartbeat(
  wss: WebSocketServer,
  options: AttachHeartbeatOptions = {},
): () => void {
  const heartbeat = new Heartbeat(resolveHeartbeat(options))
  for (const client of wss.clients ?? []) heartbeat.attach(client)
  wss.on('connection', heartbeat.attach)
  return () => {
    wss.off('connection', heartbeat.attach)
    heartbeat.stop()
  }
}
