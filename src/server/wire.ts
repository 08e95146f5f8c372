/** The server's side of the resume frames (docs/resume-protocol.md), on Buffers. */
import type { WebSocket } from 'ws'
import { ACK, binarySeq, MESSAGE, parseSeq } from '../resume/frames.js'
import type { StoredMessage } from './store.js'

/** A numbered message frame: `M<seq> <text>`, or 'M', the seq as u64 big-endian, the bytes. */
export const frameOf = (m: StoredMessage): string | Buffer => {
  if (typeof m.data === 'string') return `M${m.seq} ${m.data}`
  const frame = Buffer.allocUnsafe(9 + m.data.byteLength)
  frame[0] = MESSAGE
  frame.writeUInt32BE(Math.floor(m.seq / 2 ** 32), 1)
  frame.writeUInt32BE(m.seq >>> 0, 5)
  m.data.copy(frame, 9)
  return frame
}

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

/** A client frame after the welcome: a message, an ack, or what is wrong with it. */
export type ClientFrame =
  | { kind: 'message'; seq: number; data: string | Buffer }
  | { kind: 'ack'; seq: number }
  | { kind: 'error'; reason: string }

export function readFrame(data: Buffer, isBinary: boolean): ClientFrame {
  if (isBinary) {
    if (data.byteLength < 9 || data[0] !== MESSAGE) {
      return { kind: 'error', reason: 'malformed binary frame' }
    }
    return { kind: 'message', seq: binarySeq(data), data: data.subarray(9) }
  }
  const text = data.toString()
  const kind = text.charCodeAt(0)
  if (kind === MESSAGE) {
    const space = text.indexOf(' ')
    const seq = parseSeq(text, space)
    if (seq < 0) return { kind: 'error', reason: 'malformed message frame' }
    return { kind: 'message', seq, data: text.slice(space + 1) }
  }
  if (kind === ACK) {
    const seq = parseSeq(text, text.length)
    return seq < 0 ? { kind: 'error', reason: 'bad ack' } : { kind: 'ack', seq }
  }
  return { kind: 'error', reason: `unexpected frame ${JSON.stringify(text.slice(0, 16))}` }
}
