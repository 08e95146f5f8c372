/**
 * Resumable sessions for a heartline connection: nothing lost across
 * reconnects, in either direction. Pass `resume(options)` as the `resume`
 * option of `createConnection`; the server side is `acceptSessions` from
 * `heartline/server`. Wire format: docs/resume-protocol.md.
 *
 * @module heartline/resume
 */
import type { LayerFactory } from '../layer.js'
import { ResumeLayer } from './client.js'
import { type ResumeOptions, type ResumeSession, resolveResumeOptions } from './options.js'

export type {
  DirectionCounts,
  LayerFactory,
  ResetEventDetail,
  ResumedEventDetail,
} from '../layer.js'
export { PROTOCOL_VERSION } from '../protocol/resume.js'
export type { ResumeOptions, ResumeSession, ResumeTrace } from './options.js'

const layers = new WeakMap<object, ResumeLayer>()

/**
 * The `resume` option of `createConnection`: numbered messages, cumulative
 * acknowledgements and replay after every reconnect. Options are validated here,
 * so a mistake throws at the call, naming the option.
 */
export function resume(options: ResumeOptions = {}): LayerFactory {
  const resolved = resolveResumeOptions(options)
  return (host) => {
    const layer = new ResumeLayer(host, resolved)
    layers.set(host.connection, layer)
    return layer
  }
}

/** The session state of a connection created with `resume`, or undefined without it. */
export function sessionOf(connection: object): ResumeSession | undefined {
  return layers.get(connection)?.session
}

/**
 * @internal The running chart of a connection's resume session
 * (machines/resume-session.ts), for the inspector to draw live; undefined without resume.
 */
export function sessionChartOf(connection: object): ResumeLayer['chart'] | undefined {
  return layers.get(connection)?.chart
}
