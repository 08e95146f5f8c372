/**
 * The server half of the heartbeat, for Node servers built on `ws`: answers the
 * client's app-level pings, and sweeps out clients that stopped answering
 * protocol-level pings (the pattern the `ws` README documents: mark every client,
 * ping it, and terminate the ones still unmarked at the next sweep); `drain()` and
 * `admission()` pace reconnect storms with retry hints (docs/storms.md).
 *
 * @module heartline/server
 */
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { checkMs, describeValue } from '../describe.js'
import { PONG_BUFFER_LIMIT } from './session-options.js'

export { computeAccept, WEBSOCKET_GUID } from '../handshake.js'
export { formatRetryHint, MAX_RETRY_HINT, parseRetryHint } from '../retry-hint.js'
export { type AdmissionOptions, admission } from './admission.js'
export { type DrainOptions, type DrainResult, drain } from './drain.js'
export { memoryStore } from './memory-store.js'
export { Session } from './session.js'
export type {
  SessionAttachInfo,
  SessionCloseInfo,
  SessionDropReason,
  SessionEvents,
  SessionMessageInfo,
} from './session-events.js'
export {
  type AcceptSessionsOptions,
  acceptSessions,
  SessionServer,
  type SessionServerEvents,
} from './sessions.js'
export type {
  ClaimedSession,
  MissingSession,
  SessionStore,
  StoredMessage,
  StoreOptions,
} from './store.js'

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

function fail(name: string, allowed: string, got: unknown): never {
  throw new TypeError(
    `heartline/server: \`${name}\` must be ${allowed}; got ${describeValue(got)}.`,
  )
}

/**
 * Attaches the heartbeat to every current and future client of `wss`. Returns a
 * function that detaches everything it added (listeners and the sweep timer).
 */
export function attachHeartbeat(
  wss: WebSocketServer,
  options: AttachHeartbeatOptions = {},
): () => void {
  // Only `undefined` means "the default": a null is a mistake worth reporting.
  const ping = options.ping === undefined ? 'ping' : options.ping
  const pong = options.pong === undefined ? 'pong' : options.pong
  if (typeof ping !== 'string') fail('ping', 'a string', ping)
  if (typeof pong !== 'string') fail('pong', 'a string', pong)
  const sweepInterval = checkMs('sweepInterval', options.sweepInterval, 30_000, {
    min: 'zero',
    scope: 'heartline/server',
  })
  const pingBytes = Buffer.byteLength(ping)
  const alive = new WeakMap<WebSocket, boolean>()
  const detachers = new Map<WebSocket, () => void>()

  const attach = (socket: WebSocket) => {
    alive.set(socket, true)
    const onMessage = (data: RawData, isBinary: boolean) => {
      // Cheap length check first: most messages are not pings.
      if (isBinary) return
      const length = Array.isArray(data)
        ? data.reduce((n, b) => n + b.length, 0)
        : (data as Buffer | ArrayBuffer).byteLength
      if (length !== pingBytes || data.toString() !== ping) return
      // A client that does not read gets no more replies queued (it counts any data as alive).
      if (socket.readyState === 1 && socket.bufferedAmount <= PONG_BUFFER_LIMIT) socket.send(pong)
    }
    const onPong = () => alive.set(socket, true)
    const onClose = () => {
      detachers.get(socket)?.()
    }
    socket.on('message', onMessage)
    socket.on('pong', onPong)
    socket.on('close', onClose)
    detachers.set(socket, () => {
      socket.off('message', onMessage)
      socket.off('pong', onPong)
      socket.off('close', onClose)
      detachers.delete(socket)
    })
  }

  for (const client of wss.clients ?? []) attach(client)
  wss.on('connection', attach)

  // Own bookkeeping rather than `wss.clients`, which a server created with
  // `clientTracking: false` does not have.
  const sweep = () => {
    for (const client of [...detachers.keys()]) {
      if (alive.get(client) === false) {
        client.terminate()
        continue
      }
      alive.set(client, false)
      try {
        client.ping()
      } catch {
        // Closing already; the next sweep or its close event settles it.
      }
    }
  }
  const timer = sweepInterval > 0 ? setInterval(sweep, sweepInterval) : undefined
  timer?.unref?.()

  return () => {
    if (timer !== undefined) clearInterval(timer)
    wss.off('connection', attach)
    for (const detach of [...detachers.values()]) detach()
  }
}
