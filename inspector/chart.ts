/**
 * The chart, drawn from the machine definition: `toDirectedGraph` gives the
 * nodes and edges, elkjs lays them out, and this file only turns the layout into
 * SVG. Nothing here names a state: a state or transition added under `machines/`
 * appears on the page as it is.
 */
import ElkModule from 'elkjs/lib/elk.bundled.js'
import type { AnyStateMachine } from 'xstate'
import { type DirectedGraphEdge, type DirectedGraphNode, toDirectedGraph } from 'xstate/graph'

// A CommonJS bundle: its constructor is the default export or the module itself.
const ELK = ((ElkModule as unknown as { default?: unknown }).default ??
  ElkModule) as unknown as new () => {
  layout(graph: unknown): Promise<unknown>
}

const SVG = 'http://www.w3.org/2000/svg'
const LEAF_HEIGHT = 34

interface ElkShape {
  id: string
  x?: number
  y?: number
  width?: number
  height?: number
  labels?: { text: string; width: number; height: number; x?: number; y?: number }[]
  children?: ElkShape[]
  edges?: ElkEdge[]
  layoutOptions?: Record<string, string>
}
interface ElkEdge {
  id: string
  sources: string[]
  targets: string[]
  labels?: { text: string; width: number; height: number; x?: number; y?: number }[]
  sections?: {
    startPoint: { x: number; y: number }
    endPoint: { x: number; y: number }
    bendPoints?: { x: number; y: number }[]
  }[]
}

/** The short label an edge carries: the event, with `after` for delayed transitions. */
export function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType)
  return after ? `after ${after[1]}` : eventType
}

function guardText(guard: unknown): string {
  if (guard === undefined || guard === null) return ''
  if (typeof guard === 'string') return guard
  if (typeof guard === 'function') {
    const g = guard as { name?: string; guards?: unknown[] }
    const parts = (g.guards ?? []).map(guardText)
    if (g.name === 'not') return `¬${parts.join('')}`
    if (g.name === 'and') return parts.join(' ∧ ')
    if (g.name === 'or') return parts.join(' ∨ ')
    return g.name ?? 'guard'
  }
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type)
  return 'guard'
}

/** Spacing for every level (ELK reads it per compound node, it is not inherited). */
const SPACING = {
  'elk.layered.spacing.nodeNodeBetweenLayers': '60',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
}

export interface ChartGraph {
  nodes: { id: string; key: string; parent: string | null; leaf: boolean }[]
  edges: { id: string; source: string; target: string; label: string; guard: string }[]
}

/** Nodes and edges of the machine, flattened (what the page draws, and what a test compares). */
export function chartGraph(machine: AnyStateMachine): ChartGraph {
  const graph = toDirectedGraph(machine)
  const out: ChartGraph = { nodes: [], edges: [] }
  const walk = (node: DirectedGraphNode, parent: string | null) => {
    out.nodes.push({
      id: node.id,
      key: node.stateNode.key,
      parent,
      leaf: node.children.length === 0,
    })
    for (const edge of node.edges as DirectedGraphEdge[]) {
      out.edges.push({
        id: edge.id,
        source: edge.source.id,
        target: edge.target.id,
        label: eventLabel(edge.transition.eventType),
        guard: guardText(edge.transition.guard),
      })
    }
    for (const child of node.children) walk(child, node.id)
  }
  walk(graph, null)
  return out
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

/** Where an arrow's label goes: the middle of its longest straight segment. */
function labelPoint(edge: ElkEdge): { x: number; y: number } {
  let best = { x: 0, y: 0 }
  let longest = -1
  for (const s of edge.sections ?? []) {
    const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1] as { x: number; y: number }
      const b = points[i] as { x: number; y: number }
      const length = Math.hypot(b.x - a.x, b.y - a.y)
      if (length > longest) {
        longest = length
        best = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
      }
    }
  }
  return best
}

export interface DrawnChart {
  graph: ChartGraph
  /** Highlights the active state nodes (the leaf and its ancestors). */
  highlight(active: ReadonlySet<string>): void
  /** Animates the edges just taken. */
  flash(edgeIds: readonly string[]): void
}

/** Lays out and draws `machine` into `host` (an empty element). */
export async function drawChart(machine: AnyStateMachine, host: HTMLElement): Promise<DrawnChart> {
  const graph = chartGraph(machine)
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const rootId = graph.nodes[0]?.id ?? ''

  // One arrow per (source, target) pair: guarded alternatives and different
  // events between the same two states share it, with one label line per event.
  // The arrow carries the id of every machine edge it stands for.
  const arrows = new Map<
    string,
    { ids: string[]; source: string; target: string; lines: string[] }
  >()
  for (const e of graph.edges) {
    const key = `${e.source}|${e.target}`
    const arrow = arrows.get(key) ?? { ids: [], source: e.source, target: e.target, lines: [] }
    arrow.ids.push(e.id)
    if (!arrow.lines.includes(e.label)) arrow.lines.push(e.label)
    arrows.set(key, arrow)
  }
  const arrowOf = new Map<string, string>()
  const elkEdges: ElkEdge[] = [...arrows.values()].map((a, i) => {
    const id = `arrow-${i}`
    for (const edgeId of a.ids) arrowOf.set(edgeId, id)
    return {
      id,
      sources: [a.source],
      targets: [a.target],
      // Labels stay out of the layout (they would double its width); each is
      // drawn on its arrow's longest segment instead.
      labels: [],
    }
  })
  const arrowById = new Map([...arrows.values()].map((a, i) => [`arrow-${i}`, a]))

  const toElk = (id: string): ElkShape => {
    const node = byId.get(id)
    const children = graph.nodes.filter((n) => n.parent === id).map((n) => toElk(n.id))
    const label = node?.key ?? id
    if (children.length === 0) {
      return { id, width: Math.max(90, label.length * 7.4 + 24), height: LEAF_HEIGHT }
    }
    return {
      id,
      children,
      labels: [{ text: label, width: label.length * 7 + 8, height: 16 }],
      layoutOptions: {
        ...SPACING,
        // Innermost compounds get room for the labels between their leaves.
        ...(children.every((c) => c.children === undefined)
          ? { 'elk.layered.spacing.nodeNodeBetweenLayers': '115' }
          : {}),
        'elk.padding': '[top=30,left=14,bottom=14,right=14]',
        'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
      },
    }
  }
  const root: ElkShape = {
    ...toElk(rootId),
    edges: elkEdges,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      ...SPACING,
      'elk.padding': '[top=30,left=14,bottom=14,right=14]',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
    },
  }
  const elk = new ELK()
  const laid = (await elk.layout(root as never)) as unknown as ElkShape

  host.textContent = ''
  const width = Math.ceil(laid.width ?? 600)
  const height = Math.ceil(laid.height ?? 400)
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'The connection statechart, drawn from the machine definition',
    preserveAspectRatio: 'xMidYMid meet',
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

  const nodeLayer = el('g', { class: 'nodes' }, svg)
  const edgeLayer = el('g', { class: 'edges' }, svg)
  const nodeEls = new Map<string, SVGGElement>()
  const edgeEls = new Map<string, SVGGElement>()

  const drawNode = (shape: ElkShape, depth: number) => {
    const info = byId.get(shape.id)
    const g = el('g', { class: `state depth-${depth}`, 'data-node-id': shape.id }, nodeLayer)
    if (info?.leaf) g.classList.add('leaf')
    const x = shape.x ?? 0
    const y = shape.y ?? 0
    el(
      'rect',
      { x, y, width: shape.width ?? 0, height: shape.height ?? 0, rx: info?.leaf ? 10 : 8 },
      g,
    )
    const text = el(
      'text',
      info?.leaf
        ? {
            x: x + (shape.width ?? 0) / 2,
            y: y + (shape.height ?? 0) / 2 + 4.5,
            'text-anchor': 'middle',
          }
        : { x: x + 10, y: y + 19 },
      g,
    )
    text.textContent = info?.key ?? shape.id
    el('title', {}, g).textContent = shape.id
    nodeEls.set(shape.id, g)
    for (const child of shape.children ?? []) drawNode(child, depth + 1)
  }
  drawNode(laid, 0)

  const edgeInfo = new Map(graph.edges.map((e) => [e.id, e]))
  const collectEdges = (shape: ElkShape): ElkEdge[] => [
    ...(shape.edges ?? []),
    ...(shape.children ?? []).flatMap(collectEdges),
  ]
  for (const edge of collectEdges(laid)) {
    const arrow = arrowById.get(edge.id)
    const ids = arrow?.ids ?? []
    const g = el('g', { class: 'edge', 'data-edge-ids': ids.join(' ') }, edgeLayer)
    let d = ''
    for (const s of edge.sections ?? []) {
      const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]
      d += points
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
        .join(' ')
    }
    el('path', { d, 'marker-end': 'url(#arrow)' }, g)
    const lines = arrow?.lines ?? []
    const at = labelPoint(edge)
    lines.forEach((line, i) => {
      const t = el(
        'text',
        { x: at.x, y: at.y + (i - (lines.length - 1) / 2) * 11 + 3.5, 'text-anchor': 'middle' },
        g,
      )
      t.textContent = line
    })
    el('title', {}, g).textContent = ids
      .map((id) => {
        const info = edgeInfo.get(id)
        return info ? `${info.label}${info.guard ? ` [${info.guard}]` : ''} → ${info.target}` : id
      })
      .join('\n')
    edgeEls.set(edge.id, g)
  }

  return {
    graph,
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
        edgeLayer.appendChild(g)
        // Web Animations restart cleanly when the same edge is taken twice in a
        // row, without forcing a layout.
        g.querySelector('path')?.animate([{ strokeDashoffset: 0 }, { strokeDashoffset: -39 }], {
          duration: 600,
          iterations: 2,
        })
      }
    },
  }
}
