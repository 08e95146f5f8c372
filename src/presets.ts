/**
 * Ready-made option sets. Spread one and add your own:
 * `createConnection(url, { ...presets.seed, WebSocket })`.
 */
import type { ConnectionOptions } from './options.js'

/**
 * The classic browser recipe's timings exactly: ping after 3 s of
 * inbound silence, give up on the link 3 s later, reconnect after a fixed 4 s.
 * Kept for comparison and teaching; the defaults spread a herd of clients and
 * tolerate slow links better.
 */
const seed = {
  heartbeat: { interval: 3000, timeout: 3000, ping: 'ping' },
  reconnect: { initialDelay: 4000, maxDelay: 4000, factor: 1, jitter: 'none' },
} as const satisfies ConnectionOptions

export const presets = { seed } as const
