/**
 * Handshake admission: a server accepts new WebSocket connections up to a rate and
 * refuses the rest at once with 1013 (Try Again Later, RFC 6455 §7.4.1 registry)
 * and a retry hint, so a reconnect storm after a crash reaches the application at a
 * pace it can take.
 */
import type { WebSocketServer } from 'ws'
import { formatRetryHint, MAX_RETRY_HINT } from '../retry-hint.js'
import { gateUpgrades, isSendableCode, optionError } from './refuse.js'

export interface AdmissionOptions {
  /** Handshakes accepted per second, on average. A finite number > 0. */
  perSecond: number
  /**
   * Handshakes that may be accepted back to back (the token bucket's size). A
   * tenth of a second's worth by default, so a storm meets the rate from its start.
   * @default Math.ceil(perSecond / 10)
   */
  burst?: number
  /**
   * The close code of a refused handshake.
   * @default 1013
   */
  code?: number
  /**
   * Text before the hint in the close reason of a refused handshake.
   * @default 'try again later'
   */
  reason?: string
  /**
   * How a handshake over the rate is refused. `'close'` completes it and closes at
   * once with `code` and a retry hint, which every client can read; the client sees
   * an `open` first, and a client that flushes a queue on `open` writes it into a
   * socket the server never reads (heartline sends it again after a 1013 before
   * any frame: docs/reliability.md; other clients lose it). `'http'`
   * answers HTTP 503 with `Retry-After` before the upgrade: nothing is sent into
   * it, but a browser reads neither the status nor the header (it reports an
   * error and 1006) and falls back on its backoff.
   * @default 'close'
   */
  refuse?: 'close' | 'http'
  /**
   * The clock, in ms (only differences are used).
   * @default performance.now
   */
  now?: () => number
}

/**
 * Admits handshakes to `wss` at `perSecond` (a token bucket of `burst`). A refused
 * handshake costs one SHA-1 and one write: it is completed and closed on the raw
 * socket before `ws` builds a WebSocket, so the application's `connection` handler
 * never runs for it. Each refused client gets the next free slot of a queue paced
 * at `perSecond` as its retry hint, so the refused come back one by one at the
 * admitted rate instead of together; a client that goes away without answering
 * the close frame (it never read its hint) gives its slot back. Returns a
 * function that removes the gate.
 */
export function admission(wss: WebSocketServer, options: AdmissionOptions): () => void {
  const { perSecond, code = 1013, reason = 'try again later' } = options ?? {}
  const burst = options?.burst ?? Math.ceil(perSecond / 10)
  const now = options?.now ?? (() => performance.now())
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || !(perSecond > 0)) {
    optionError('admission', 'perSecond', 'a finite number > 0', perSecond)
  }
  if (typeof burst !== 'number' || !Number.isFinite(burst) || !(burst >= 1)) {
    optionError('admission', 'burst', 'a finite number ≥ 1', burst)
  }
  if (!isSendableCode(code)) {
    optionError(
      'admission',
      'code',
      'a close code a server may send (1000–1003, 1007–1014, 3000–4999)',
      code,
    )
  }
  if (typeof reason !== 'string') optionError('admission', 'reason', 'a string', reason)
  if (typeof now !== 'function') optionError('admission', 'now', 'a function', now)
  const refuse = options?.refuse ?? 'close'
  if (refuse !== 'close' && refuse !== 'http') {
    optionError('admission', 'refuse', "'close' or 'http'", refuse)
  }
  formatRetryHint(MAX_RETRY_HINT, reason)

  const spacing = 1000 / perSecond
  let tokens = burst
  let refilledAt = now()
  /** When the last refused client was told to come back. */
  let queueEnd = Number.NEGATIVE_INFINITY
  /** Slots before queueEnd given back by clients that never read their refusal, ascending. */
  const holes: number[] = []

  /** A slot from `first` on: a hole given back, else the next one after the queue. */
  const reserve = (first: number): number => {
    while (holes.length > 0 && (holes[0] as number) < first) holes.shift()
    const hole = holes.shift()
    if (hole !== undefined) return hole
    queueEnd = Math.max(queueEnd + spacing, first)
    return queueEnd
  }
  /** A refused client gone without reading its hint: its slot serves the next one. */
  const release = (slot: number): void => {
    if (Math.abs(slot - queueEnd) >= spacing / 2) {
      const at = holes.findIndex((h) => h > slot)
      holes.splice(at < 0 ? holes.length : at, 0, slot)
      return
    }
    queueEnd -= spacing
    while (holes.length > 0 && Math.abs((holes.at(-1) as number) - queueEnd) < spacing / 2) {
      holes.pop()
      queueEnd -= spacing
    }
  }

  return gateUpgrades(wss, () => {
    const t = now()
    tokens = Math.min(burst, tokens + (t - refilledAt) / spacing)
    refilledAt = t
    if (tokens >= 1) {
      tokens -= 1
      return null
    }
    // The first slot is when the next token arrives.
    const first = t + (1 - tokens) * spacing
    // A browser reads nothing of a 503: the client backs off on its own, so no
    // slot is held for it; Retry-After says when the next token comes.
    if (refuse === 'http') return { retryAfter: Math.ceil(first - t) }
    // Later slots follow at the rate, each held for a client that reads its hint.
    const slot = reserve(first)
    const delay = Math.min(MAX_RETRY_HINT, Math.ceil(slot - t))
    return {
      code,
      reason: formatRetryHint(delay, reason),
      settled: (answered) => {
        if (!answered) release(slot)
      },
    }
  })
}
