/**
 * Charts drawn beside the connection's: the state machines of the layers the
 * page has switched on (the resume session's phases, a tab's role), each
 * drawn from its machine definition and lit live from its running actor.
 * A layer hands over an `ExtraChart`; the panel takes a list of them.
 */
import type { AnyStateMachine } from 'xstate'
import { type DrawnChart, drawChart } from './chart.js'
import { $ } from './dom.js'
import { activeIds } from './session.js'

export interface ExtraChart {
  /** The caption, and the chart's name for a screen reader. */
  title: string
  machine: AnyStateMachine
  /**
   * Calls `show` with the chart's state value now and at every change of the
   * live actor (which may be replaced, as the page's connection is); returns
   * a function that stops.
   */
  watch(show: (value: unknown) => void): () => void
}

/** Draws `extras` beside the connection's chart (nothing, and the box hidden, for none). */
export async function drawExtraCharts(extras: readonly ExtraChart[]): Promise<void> {
  const box = $('extra-charts')
  box.textContent = ''
  box.hidden = extras.length === 0
  for (const extra of extras) {
    const figure = document.createElement('figure')
    figure.className = 'extra-chart'
    figure.dataset.chart = extra.machine.id
    const caption = document.createElement('figcaption')
    caption.textContent = extra.title
    const host = document.createElement('div')
    figure.append(caption, host)
    box.append(figure)
    let drawn: DrawnChart | null = null
    let last: unknown
    const show = (value: unknown) => {
      last = value
      drawn?.highlight(new Set(activeIds(extra.machine.id, value)))
    }
    extra.watch(show)
    try {
      drawn = await drawChart(
        extra.machine,
        host,
        'all',
        `The ${extra.title.toLowerCase()} statechart`,
      )
    } catch (error) {
      host.textContent = `The chart could not be laid out: ${(error as Error).message}`
    }
    if (last !== undefined) show(last)
  }
}
