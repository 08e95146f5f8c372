/**
 * The default close-code policy: which socket ends are worth another attempt.
 * The application's `shouldReconnect` replaces it entirely; `defaultShouldReconnect`
 * is exported so an application can refine it instead of rewriting it.
 *
 * Only ends that carry the server's word are looked up by code (cause
 * `server-close` or `error`). Ends heartline caused itself (a missed pong, a
 * connect timeout, a manual or network-triggered restart) always retry: the code
 * on those is heartline's own or 1006, and says nothing about the server.
 */

import { DEV } from '#dev'
import type { ReconnectVerdict } from '../machines/types.js'
import { describeValue } from './describe.js'
import { coded } from './error-code.js'
import type { CloseDetails } from './options.js'
import { retryHintOf } from './retry-hint.js'

export interface ClosePolicyRow {
  /** The codes this row covers: one code or an inclusive range. */
  codes: number | readonly [number, number]
  retry: boolean
}

/**
 * Rows are matched in order; the first row whose codes contain the code decides.
 * Codes no row covers retry (an unknown code is treated like an abnormal end).
 * Why each row decides as it does is in docs/close-codes.md, which a test holds
 * to this table row for row (the prose stays out of the bundle).
 */
export const CLOSE_CODE_POLICY: readonly ClosePolicyRow[] = [
  { codes: 1000, retry: true },
  { codes: 1001, retry: true },
  { codes: 1002, retry: false },
  { codes: 1003, retry: false },
  { codes: 1005, retry: true },
  { codes: 1006, retry: true },
  { codes: 1007, retry: false },
  { codes: 1008, retry: false },
  { codes: 1009, retry: false },
  { codes: 1010, retry: false },
  { codes: 1011, retry: true },
  { codes: 1012, retry: true },
  { codes: 1013, retry: true },
  { codes: 1014, retry: true },
  { codes: 1015, retry: false },
  { codes: 3000, retry: false },
  { codes: 3003, retry: false },
  { codes: 4001, retry: false },
  { codes: 4003, retry: false },
  { codes: [3000, 4999], retry: true },
]

function covers(row: ClosePolicyRow, code: number): boolean {
  if (typeof row.codes === 'number') return row.codes === code
  return code >= row.codes[0] && code <= row.codes[1]
}

/**
 * The default `shouldReconnect`: retry unless the server's close code says retrying
 * cannot help. A retry hint (docs/retry-hint.md) says when, never whether: a close
 * the table stops stays stopped whatever its reason says, so a server cannot turn
 * "auth failed" into a loop. Returning `true` lets the connection honour the hint.
 */
export function defaultShouldReconnect(close: CloseDetails): boolean {
  if (close.cause !== 'server-close' && close.cause !== 'error') return true
  for (const row of CLOSE_CODE_POLICY) if (covers(row, close.code)) return row.retry
  return true
}

/**
 * Checks what `shouldReconnect` returned: `true`, `false`, or a delay in ms (a
 * finite number ≥ 0, used instead of the backoff delay for this retry). Returns an
 * error describing anything else.
 */
export function checkReconnectDecision(value: unknown): Error | null {
  if (typeof value === 'boolean') return null
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return null
    return new RangeError(
      DEV
        ? `heartline: \`shouldReconnect\` returned ${describeValue(value)}; a delay must be a finite number of ms ≥ 0. The default policy decided instead.`
        : coded('E25'),
    )
  }
  return new TypeError(
    DEV
      ? `heartline: \`shouldReconnect\` must return true, false or a delay in ms; got ${describeValue(value)}. The default policy decided instead.`
      : coded('E26'),
  )
}

/**
 * Asks `policy` about one socket end and turns its answer into the chart's
 * verdict. A throw or an invalid answer is handed to `report` and the default
 * table decides instead.
 */
export function consultClosePolicy(
  policy: (close: CloseDetails) => unknown,
  close: CloseDetails,
  report: (problem: unknown) => void,
): ReconnectVerdict {
  let value: unknown
  let problem: unknown = null
  try {
    value = policy({ ...close })
    problem = checkReconnectDecision(value)
  } catch (error) {
    problem = error
  }
  if (problem !== null) {
    report(problem)
    value = defaultShouldReconnect({ ...close })
  }
  if (typeof value === 'number') return value
  if (value === false) return 'stop'
  // `true` keeps the server's retry hint, when its close reason carried one.
  const hint = retryHintOf(close)
  return hint === null ? 'retry' : { hint }
}
