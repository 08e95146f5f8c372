/**
 * Which connection has which resume layer: `sessionOf` reads a connection's
 * session through it. Kept apart from the layer's code, so heartline/shared can
 * read the leader's session without shipping the resume client.
 */
import type { ResumeSession } from './options.js'

/** The part of a resume layer the registry hands out. */
export interface SessionSource {
  readonly session: ResumeSession
}

export const layers = new WeakMap<object, SessionSource>()

/** The session state of a connection created with `resume`, or undefined without it. */
export function sessionOf(connection: object): ResumeSession | undefined {
  return layers.get(connection)?.session
}
