/**
 * `close(code, reason)` conversion and validation, as the WebSocket standard does
 * it (WHATWG WebSockets, "close()"): the code is a WebIDL `[Clamp] unsigned
 * short` and the reason a `USVString`, converted before they are checked; then
 * InvalidAccessError for a code other than 1000 or 3000–4999, SyntaxError for a
 * reason over 123 bytes. RFC 6455 §7.4: 1000 is the only 1xxx code an endpoint
 * may send by choice; 3000–3999 are registered, 4000–4999 private; 1005 and
 * 1006 must never appear on the wire.
 */

import { DEV } from '#dev'
import { describeValue, domException } from './describe.js'
import { coded } from './error-code.js'

/** A control frame carries at most 125 bytes; the code takes 2 (RFC 6455 §5.5). */
export const MAX_REASON_BYTES = 123
/** What a close without a status reads as (RFC 6455 §7.1.5). */
export const NO_STATUS = 1005

const encoder = new TextEncoder()

/**
 * WebIDL `[Clamp] unsigned short`: ToNumber, NaN → 0, clamped to 0–65535, then
 * made whole. The standard rounds half to even; Chromium, the reference here,
 * drops the fraction (close(3001.5) sends 3001), and so does this.
 */
function clampCode(code: unknown): number {
  if (typeof code === 'symbol' || typeof code === 'bigint') {
    throw new TypeError(
      DEV ? `heartline: close code must be a number; got ${describeValue(code)}.` : coded('E19'),
    )
  }
  const n = Number(code)
  if (Number.isNaN(n)) return 0
  return Math.trunc(Math.min(65535, Math.max(0, n)))
}

/**
 * Throws as a browser WebSocket would; returns the code (none when not given:
 * the close frame then carries no status) and the reason to send.
 */
export function checkClose(code: unknown, reason: unknown): { code?: number; reason: string } {
  let checkedCode: number | undefined
  if (code !== undefined) {
    checkedCode = clampCode(code)
    if (checkedCode !== 1000 && (checkedCode < 3000 || checkedCode > 4999)) {
      // One expression, so that a production build drops all of it (see dev.ts); the
      // hint says why a code is refused when the range alone does not.
      throw domException(
        DEV
          ? `heartline: close code must be 1000 or an integer in 3000–4999; got ${describeValue(code)}${code === checkedCode ? '' : ` (converts to ${checkedCode})`}${
              checkedCode === 1005 || checkedCode === 1006 || checkedCode === 1015
                ? ' (reserved to report a close without a status; never sent, RFC 6455 §7.4.1)'
                : checkedCode > 1000 && checkedCode < 3000
                  ? ' (1001–2999 are for the protocol and its extensions, RFC 6455 §7.4.2)'
                  : ''
            }.`
          : coded('E20'),
        'InvalidAccessError',
      )
    }
  }
  let checkedReason = ''
  if (reason !== undefined) {
    if (typeof reason === 'symbol') {
      throw new TypeError(
        DEV
          ? `heartline: close reason must be a string (or convert to one); got ${describeValue(reason)}.`
          : coded('E21'),
      )
    }
    // Chromium refuses a reason without a code (the standard would send no status).
    if (checkedCode === undefined) {
      throw domException(
        DEV
          ? `heartline: close reason must come with a code (1000 or 3000–4999); got ${describeValue(reason)} and no code.`
          : coded('E22'),
        'InvalidAccessError',
      )
    }
    checkedReason = String(reason)
    const bytes = encoder.encode(checkedReason).byteLength
    if (bytes > MAX_REASON_BYTES) {
      throw domException(
        DEV
          ? `heartline: close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes; got ${bytes} bytes (${checkedReason.length} characters).`
          : coded('E23'),
        'SyntaxError',
      )
    }
  }
  return checkedCode === undefined
    ? { reason: checkedReason }
    : { code: checkedCode, reason: checkedReason }
}
