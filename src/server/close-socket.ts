/**
 * Closing a socket the server gives up on, within bounds: the reason cut to
 * what a close frame carries, and a peer that never answers terminated.
 */
import type { WebSocket } from 'ws'

/** `reason` cut to the 123 bytes a close frame can carry (RFC 6455 §5.5), on a character boundary. */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason
  const chars = Array.from(reason)
  let bytes = Buffer.byteLength(reason)
  while (bytes > 123) bytes -= Buffer.byteLength(chars.pop() as string)
  return chars.join('')
}

/**
 * Closes `socket` with `code` and `reason`, and terminates it if the peer has
 * not answered the close frame within `timeout` ms: a peer that never reads
 * would otherwise hold the socket and its send queue for `ws`'s 30 s.
 */
export function closeSocket(
  socket: WebSocket,
  code: number,
  reason: string,
  timeout: number,
): void {
  if (socket.readyState === socket.CLOSED) return
  if (socket.readyState === socket.OPEN) socket.close(code, closeReason(reason))
  else if (socket.readyState === socket.CONNECTING) {
    socket.terminate()
    return
  }
  const timer = setTimeout(() => socket.terminate(), timeout)
  timer.unref?.()
  socket.once('close', () => clearTimeout(timer))
}
