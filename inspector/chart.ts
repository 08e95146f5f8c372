/**
 * The chart, laid out by elkjs and drawn as SVG at one CSS pixel per layout unit,
 * so its text is as tall on screen as the stylesheet says. ELK is given the size
 * of every label (measured in the page with the chart's own fonts) and places
 * them itself, so no label lands on another or on a state.
 */
import ElkModule from 'elkjs/lib/elk.bundled.js'
import type { AnyStateMachine } from 'xstate'
import {
  type Arrow,
  arrowsOf,
  type ChartGraph,
  type ChartView,
  chartGraph,
  edgeTitle,
} from './chart-graph.js'

// A CommonJS bundle: its constructor is the default export or the module itself.
const ELK = ((ElkModule as unknown as { default?: unknown }).default ??
  ElkModule) as unknown as new () => {
  layout(graph: unknown): Promise<unknown>
}

const SVG = 'http://www.w3.org/2000/svg'
/** Baseline-to-baseline distance of the small text (edge labels, internal transitions). */
const LINE = 16
const PAD = 10
/** Space between a compound's name and each of its own transitions on its header line. */
const HEADER_GAP = 18

interface ElkLabel {
  text: string
  width: number
  height: number
  x?: number
  y?: number
}
interface ElkShape {
  id: string
  x?: number
  y?: number
  width?: number
  height?: number
  labels?: ElkLabel[]
  children?: ElkShape[]
  edges?: ElkEdge[]
  layoutOptions?: Record<string, string>
}
interface ElkEdge {
  id: string
  sources: string[]
  targets: string[]
  labels?: ElkLabel[]
  sections?: {
    startPoint: { x: number; y: number }
    endPoint: { x: number; y: number }
    bendPoints?: { x: number; y: number }[]
  }[]
}

/** Spacing for every level (ELK reads it per compound node, it is not inherited). */
const SPACING = {
  'elk.layered.spacing.nodeNodeBetweenLayers': '16',
  'elk.spacing.nodeNode': '16',
  'elk.spacing.edgeEdge': '8',
  'elk.spacing.edgeNode': '10',
  'elk.spacing.edgeLabel': '2',
  'elk.spacing.labelLabel': '6',
  'elk.layered.spacing.edgeNodeBetweenLayers': '8',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.edgeLabels.placement': 'CENTER',
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  parent?.appendChild(node)
  return node
}

/** Text widths in the chart's own fonts: a hidden SVG in `host` with the same classes. */
function textMeter(host: HTMLElement) {
  const svg = el('svg', { class: 'chart-svg', width: 0, height: 0, 'aria-hidden': 'true' })
  svg.style.position = 'absolute'
  svg.style.visibility = 'hidden'
  host.appendChild(svg)
  const cache = new Map<string, number>()
  return {
    width(text: string, cls: string): number {
      const key = `${cls}|${text}`
      let w = cache.get(key)
      if (w === undefined) {
        const t = el('text', { class: cls }, svg)
        t.textContent = text
        w = Math.ceil(t.getComputedTextLength())
        cache.set(key, w)
      }
      return w
    },
    dispose() {
      svg.remove()
    },
  }
}

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

/** Lays out and draws `machine` into `host` (emptied first). */
export async function drawChart(
  machine: AnyStateMachine,
  host: HTMLElement,
  view: ChartView = 'all',
): Promise<DrawnChart> {
  const graph = chartGraph(machine)
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const rootId = graph.nodes[0]?.id ?? ''
  const arrows = arrowsOf(graph, view)
  const internalOf = new Map<string, Arrow>()
  for (const a of arrows) if (a.internal) internalOf.set(a.source, a)
  const outer = arrows.filter((a) => !a.internal)
  const arrowById = new Map(arrows.map((a) => [a.id, a]))
  const arrowOf = new Map<string, string>()
  for (const a of arrows) for (const id of a.edgeIds) arrowOf.set(id, a.id)

  const meter = textMeter(host)
  const widest = (lines: string[], cls: string) =>
    Math.max(0, ...lines.map((line) => meter.width(line, cls)))

  const elkEdges: ElkEdge[] = outer.map((a) => ({
    id: a.id,
    sources: [a.source],
    targets: [a.target],
    labels: [
      {
        text: a.lines.join('\n'),
        width: widest(a.lines, 'edge-label') + 6,
        height: a.lines.length * LINE + 2,
      },
    ],
  }))

  const toElk = (id: string): ElkShape => {
    const node = byId.get(id)
    const name = node?.key ?? id
    const inner = internalOf.get(id)?.lines ?? []
    const children = graph.nodes.filter((n) => n.parent === id).map((n) => toElk(n.id))
    if (children.length === 0) {
      const width = Math.max(meter.width(name, 'state-name'), widest(inner, 'internal')) + 2 * PAD
      return { id, width: Math.max(110, width), height: 38 + inner.length * LINE }
    }
    // A compound's own transitions follow its name on the header line.
    const header = 26
    const headerWidth =
      meter.width(name, 'compound-name') +
      inner.reduce((sum, line) => sum + meter.width(line, 'internal') + HEADER_GAP, 0)
    // The header is drawn in the top padding; given to ELK as a node label it
    // would also reserve a column of its width beside the children.
    return {
      id,
      children,
      layoutOptions: {
        ...SPACING,
        'elk.padding': `[top=${header + 8},left=14,bottom=14,right=14]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.ceil(headerWidth + 24)}, ${header + 30})`,
      },
    }
  }
  const root: ElkShape = {
    ...toElk(rootId),
    edges: elkEdges,
  }
  root.layoutOptions = {
    ...root.layoutOptions,
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    'elk.json.shapeCoords': 'ROOT',
    'elk.json.edgeCoords': 'ROOT',
  }
  const laid = (await new ELK().layout(root as never)) as unknown as ElkShape
  meter.dispose()

  host.textContent = ''
  const width = Math.ceil(laid.width ?? 600)
  const height = Math.ceil(laid.height ?? 400)
  const svg = el('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `The connection statechart (${view === 'main' ? 'main path' : 'every transition'}), drawn from the machine definition`,
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
