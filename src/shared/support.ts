/** What the shared layer needs from the environment. */
import type { LockManagerLike } from './membership.js'

/**
 * `navigator.locks` when both it and `BroadcastChannel` exist, else null. Web
 * Locks exist only in a secure context (https, or http on localhost / 127.0.0.1);
 * Node has a `BroadcastChannel` but no `navigator.locks`.
 */
export function sharingSupport(): LockManagerLike | null {
  const g = globalThis as { navigator?: { locks?: LockManagerLike }; BroadcastChannel?: unknown }
  const locks = g.navigator?.locks
  if (locks === undefined || locks === null || typeof g.BroadcastChannel !== 'function') return null
  return locks
}
