/**
 * Refusing a WebSocket handshake so that a browser can read why. A browser never
 * sees the HTTP status of a refused upgrade (only an error and a 1006), so the
 * refusal completes the handshake and closes at once with a code and a reason.
 * It does so by hand, on the raw TCP socket, before `ws` builds anything: no
 * WebSocket object, no extension negotiation, no `connection` event, no entry in
 * `wss.clients`. The only real work is the SHA-1 of the key that RFC 6455 §4.2.2
 * requires for the client to accept the response.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocketServer } from 'ws'
import { WEBSOCKET_GUID } from '../handshake.js'

/** A 16-byte nonce, base64 (RFC 6455 §4.1, client requirement 7). */
const KEY = /^[+/0-9A-Za-z]{22}==$/

/**
 * How long a refused socket is kept at most, from the refusal: an absolute
 * deadline, so a client that trickles bytes or never closes its side cannot
 * extend it.
 */
export const REFUSED_DEADLINE = 5000

/** The refusal a gate asks for: a close code and a reason (≤ 123 bytes). */
export interface Refusal {
  code: number
  reason: string
  /**
   * Called once the socket is gone: `answered` is true when the client sent
   * anything back (its close frame: it read the refusal, so it can act on the hint).
   */
  settled?: (answered: boolean) => void
}

/** Destroys `socket` at the deadline unless it closed before. */
function deadline(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), REFUSED_DEADLINE)
  timer.unref?.()
  socket.once('close', () => clearTimeout(timer))
}

/**
 * A refusal before the handshake: an HTTP 503 with `Retry-After` (whole seconds,
 * RFC 9110 §10.2.3). A browser sees only an error and a 1006, and backs off on its
 * own; but nothing is ever sent into a socket that nobody reads.
 */
export interface Unavailable {
  retryAfter: number
}

/**
 * Decides each handshake: `null` lets `ws` handle it as usual, a `Refusal` closes it
 * at once, `Unavailable` answers 503. Called only for handshakes `ws` itself would accept.
 */
export type Gate = (request: IncomingMessage) => Refusal | Unavailable | null

/** Answers an upgrade with 503 and closes the connection. */
export function unavailable(socket: Duplex, { retryAfter }: Unavailable): void {
  socket.on('error', () => socket.destroy())
  deadline(socket)
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n' +
      `Retry-After: ${Math.ceil(retryAfter / 1000)}\r\n\r\n`,
  )
}

/** The checks `ws` makes before doing any work; anything else goes to `ws` for its error. */
function wellFormed(wss: WebSocketServer, request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key']
  const version = request.headers['sec-websocket-version']
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    KEY.test(key) &&
    (version === '13' || version === '8') &&
    wss.shouldHandle(request) === true
  )
}

/** An unmasked close frame (RFC 6455 §5.5.1): FIN + opcode 0x8, the code, the reason. */
function closeFrame({ code, reason }: Refusal): Buffer {
  const text = Buffer.from(reason)
  const frame = Buffer.alloc(4 + text.length)
  frame[0] = 0x88
  frame[1] = 2 + text.length
  frame.writeUInt16BE(code, 2)
  text.copy(frame, 4)
  return frame
}

/** Completes the handshake on `socket` and closes it at once with `refusal`. */
export function refuse(request: IncomingMessage, socket: Duplex, refusal: Refusal): void {
  const key = request.headers['sec-websocket-key'] as string
  const accept = createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64')
  // A client that offered subprotocols fails a response that selects none (RFC 6455
  // §4.1, and Chromium and ws enforce it), so echo its first: the socket closes at once.
  const offered = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim()
  const head = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...(offered ? [`Sec-WebSocket-Protocol: ${offered}`] : []),
    '',
    '',
  ].join('\r\n')
  const destroy = () => socket.destroy()
  socket.on('error', destroy)
  // The client answers with its own close frame (RFC 6455 §5.5.1); its content is
  // not needed. The server closes the TCP connection first (§7.1.1).
  let answered = false
  socket.on('data', () => {
    answered = true
  })
  socket.once('end', destroy)
  socket.once('close', () => refusal.settled?.(answered))
  deadline(socket)
  socket.end(Buffer.concat([Buffer.from(head), closeFrame(refusal)]))
}

/**
 * Puts `gate` in front of `wss.handleUpgrade` (which `ws` calls for every upgrade
 * in server mode, and the application calls in `noServer` mode). Returns a
 * function that takes the gate out again; gates may be stacked and removed in
 * any order.
 */
export function gateUpgrades(wss: WebSocketServer, gate: Gate): () => void {
  const previous = wss.handleUpgrade
  let active = true
  const gated: WebSocketServer['handleUpgrade'] = function (this: WebSocketServer, ...args) {
    const [request, socket] = args
    const refusal = active && wellFormed(wss, request) ? gate(request) : null
    if (refusal === null) return previous.apply(this, args)
    if ('code' in refusal) refuse(request, socket, refusal)
    else unavailable(socket, refusal)
  }
  wss.handleUpgrade = gated
  return () => {
    active = false
    if (wss.handleUpgrade === gated) wss.handleUpgrade = previous
  }
}

/** The close codes a server may send (RFC 6455 §7.4.1, §7.4.2): 1000, 1001–1003, 1007–1014, 3000–4999. */
export function isSendableCode(code: unknown): code is number {
  return (
    typeof code === 'number' &&
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) ||
      (code >= 1007 && code <= 1014) ||
      (code >= 3000 && code <= 4999))
  )
}

/** A clear error for a bad option of a server helper. */
export function optionError(helper: string, name: string, allowed: string, got: unknown): never {
  const what = typeof got === 'string' ? JSON.stringify(got) : String(got)
  throw new TypeError(`heartline/server: ${helper}() \`${name}\` must be ${allowed}; got ${what}.`)
}
