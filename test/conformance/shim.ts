/**
 * How the conformance runs construct heartline "like a WebSocket":
 * `(url, protocols) => createConnection(url, { protocols, reconnect: false, heartbeat: false })`.
 * - `reconnect: false`: a WebSocket that closes stays closed, and the close rows
 *   read readyState, events and codes of that one close; with reconnection on, a
 *   close would be followed by a new attempt (the deviation rows turn it on).
 * - `heartbeat: false`: the standard interface sends nothing of its own, and a
 *   ping would reach the echo server and come back as an extra message.
 * Everything else is heartline's default.
 */
import type { ConnectionOptions } from '../../src/index.js'

export function heartlineOptions(
  protocols: unknown,
  extra: Record<string, unknown> = {},
  base: Record<string, unknown> = {},
): ConnectionOptions {
  const options: Record<string, unknown> = { ...base, reconnect: false, heartbeat: false, ...extra }
  if (protocols !== undefined) options.protocols = protocols
  return options as ConnectionOptions
}
