/**
 * The retry arithmetic of the chart, pure: the backoff and hinted delays, what
 * a socket end's report carries (the close policy's answer and a draw for the
 * jitter) and the retry planned from it. The chart holds no random source: the
 * socket actor draws before it reports an end (`judgeEnd`), and the chart plans
 * with the draw it was handed.
 */
import type { BackoffPolicy, CloseInfo, ReconnectVerdict } from './types.js'

/**
 * The backoff delay before reconnect number `attempt` (0-based): the ceiling
 * `min(maxDelay, initialDelay * factor^attempt)`, and with full jitter a uniform
 * draw in [0, ceiling). `random` returns a number in [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** attempt)
  if (policy.jitter === 'none') return ceiling
  return Math.floor(random() * ceiling)
}

/**
 * The delay of a retry the server hinted (docs/retry-hint.md), for reconnect
 * number `attempt`: never sooner than the backoff ceiling that attempt would
 * have drawn under (`initialDelay` after a stable connection, then growing), so
 * no server can make a client retry faster than its own backoff allows; with
 * full jitter, drawn in a window one `initialDelay` wide starting there, so the
 * clients a server closed together do not come back together. The window ends
 * by `maxDelay` (a later start is moved down to fit).
 */
export function hintedDelay(
  policy: BackoffPolicy,
  hint: number,
  attempt: number,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** attempt)
  const width = hintWindow(policy)
  const start = Math.min(Math.max(hint, ceiling), policy.maxDelay - width)
  return width === 0 ? start : start + Math.floor(random() * width)
}

/** The width of a hinted retry's jitter window (0: no draw). */
function hintWindow(policy: BackoffPolicy): number {
  return policy.jitter === 'none'
    ? 0
    : Math.min(policy.initialDelay, policy.maxDelay - policy.initialDelay)
}

/** What a socket end's report carries besides the close itself (see `SocketEvent`). */
export interface EndVerdict {
  verdict?: ReconnectVerdict
  draw?: number
}

/**
 * Asks `ask` (the close policy) about one socket end and draws the retry's jitter
 * from `random`, as the socket actor does before it reports the end. Nobody is
 * asked about a close the application asked for or when reconnect is off (the
 * chart stops then, whatever the answer), and nothing is drawn for a retry that
 * needs no jitter (a delay given by the policy, `jitter: 'none'`) or that will
 * not happen (`attemptsLeft` false: the attempt budget is spent).
 */
export function judgeEnd(
  close: CloseInfo,
  reconnect: BackoffPolicy | false,
  attemptsLeft: boolean,
  ask: (close: CloseInfo) => ReconnectVerdict,
  random: () => number,
): EndVerdict {
  if (close.cause === 'user' || reconnect === false) return {}
  const verdict = ask(close)
  const jittered =
    verdict === 'retry'
      ? reconnect.jitter === 'full'
      : typeof verdict === 'object' && hintWindow(reconnect) > 0
  return jittered && attemptsLeft ? { verdict, draw: random() } : { verdict }
}

/** Whether the attempt budget leaves another retry (the chart's `attemptsRemain` guard). */
export function attemptsRemain(context: {
  reconnect: BackoffPolicy | false
  attempt: number
}): boolean {
  return context.reconnect !== false && context.attempt < context.reconnect.maxAttempts
}

/** The draw an end reported without one stands for: the top of the window. */
const TOP_DRAW = 1 - Number.EPSILON

/**
 * The retry after an end whose report carried `verdict` and `draw`: the delay the
 * close policy gave, else the backoff (or hinted) delay with the draw as jitter;
 * and the attempt count after it. An end reported without a verdict retries.
 */
export function planRetry(
  policy: BackoffPolicy,
  attempt: number,
  stable: boolean,
  { verdict = 'retry', draw = TOP_DRAW }: EndVerdict,
): { retryDelay: number; attempt: number } {
  const random = () => draw
  // A retry the server scheduled (its close reason's hint) is free only after a
  // connection that stayed up; else it counts like any retry, so `maxAttempts`
  // bounds a server that closes every socket at once with a hint.
  if (typeof verdict === 'object') {
    return {
      retryDelay: hintedDelay(policy, verdict.hint, attempt, random),
      attempt: stable ? attempt : attempt + 1,
    }
  }
  return {
    retryDelay: typeof verdict === 'number' ? verdict : backoffDelay(policy, attempt, random),
    attempt: attempt + 1,
  }
}
