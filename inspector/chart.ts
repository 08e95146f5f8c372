/**
 * The chart, drawn as SVG at one CSS pixel per layout unit, so its text is as
 * tall on screen as the stylesheet says (the layout is `chart-layout.ts`).
 */
import type { AnyStateMachine } from 'xstate'
import {
  type Arrow,
  arrowsOf,
  type ChartGraph,
  type ChartView,
  chartGraph,
  edgeTitle,
} from './chart-graph.js'
import {
  type ElkEdge,
  type ElkShape,
  el,
  HEADER_GAP,
  LINE,
  layoutChart,
  ROW,
} from './chart-layout.js'

export interface DrawnChart {
  graph: ChartGraph
  view: ChartView
  /** The drawing's size in CSS px. */
  width: number
  height: number
  /** Highlights the active state nodes (the leaf and its ancestors). */
  highlight(active: ReadonlySet<string>): void
  /** Animates the edges just taken. */
  flash(edgeIds: readonly string[]): void
  /** Marks states and edges a lesson is about (empty: none). */
  focus(nodeIds: readonly string[], edgeIds: readonly string[]): void
}

/**
 * Lays out and draws `machine` into `host` (emptied first). `label` names the
 * chart for a screen reader (the connection's by default).
 */
export async function drawChart(
  machine: AnyStateMachine,
  host: HTMLElement,
  view: ChartView = 'all',
  label = 'The connection statechart',
): Promise<DrawnChart> {
  const graph = chartGraph(machine)
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const arrows = arrowsOf(graph, view)
  const internalOf = new Map<string, Arrow>()
  for (const a of arrows) if (a.internal) internalOf.set(a.source, a)
  const arrowById = new Map(arrows.map((a) => [a.id, a]))
  const arrowOf = new Map<string, string>()
  for (const a of arrows) for (const id of a.edgeIds) arrowOf.set(id, a.id)

  const laid = await layoutChart(graph, arrows, host)

  host.textContent = ''
  const width = Math.ceil(laid.width ?? 600)
  const height = Math.ceil(laid.height ?? 400)
  const svg = el('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `${label} (${view === 'main' ? 'main path' : 'every transition'}), drawn from the machine definition`,
    'data-view': view,
  })
  host.appendChild(svg)
  const defs = el('defs', {}, svg)
  const marker = el(
    'marker',
    {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    defs,
  )
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker)

  // One group holds the drawing, so an overview can show it again with <use>.
  const content = el('g', { id: 'chart-content' }, svg)
  const nodeLayer = el('g', { class: 'nodes' }, content)
  const edgeLayer = el('g', { class: 'edges' }, content)
  const nodeEls = new Map<string, SVGGElement>()
  const edgeEls = new Map<string, SVGGElement>()
  const edgeInfo = new Map(graph.edges.map((e) => [e.id, e]))
  const titleOf = (a: Arrow) =>
    a.edgeIds
      .map((id) => {
        const info = edgeInfo.get(id)
        return info ? edgeTitle(info) : id
      })
      .join('\n')

  const drawNode = (shape: ElkShape, depth: number) => {
    if (shape.id === ROW) {
      for (const child of shape.children ?? []) drawNode(child, depth)
      return
    }
    const info = byId.get(shape.id)
    const leaf = info?.leaf === true
    const g = el('g', { class: `state depth-${depth}`, 'data-node-id': shape.id }, nodeLayer)
    if (leaf) g.classList.add('leaf')
    const x = shape.x ?? 0
    const y = shape.y ?? 0
    const w = shape.width ?? 0
    el('rect', { x, y, width: w, height: shape.height ?? 0, rx: leaf ? 10 : 8 }, g)
    const name = el(
      'text',
      leaf
        ? { x: x + w / 2, y: y + 24, 'text-anchor': 'middle', class: 'state-name' }
        : { x: x + 10, y: y + 20, class: 'compound-name' },
      g,
    )
    name.textContent = info?.key ?? shape.id
    el('title', {}, g).textContent = shape.id
    const inner = internalOf.get(shape.id)
    if (inner) {
      const ig = el('g', { class: 'edge internal', 'data-edge-ids': inner.edgeIds.join(' ') }, g)
      let after = x + 10 + name.getComputedTextLength()
      inner.lines.forEach((line, i) => {
        const t = el(
          'text',
          leaf
            ? {
                x: x + w / 2,
                y: y + 24 + (i + 1) * LINE,
                'text-anchor': 'middle',
                class: 'internal',
              }
            : { x: after + HEADER_GAP, y: y + 20, class: 'internal' },
          ig,
        )
        t.textContent = line
        if (!leaf) after += HEADER_GAP + t.getComputedTextLength()
      })
      el('title', {}, ig).textContent = titleOf(inner)
      edgeEls.set(inner.id, ig)
    }
    nodeEls.set(shape.id, g)
    for (const child of shape.children ?? []) drawNode(child, depth + 1)
  }
  drawNode(laid, 0)

  const collectEdges = (shape: ElkShape): ElkEdge[] => [
    ...(shape.edges ?? []),
    ...(shape.children ?? []).flatMap(collectEdges),
  ]
  for (const edge of collectEdges(laid)) {
    const arrow = arrowById.get(edge.id)
    if (!arrow) continue
    const g = el(
      'g',
      {
        class: 'edge',
        'data-edge-ids': arrow.edgeIds.join(' '),
        'data-source': arrow.source,
        'data-target': arrow.target,
      },
      edgeLayer,
    )
    let d = ''
    for (const s of edge.sections ?? []) {
      const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]
      d += points
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
        .join(' ')
    }
    el('path', { d, 'marker-end': 'url(#arrow)' }, g)
    const label = edge.labels?.[0]
    if (label) {
      const lx = (label.x ?? 0) + label.width / 2
      arrow.lines.forEach((line, i) => {
        const t = el(
          'text',
          {
            x: lx,
            y: (label.y ?? 0) + 13 + i * LINE,
            'text-anchor': 'middle',
            class: 'edge-label',
          },
          g,
        )
        t.textContent = line
      })
    }
    el('title', {}, g).textContent = titleOf(arrow)
    edgeEls.set(edge.id, g)
  }

  return {
    graph,
    view,
    width,
    height,
    highlight(active) {
      for (const [id, g] of nodeEls) {
        g.classList.toggle('active', active.has(id))
        g.setAttribute('aria-current', active.has(id) ? 'true' : 'false')
      }
    },
    flash(edgeIds) {
      for (const g of edgeEls.values()) g.classList.remove('taken')
      for (const id of edgeIds) {
        const g = edgeEls.get(arrowOf.get(id) ?? '')
        if (!g) continue
        g.classList.add('taken')
        if (g.parentNode === edgeLayer) edgeLayer.appendChild(g)
        // Web Animations restart cleanly when the same edge is taken twice in a
        // row, without forcing a layout.
        g.querySelector('path')?.animate([{ strokeDashoffset: 0 }, { strokeDashoffset: -39 }], {
          duration: 600,
          iterations: 2,
        })
      }
    },
    focus(nodeIds, edgeIds) {
      const on = new Set(edgeIds.map((id) => arrowOf.get(id)))
      for (const [id, g] of nodeEls) g.classList.toggle('focus', nodeIds.includes(id))
      for (const [id, g] of edgeEls) g.classList.toggle('focus', on.has(id))
      svg.classList.toggle('focusing', nodeIds.length + edgeIds.length > 0)
    },
  }
}
