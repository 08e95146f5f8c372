/**
 * A planned restart without a stampede: every client is closed with 1012 (Service
 * Restart, RFC 6455 §7.4.1 registry) and a retry hint of its own, the hints spread
 * evenly over a window, so the clients come back one by one instead of together.
 * A client the application has neither read from nor written to gets 1013 instead
 * (src/server/unread.ts): what it flushed is sent again, to the next server.
 */
import type { WebSocket, WebSocketServer } from 'ws'
import { formatRetryHint, MAX_RETRY_HINT } from '../retry-hint.js'
import { gateUpgrades, isSendableCode, optionError } from './refuse.js'
import { refuseUnread } from './unread.js'

export interface DrainOptions {
  /**
   * Milliseconds over which the clients' retry times are spread: with n clients,
   * client k (in a random order) is told to come back after (k + ½) · window / n ms.
   * A whole number in [0, 3 600 000].
   */
  window: number
  /**
   * The close code sent to every client that was read from or written to. A client
   * `attachHeartbeat` watched from its connection on, on which the application has
   * read nothing and written nothing, gets 1013 whatever this is: it was refused
   * unread, so a heartline client sends its messages again (docs/storms.md).
   * @default 1012
   */
  code?: number
  /**
   * Text before the hint in each close reason.
   * @default 'service restart'
   */
  reason?: string
  /**
   * Milliseconds a client may take to answer the close frame before its socket is
   * terminated (a dead peer never answers; `ws` alone would wait 30 s).
   * @default 5000
   */
  closeTimeout?: number
  /**
   * The random source for the order of the slots, in [0, 1).
   * @default Math.random
   */
  random?: () => number
}

export interface DrainResult {
  /** Clients closed by the drain. */
  clients: number
  /** Of those, clients terminated after `closeTimeout` without a closing handshake. */
  terminated: number
  /**
   * Of those, clients closed with 1013 because the application had read nothing and
   * written nothing on them; nothing they sent afterwards reached it.
   */
  unread: number
}

const whole = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max

/**
 * Closes every client of `wss` with its own retry hint, spread evenly across
 * `window`. From the call on, the server answers every new handshake with HTTP 503
 * (`Retry-After`) before upgrading it: a draining server is on its way out, and a
 * client that comes back early backs off on its own. A client opened just before
 * the call, on which the application has read nothing and written nothing (known
 * only with `attachHeartbeat` attached before it connected), is closed with 1013
 * and nothing it sends reaches the application: heartline sends what it had
 * flushed into it again, in order, to the next server. Resolves once every client
 * is closed.
 */
export function drain(wss: WebSocketServer, options: DrainOptions): Promise<DrainResult> {
  const { window, code = 1012, reason = 'service restart', closeTimeout = 5000 } = options ?? {}
  const random = options?.random ?? Math.random
  if (!whole(window, MAX_RETRY_HINT)) {
    optionError('drain', 'window', `a whole number of ms in [0, ${MAX_RETRY_HINT}]`, window)
  }
  if (!isSendableCode(code)) {
    optionError(
      'drain',
      'code',
      'a close code a server may send (1000–1003, 1007–1014, 3000–4999)',
      code,
    )
  }
  if (typeof reason !== 'string') optionError('drain', 'reason', 'a string', reason)
  if (typeof closeTimeout !== 'number' || !(closeTimeout >= 0) || !Number.isFinite(closeTimeout)) {
    optionError('drain', 'closeTimeout', 'a finite number of ms ≥ 0', closeTimeout)
  }
  if (typeof random !== 'function') optionError('drain', 'random', 'a function', random)
  if (wss.clients === undefined) {
    throw new TypeError(
      'heartline/server: drain() needs the list of clients: create the WebSocketServer with `clientTracking: true` (the default).',
    )
  }
  // Fails here, synchronously, if the text leaves no room for the hint.
  formatRetryHint(MAX_RETRY_HINT, reason)

  // Newcomers are refused before the handshake (503): a completed handshake would
  // let a client flush its queue into a socket about to close.
  const ungate = gateUpgrades(wss, () => ({ retryAfter: window }))
  wss.once('close', ungate)

  const clients = [...wss.clients].filter((c) => c.readyState !== c.CLOSED)
  // A random order, so a client that was first in one drain is not first in every one.
  for (let i = clients.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[clients[i], clients[j]] = [clients[j] as WebSocket, clients[i] as WebSocket]
  }
  const n = clients.length
  let terminated = 0
  let unread = 0
  const closed = clients.map((client, k) => {
    const delay = Math.floor(((k + 0.5) * window) / n)
    return new Promise<void>((resolve) => {
      if (client.readyState === client.CLOSED) return resolve()
      const timer = setTimeout(() => {
        terminated++
        client.terminate()
      }, closeTimeout)
      client.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      const text = formatRetryHint(delay, reason)
      if (refuseUnread(client, text)) unread++
      else if (client.readyState === client.OPEN) client.close(code, text)
      else if (client.readyState === client.CONNECTING) client.terminate()
    })
  })
  return Promise.all(closed).then(() => ({ clients: n, terminated, unread }))
}
