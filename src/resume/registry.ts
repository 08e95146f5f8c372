/**
 * Which connection has which resume layer: `sessionOf` reads a connection's
 * session through it, and `whenAcknowledged` waits on its acknowledgements.
 * Kept apart from the layer's code, so heartline/shared and heartline/streams
 * can read the session without shipping the resume client.
 */
import { domException } from '../describe.js'
import type { ResumeSession } from './options.js'

/** The part of a resume layer the registry hands out. */
export interface SessionSource {
  readonly session: ResumeSession
  /** Resolves once at most `bytes` are kept unacknowledged. */
  whenKept(bytes: number): Promise<void>
}

export const layers = new WeakMap<object, SessionSource>()

/** The session state of a connection created with `resume`, or undefined without it. */
export function sessionOf(connection: object): ResumeSession | undefined {
  return layers.get(connection)?.session
}

/**
 * Resolves once the session keeps at most `bytes` of unacknowledged messages
 * (`bufferedBytes <= bytes`, counted as `maxBytes` counts them; default 0:
 * everything acknowledged), at once when it does. Woken by the server's
 * acknowledgements (the `ack` event), never by a timer. Rejects with an
 * `InvalidStateError` when the connection closes first (what was kept is
 * dropped then). A reset frees the room too (what it lost is in its `reset`
 * event). To wait for room for a message of `size`:
 * `whenAcknowledged(conn, sessionOf(conn).maxBytes - size)`.
 */
export function whenAcknowledged(connection: object, bytes = 0): Promise<void> {
  const layer = layers.get(connection)
  if (layer === undefined) {
    throw new TypeError(
      'heartline/resume: whenAcknowledged() needs a connection created with the `resume` option; got one without it.',
    )
  }
  if (typeof bytes !== 'number' || !(bytes >= 0)) {
    throw new RangeError(
      `heartline/resume: whenAcknowledged()'s \`bytes\` must be a number ≥ 0; got ${String(bytes)}.`,
    )
  }
  if ((connection as { state?: string }).state === 'closed') {
    return Promise.reject(ackLost())
  }
  return layer.whenKept(bytes)
}

/** Why `whenAcknowledged()` rejects: the connection closed with messages unacknowledged. */
export function ackLost(): Error {
  return domException(
    'heartline/resume: the connection closed before the server acknowledged what was awaited; ' +
      'its unacknowledged messages were dropped (each reported by a `drop` event).',
    'InvalidStateError',
  )
}
