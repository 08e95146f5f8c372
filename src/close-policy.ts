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
import type { ReconnectVerdict } from '../machines/types.js'
import { describeValue } from './describe.js'
import type { CloseDetails } from './options.js'
import { retryHintOf } from './retry-hint.js'

export interface ClosePolicyRow {
  /** The codes this row covers: one code or an inclusive range. */
  codes: number | readonly [number, number]
  retry: boolean
  /** Why: shown in the README and kept next to the decision. */
  why: string
}

/**
 * Rows are matched in order; the first row whose codes contain the code decides.
 * Codes no row covers retry (an unknown code is treated like an abnormal end).
 */
export const CLOSE_CODE_POLICY: readonly ClosePolicyRow[] = [
  {
    codes: 1000,
    retry: true,
    why: 'Normal closure from the server: servers send it when they restart, scale down or drain; a server that wants the client gone for good should say so with a code the application maps to stop.',
  },
  {
    codes: 1001,
    retry: true,
    why: 'Going away: the server is shutting down or restarting; another instance (or the same one) will answer soon.',
  },
  {
    codes: 1002,
    retry: false,
    why: 'Protocol error: the peers disagree on the wire format; the next attempt speaks the same protocol.',
  },
  {
    codes: 1003,
    retry: false,
    why: 'Unsupported data: the server cannot accept what this client sends; retrying sends it again.',
  },
  {
    codes: 1005,
    retry: true,
    why: 'No status received: the close carried no code, so nothing says retrying is futile; treated like 1006.',
  },
  {
    codes: 1006,
    retry: true,
    why: 'Abnormal closure: the connection dropped without a close frame (network loss, crash, proxy timeout), the case reconnecting exists for.',
  },
  {
    codes: 1007,
    retry: false,
    why: 'Invalid payload data (for example bad UTF-8): the same client will send the same data again.',
  },
  {
    codes: 1008,
    retry: false,
    why: 'Policy violation, commonly used for failed authentication or authorisation: retrying with the same credentials loops (refresh them and override `shouldReconnect` to retry).',
  },
  {
    codes: 1009,
    retry: false,
    why: 'Message too big: the server will refuse the same message again.',
  },
  {
    codes: 1010,
    retry: false,
    why: 'Mandatory extension missing: the extension negotiation will fail the same way next time.',
  },
  {
    codes: 1011,
    retry: true,
    why: 'Internal error: a server fault that is often transient; backoff keeps the load low while it recovers.',
  },
  {
    codes: 1012,
    retry: true,
    why: 'Service restart: the server says it is coming back.',
  },
  {
    codes: 1013,
    retry: true,
    why: 'Try again later: the server asks for exactly this (backoff spaces the attempts).',
  },
  {
    codes: 1014,
    retry: true,
    why: 'Bad gateway: a proxy could not reach the upstream, which is usually transient.',
  },
  {
    codes: 1015,
    retry: false,
    why: 'TLS handshake failure: a certificate the client rejects does not become valid by retrying (browsers report these as 1006, which retries).',
  },
  {
    codes: 3000,
    retry: false,
    why: 'Registered as Unauthorized (IANA WebSocket close code registry): the credentials are the problem, not the network.',
  },
  {
    codes: 3003,
    retry: false,
    why: 'Registered as Forbidden: retrying with the same identity is refused again.',
  },
  {
    codes: 4001,
    retry: false,
    why: 'Private code conventionally used like HTTP 401 (unauthorised): stop instead of looping on a rejected token.',
  },
  {
    codes: 4003,
    retry: false,
    why: 'Private code conventionally used like HTTP 403 (forbidden).',
  },
  {
    codes: [3000, 4999],
    retry: true,
    why: 'Other registered (3000–3999) and application (4000–4999) codes: their meaning belongs to the application, which decides with `shouldReconnect`; by default they retry, with backoff.',
  },
]

function covers(row: ClosePolicyRow, code: number): boolean {
  if (typeof row.codes === 'number') return row.codes === code
  return code >= row.codes[0] && code <= row.codes[1]
}

/**
 * The default `shouldReconnect`: retry unless the server's close code says retrying
 * cannot help. A close that carries a valid retry hint (docs/retry-hint.md) always
 * retries, whatever its code: the server said when to come back. Returning `true`
 * lets the connection honour that hint.
 */
export function defaultShouldReconnect(close: CloseDetails): boolean {
  if (close.cause !== 'server-close' && close.cause !== 'error') return true
  // retry hint: the server's explicit "come back in N ms" outranks the code table.
  if (retryHintOf(close) !== null) return true
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
      `heartline: \`shouldReconnect\` returned ${describeValue(value)}; a delay must be a finite number of ms ≥ 0. The default policy decided instead.`,
    )
  }
  return new TypeError(
    `heartline: \`shouldReconnect\` must return true, false or a delay in ms; got ${describeValue(value)}. The default policy decided instead.`,
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
