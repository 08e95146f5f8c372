/** What the shared layer needs from the environment, and the checks on what it is given. */
import type { SendData } from '../index.js'
import type { LockManagerLike } from './membership.js'

/**
 * `navigator.locks` when both it and `BroadcastChannel` exist, else null. Both
 * exist only in a secure context (https, or http on localhost / 127.0.0.1).
 */
export function sharingSupport(): LockManagerLike | null {
  const g = globalThis as { navigator?: { locks?: LockManagerLike }; BroadcastChannel?: unknown }
  const locks = g.navigator?.locks
  if (locks === undefined || locks === null || typeof g.BroadcastChannel !== 'function') return null
  return locks
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

/** The same rule as `Connection.send`, checked in the sending tab, before the message leaves it. */
export function checkSendData(data: unknown): asserts data is SendData {
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return
  if (typeof Blob !== 'undefined' && data instanceof Blob) return
  const hint =
    typeof data === 'object' && data !== null
      ? ' (serialise it first, for example with JSON.stringify)'
      : typeof data === 'number' || typeof data === 'boolean' || typeof data === 'bigint'
        ? ' (pass String(value))'
        : ''
  throw new TypeError(
    `heartline/shared: send() takes a string, ArrayBuffer, ArrayBufferView or Blob; got ${describe(data)}${hint}.`,
  )
}
