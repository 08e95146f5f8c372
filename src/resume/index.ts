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
import { type ResumeOptions, resolveResumeOptions } from './options.js'
import { layers } from './registry.js'

export type {
  AckEventDetail,
  DirectionCounts,
  HandedSession,
  LayerFactory,
  ResetEventDetail,
  ResumedEventDetail,
} from '../layer.js'
export { PROTOCOL_VERSION } from '../protocol/resume.js'
export type { ResumeOptions, ResumeSession, ResumeTrace } from './options.js'

export { sessionOf, whenAcknowledged } from './registry.js'

/** Each connection's layer, for its chart (the registry hands out only the session). */
const charts = new WeakMap<object, ResumeLayer>()

/**
 * The `resume` option of `createConnection`: numbered messages, cumulative
 * acknowledgements and replay after every reconnect. Options are validated here,
 * so a mistake throws at the call, naming the option.
 */
export function resume(options: ResumeOptions = {}): LayerFactory {
  const resolved = resolveResumeOptions(options)
  return (host, start) => {
    const layer = new ResumeLayer(host, resolved, start)
    layers.set(host.connection, layer)
    charts.set(host.connection, layer)
    return layer
  }
}

/**
 * @internal The running chart of a connection's resume session
 * (machines/resume-session.ts), for the inspector to draw live; undefined without resume.
 */
export function sessionChartOf(connection: object): ResumeLayer['chart'] | undefined {
  return charts.get(connection)?.chart
}
