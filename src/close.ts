/**
 * `close(code, reason)` validation, as the WebSocket standard does it
 * (WHATWG WebSockets §"close()": InvalidAccessError for a bad code, SyntaxError
 * for a reason over 123 bytes), so code written for a plain socket sees the same
 * errors. RFC 6455 §7.4: 1000 is the only 1xxx code an endpoint may send by
 * choice; 3000–3999 are registered, 4000–4999 private; 1005 and 1006 must never
 * appear on the wire.
 */
import { describeValue } from './describe.js'

/** A control frame carries at most 125 bytes; the code takes 2 (RFC 6455 §5.5). */
export const MAX_REASON_BYTES = 123

const encoder = new TextEncoder()

function domException(message: string, name: string): Error {
  if (typeof DOMException === 'function') return new DOMException(message, name)
  const error = new Error(message)
  error.name = name
  return error
}

/** Why a refused code is refused, when the range alone does not say it. */
function codeHint(code: unknown): string {
  if (typeof code === 'string') return ' (a string: pass a number)'
  if (typeof code !== 'number') return ''
  if (!Number.isInteger(code)) return ' (not a whole number)'
  if (code === 1005 || code === 1006 || code === 1015)
    return ' (reserved to report a close without a status; never sent, RFC 6455 §7.4.1)'
  if (code > 1000 && code < 3000)
    return ' (1001–2999 are for the protocol and its extensions, RFC 6455 §7.4.2)'
  return ''
}

/** Throws as a browser WebSocket would; returns the code and reason to send. */
export function checkClose(code: unknown, reason: unknown): { code: number; reason: string } {
  let checkedCode = 1000
  if (code !== undefined) {
    const valid =
      typeof code === 'number' &&
      Number.isInteger(code) &&
      (code === 1000 || (code >= 3000 && code <= 4999))
    if (!valid) {
      throw domException(
        `heartline: close code must be 1000 or an integer in 3000–4999; got ${describeValue(code)}${codeHint(code)}.`,
        'InvalidAccessError',
      )
    }
    checkedCode = code
  }
  let checkedReason = ''
  if (reason !== undefined) {
    if (typeof reason !== 'string') {
      throw new TypeError(`heartline: close reason must be a string; got ${describeValue(reason)}.`)
    }
    const bytes = encoder.encode(reason).byteLength
    if (bytes > MAX_REASON_BYTES) {
      throw domException(
        `heartline: close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes; got ${bytes} bytes (${reason.length} characters).`,
        'SyntaxError',
      )
    }
    checkedReason = reason
  }
  return { code: checkedCode, reason: checkedReason }
}
