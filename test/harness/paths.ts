/**
 * Patterns for the sequence of states a fault case goes through (the states
 * joined by spaces). Heartbeat round trips (`open awaitingPong open`) may happen
 * whenever a connection is up, more of them on a slow machine, so the patterns
 * allow them there and nowhere else.
 */

/** An outage: only states without an open socket, in any order. */
export const OUTAGE = '(?:(?:closing|waitingToReconnect|connecting) )*'
/** Up, with any number of heartbeat round trips. */
export const UP = 'open (?:awaitingPong open )*'
/** Up, then `close()` (possibly while a ping is out), then closed. */
export const END = `${UP}(?:awaitingPong )?closing closed`

/** The whole path: `parts` joined, anchored at both ends. */
export function path(...parts: string[]): RegExp {
  return new RegExp(`^${parts.join('')}$`)
}

/** Lost without a heartbeat (the close event came): up, then straight to waiting. */
export const DROPPED = `${UP}(?:awaitingPong )?waitingToReconnect `
/** Detected by the heartbeat: a ping never answered, the socket closed by the controller. */
export const DETECTED = `${UP}awaitingPong closing waitingToReconnect `
