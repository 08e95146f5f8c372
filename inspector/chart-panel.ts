/**
 * The chart panel: draws the machine (every transition, or the main path),
 * highlights the state of the moment shown (live or time-travelled), flashes the
 * edges just taken, and keeps the active state scrolled into view.
 */
import type { AnyStateMachine } from 'xstate'
import { type DrawnChart, drawChart } from './chart.js'
import type { ChartView } from './chart-graph.js'
import { $ } from './dom.js'
import { drawExtraCharts, type ExtraChart } from './extra-charts.js'
import { page } from './page-state.js'

let chart: DrawnChart | null = null
let focused: { nodes: string[]; edges: string[] } = { nodes: [], edges: [] }

export function drawnChart(): DrawnChart | null {
  return chart
}

async function draw(machine: AnyStateMachine, view: ChartView): Promise<void> {
  const host = $('chart')
  host.setAttribute('aria-busy', 'true')
  try {
    chart = await drawChart(machine, host, view)
  } catch (error) {
    host.textContent = `The chart could not be laid out: ${(error as Error).message}`
  }
  host.setAttribute('aria-busy', 'false')
  chart?.focus(focused.nodes, focused.edges)
  drawOverview()
  show([])
}

const SVG = 'http://www.w3.org/2000/svg'

/**
 * When the chart is wider than its panel (it is drawn at full size so its text
 * stays legible), a small overview shows all of it, live (an SVG <use> of the
 * drawing), with the part in view outlined; a click there scrolls to that part.
 */
function drawOverview(): void {
  const host = $('chart')
  const box = $('chart-overview')
  box.textContent = ''
  if (!chart) return
  const { width, height } = chart
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.setAttribute('aria-hidden', 'true')
  const use = document.createElementNS(SVG, 'use')
  use.setAttribute('href', '#chart-content')
  const frame = document.createElementNS(SVG, 'rect')
  frame.setAttribute('class', 'in-view')
  svg.append(use, frame)
  box.append(svg)
  const update = () => {
    // Scrolling down a chart that fits the width is plain page reading; the
    // overview is for a chart wider than its panel (a narrow window).
    const overflow = host.scrollWidth > host.clientWidth + 1
    box.hidden = !overflow
    const inner = host.querySelector('svg')
    if (!overflow || !inner) return
    const offsetX =
      inner.getBoundingClientRect().left - host.getBoundingClientRect().left + host.scrollLeft
    const offsetY =
      inner.getBoundingClientRect().top - host.getBoundingClientRect().top + host.scrollTop
    frame.setAttribute('x', String(host.scrollLeft - offsetX))
    frame.setAttribute('y', String(host.scrollTop - offsetY))
    frame.setAttribute('width', String(host.clientWidth))
    frame.setAttribute('height', String(host.clientHeight))
  }
  host.onscroll = update
  window.onresize = update
  svg.addEventListener('click', (event) => {
    const r = svg.getBoundingClientRect()
    const x = ((event.clientX - r.left) / r.width) * width
    const y = ((event.clientY - r.top) / r.height) * height
    host.scrollTo({
      left: x - host.clientWidth / 2,
      top: y - host.clientHeight / 2,
      behavior: 'smooth',
    })
  })
  update()
}

/** Keeps the active leaf visible in a chart wider or taller than its panel. */
function scrollToActive(): void {
  const host = $('chart')
  const leaf = host.querySelector('.state.leaf.active > rect')
  if (!leaf) return
  const box = leaf.getBoundingClientRect()
  const view = host.getBoundingClientRect()
  const inView =
    box.left >= view.left &&
    box.right <= view.right &&
    box.top >= view.top &&
    box.bottom <= view.bottom
  if (inView) return
  host.scrollBy({
    left: box.left + box.width / 2 - (view.left + view.width / 2),
    top: box.top + box.height / 2 - (view.top + view.height / 2),
    behavior: 'smooth',
  })
}

/** Draws the state of the moment shown; `edges` were just taken (live only). */
export function show(edges: readonly string[]): void {
  const session = page.session()
  if (!session) return
  const frame = page.travel
  const state = frame ? frame.state : session.state
  const badge = $('state-badge')
  badge.textContent = frame ? `${state} (then)` : state
  badge.dataset.state = state
  if (!chart) return
  chart.highlight(new Set(frame ? frame.active : session.active))
  if (frame) chart.flash(frame.edges)
  else if (edges.length > 0) chart.flash(edges)
  const leaf = document.querySelector('#chart .state.leaf.active')
  const name = leaf?.getAttribute('data-node-id')?.split('.').pop()
  if (!frame && name && page.shown[page.shown.length - 1] !== name) page.shown.push(name)
  scrollToActive()
}

/** Marks the states and edges a lesson is about (nothing: back to normal). */
export function focusChart(nodes: string[], edges: string[]): void {
  focused = { nodes, edges }
  chart?.focus(nodes, edges)
}

/**
 * Draws the connection's chart, and beside it `extras`: the charts of the
 * layers the page switched on (each lit live by its own actor).
 */
export async function initChartPanel(
  machine: AnyStateMachine,
  extras: readonly ExtraChart[] = [],
): Promise<void> {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="chart-view"]')) {
    input.addEventListener('change', () => {
      if (input.checked) void draw(machine, input.value === 'main' ? 'main' : 'all')
    })
  }
  page.on('change', (edges) => show(edges as string[]))
  page.on('select', () => show([]))
  page.on('travel', () => show([]))
  await draw(machine, 'all')
  await drawExtraCharts(extras)
}
