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
  DirectionCounts,
  HandedSession,
  LayerFactory,
  ResetEventDetail,
  ResumedEventDetail,
} from '../layer.js'
export { PROTOCOL_VERSION } from './frames.js'
export type { ResumeOptions, ResumeSession, ResumeTrace } from './options.js'

export { sessionOf } from './registry.js'

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
    return layer
  }
}
