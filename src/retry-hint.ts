/**
 * The retry hint: a server names, in its close reason, how many milliseconds the
 * client should wait before its next attempt, e.g. `service restart retry-after=4210ms`.
 * The format is specified in docs/retry-hint.md so that any server can send it.
 * Pure (its only imports say how an error reads): the parser ships in the main entry.
 */
import { DEV } from '#dev'
import { coded } from './error-code.js'

/** The largest hint honoured (1 hour): anything longer is taken for a mistake and ignored. */
export const MAX_RETRY_HINT = 3_600_000

// At the end of the reason, after its start, a space or a ";". Digits only: no sign,
// fraction, exponent or leading zero; at most 7 digits so the number is always exact.
const HINT = /(?:^|[ ;])retry-after=(0|[1-9][0-9]{0,6})ms$/

/**
 * The delay in ms a close reason asks for, or `null` when it carries no valid
 * hint (absent, malformed, negative, fractional, or over `MAX_RETRY_HINT`).
 */
export function parseRetryHint(reason: string): number | null {
  if (typeof reason !== 'string') return null
  const match = HINT.exec(reason)
  if (match === null) return null
  const ms = Number(match[1])
  return ms <= MAX_RETRY_HINT ? ms : null
}

/**
 * The hint a socket end carries: only a close frame the server sent (cause
 * `server-close`) speaks for the server; ends heartline caused itself never do.
 */
export function retryHintOf(close: { cause: string; reason: string }): number | null {
  return close.cause === 'server-close' ? parseRetryHint(close.reason) : null
}

/**
 * A close reason carrying the hint: `text` (may be empty) followed by
 * `retry-after=<ms>ms`. Throws a RangeError for a delay that is not a whole number
 * in [0, MAX_RETRY_HINT] or a reason over the 123 bytes a close frame allows
 * (RFC 6455 §5.5: control frames carry at most 125 bytes, 2 of them the code).
 */
export function formatRetryHint(delay: number, text = ''): string {
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_RETRY_HINT) {
    throw new RangeError(
      DEV
        ? `heartline: a retry hint must be a whole number of ms in [0, ${MAX_RETRY_HINT}]; got ${String(delay)}.`
        : coded('E27'),
    )
  }
  const reason = `${text === '' ? '' : `${text} `}retry-after=${delay}ms`
  const bytes = new TextEncoder().encode(reason).length
  if (bytes > 123) {
    throw new RangeError(
      DEV
        ? `heartline: the close reason ${JSON.stringify(reason)} is ${bytes} bytes; a close reason allows 123 (shorten the text).`
        : coded('E28'),
    )
  }
  return reason
}
