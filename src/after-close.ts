/**
 * Whether the application has closed the connection for good: `close()` was
 * called (the chart may still wait in `closing` for the socket's close event) or
 * the chart rests in `closed`. `send()` then refuses at once, reporting `drop`
 * with reason `closed`, instead of queueing what nothing will send. A
 * `reconnect()` clears it (the chart clears `closeCause` on entering `live`).
 */
import type { CloseCause } from '../machines/connection.js'

export function closedForGood(snapshot: {
  value: unknown
  context: { closeCause: CloseCause | null }
}): boolean {
  return snapshot.value === 'closed' || snapshot.context.closeCause === 'user'
}
