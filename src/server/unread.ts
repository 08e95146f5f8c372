/**
 * Which sockets the application has neither read from nor written to, for
 * `drain()`: a socket it has not touched can be refused with 1013, and a
 * heartline client then sends what it flushed into it again, to the next
 * server (docs/reliability.md, "When a message is handed over", rule 3).
 *
 * `attachHeartbeat` watches each socket from its `connection` event on (the
 * request gives the TCP socket, whose byte count shows writes). Sockets no one
 * watched (accepted before the heartbeat was attached, or by a `SessionServer`,
 * whose clients resume anyway) are never counted as untouched.
 */
import type { IncomingMessage } from 'node:http'
import type { WebSocket } from 'ws'
import { REFUSED } from '../refused.js'
import { closeReason } from './close-socket.js'

/** The TCP socket under a watched WebSocket, and its byte count when the watch began. */
interface Watch {
  readonly tcp: { readonly bytesWritten: number }
  readonly written: number
}

/**
 * The one record: each socket watched since its connection on which no message
 * has been emitted yet (the heartbeat forgets it at its first message).
 */
const watched = new WeakMap<WebSocket, Watch>()

/**
 * Starts watching `ws` at its `connection` event; returns whether it is watched
 * (not without the request's TCP socket).
 */
export function watch(ws: WebSocket, request: IncomingMessage | undefined): boolean {
  const tcp = request?.socket
  if (tcp === undefined) return false
  watched.set(ws, { tcp, written: tcp.bytesWritten })
  return true
}

/**
 * A message was emitted on `ws` (the application may have read it), or the watch
 * ends: `ws` no longer counts as untouched. Returns false (the watch is over).
 */
export function forget(ws: WebSocket): false {
  watched.delete(ws)
  return false
}

/**
 * True when `ws` was watched from its connection on, no message was emitted on it,
 * and nothing was written to it (bytes sent, or waiting in `ws`'s buffer).
 */
export function untouched(ws: WebSocket): boolean {
  const entry = watched.get(ws)
  return entry !== undefined && entry.tcp.bytesWritten === entry.written && ws.bufferedAmount === 0
}

/**
 * Closes an untouched open socket with 1013 and `reason`, after taking away its
 * `message` listeners: nothing it sends from now on reaches anyone (`ws` reads
 * and discards it, so the closing handshake completes and nothing piles up).
 * Returns false, doing nothing, for any other socket.
 */
export function refuseUnread(ws: WebSocket, reason: string): boolean {
  if (ws.readyState !== ws.OPEN || !untouched(ws)) return false
  ws.removeAllListeners('message')
  watched.delete(ws)
  ws.close(REFUSED, closeReason(reason))
  return true
}
