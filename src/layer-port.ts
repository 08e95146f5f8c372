/**
 * A delivery layer's side of one connection (the `resume` option): the host it is
 * given (write past the queue, fire events, use the clock, end a socket through
 * the chart) and the application's `send(data, outcome)` while it is on, whose
 * outcome the layer's own answer decides. Made only when a layer is.
 */
import type { DropReason, SendOutcomeListener } from './events.js'
// [resume hook] types only: the layer's code lives in heartline/resume.
import type { ConnectionLayer, LayerHost } from './layer.js'
import type { SendData } from './options.js'
import type { ChartPorts } from './ports.js'
import { reportLater } from './report.js'

export class LayerPort {
  /** Set while send() runs: the reason of the layer's `drop` for that message. */
  #drop: { reason: unknown } | null = null

  constructor(private readonly ports: ChartPorts) {}

  /**
   * The application's `send(data, outcome)` with a layer on: taken by the layer
   * is `written` (the layer answers for it from then on); refused, `dropped` with
   * the reason of the `drop` event the layer fired for it.
   */
  send(data: SendData, outcome: SendOutcomeListener): boolean {
    const seen: { reason: unknown } = { reason: 'closed' }
    this.#drop = seen
    let taken: boolean
    try {
      taken = (this.ports.layer as ConnectionLayer).send(data)
    } finally {
      this.#drop = null
    }
    try {
      outcome(
        taken ? { status: 'written' } : { status: 'dropped', reason: seen.reason as DropReason },
      )
    } catch (error) {
      reportLater(error)
    }
    return taken
  }

  /** What a layer may do: write past the queue, fire events, use the clock, end a socket. */
  host(connection: {
    readonly state: string
    readonly actor: { send(event: { type: 'layer.close'; code: number; reason: string }): void }
  }): LayerHost {
    const ports = this.ports
    return {
      connection,
      write: (data) => ports.slot.write(data),
      end: (code, reason) => connection.actor.send({ type: 'layer.close', code, reason }),
      dispatch: (type, detail) => {
        // The layer's refusal of the message inside send() names its reason.
        if (type === 'drop' && this.#drop !== null) this.#drop.reason = detail.reason
        ports.dispatch(type, detail)
      },
      ...ports.timers(),
      state: () => connection.state,
    }
  }
}
