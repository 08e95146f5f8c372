/**
 * The chart's layout: an ELK graph of the machine's states and arrows, every
 * label measured in the page with the chart's own fonts, so ELK places the
 * labels itself and none lands on another or on a state.
 */
import ElkModule from 'elkjs/lib/elk.bundled.js'
import type { Arrow, ChartGraph } from './chart-graph.js'

// A CommonJS bundle: its constructor is the default export or the module itself.
const ELK = ((ElkModule as unknown as { default?: unknown }).default ??
  ElkModule) as unknown as new () => {
  layout(graph: unknown): Promise<unknown>
}

const SVG = 'http://www.w3.org/2000/svg'
/** Baseline-to-baseline distance of the small text (edge labels, internal transitions). */
export const LINE = 16
const PAD = 10
/** Space between a compound's name and each of its own transitions on its header line. */
export const HEADER_GAP = 18
/** The id of the undrawn group that lays out the top-level leaves in a row. */
export const ROW = '~row'

export interface ElkLabel {
  text: string
  width: number
  height: number
  x?: number
  y?: number
}
export interface ElkShape {
  id: string
  x?: number
  y?: number
  width?: number
  height?: number
  labels?: ElkLabel[]
  children?: ElkShape[]
  edges?: ElkEdge[]
  ports?: { id: string; width: number; height: number; layoutOptions?: Record<string, string> }[]
  layoutOptions?: Record<string, string>
}
export interface ElkEdge {
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

export function el<K extends keyof SVGElementTagNameMap>(
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

/** Lays out `graph` with its `arrows` (internal ones drawn inside their state); `host` lends its fonts. */
export async function layoutChart(
  graph: ChartGraph,
  arrows: Arrow[],
  host: HTMLElement,
): Promise<ElkShape> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const rootId = graph.nodes[0]?.id ?? ''
  const internalOf = new Map<string, Arrow>()
  for (const a of arrows) if (a.internal) internalOf.set(a.source, a)
  const outer = arrows.filter((a) => !a.internal)
  const meter = textMeter(host)
  const widest = (lines: string[], cls: string) =>
    Math.max(0, ...lines.map((line) => meter.width(line, cls)))

  const labelOf = (a: Arrow): ElkLabel => ({
    text: a.lines.join('\n'),
    width: widest(a.lines, 'edge-label') + 6,
    height: a.lines.length * LINE + 2,
  })

  // The top level is laid out downwards and each top-level compound rightwards,
  // so the states a socket end goes through sit under `live`, not beside it,
  // and the chart fits a laptop's width. ELK keeps one direction per hierarchy
  // it lays out as a whole, so each top-level compound is its own layout and an
  // arrow leaving or entering one is cut at a port on its lower border: one part
  // inside, one at the top level (which carries the label), joined again below.
  // The top-level leaves (where a socket's life ends) form one more such group,
  // laid out rightwards in a row under `live` instead of a column: the chart
  // then fits a laptop's height as well as its width. The group is only a
  // layout aid; it is not drawn.
  const topLeaves = graph.nodes.filter((n) => n.parent === rootId && n.leaf).map((n) => n.id)
  const rowOf = topLeaves.length > 1 ? new Set(topLeaves) : new Set<string>()
  const topOf = (id: string): string => {
    if (rowOf.has(id)) return ROW
    let at = id
    for (let n = byId.get(at); n && n.parent !== rootId && n.parent !== null; n = byId.get(at))
      at = n.parent
    return at
  }
  const rootEdges: ElkEdge[] = []
  const innerEdges = new Map<string, ElkEdge[]>()
  const portsOf = new Map<
    string,
    { id: string; width: number; height: number; layoutOptions: Record<string, string> }[]
  >()
  const addInner = (top: string, edge: ElkEdge) => {
    const list = innerEdges.get(top) ?? []
    list.push(edge)
    innerEdges.set(top, list)
  }
  const portOn = (top: string, id: string): string => {
    const list = portsOf.get(top) ?? []
    // A compound's arrows leave by its lower border. The row's come in by its
    // left border (straight to its first state, with no tracks above the row)
    // and leave by its upper one.
    const side = top === ROW ? (id.endsWith(':in') ? 'WEST' : 'NORTH') : 'SOUTH'
    list.push({ id, width: 1, height: 1, layoutOptions: { 'elk.port.side': side } })
    portsOf.set(top, list)
    return id
  }
  const compound = (id: string) => id !== rootId && graph.nodes.some((n) => n.parent === id)
  for (const a of outer) {
    const s = topOf(a.source)
    const t = topOf(a.target)
    if (s === t && s !== a.source) {
      addInner(s, { id: a.id, sources: [a.source], targets: [a.target], labels: [labelOf(a)] })
      continue
    }
    let from = a.source
    let to = a.target
    // An arrow from or to a top-level compound itself ends at a port on its
    // border too, so it meets the row below rather than going round the chart.
    if (s !== a.source) {
      from = portOn(s, `${a.id}:out`)
      addInner(s, { id: `${a.id}:in-s`, sources: [a.source], targets: [from] })
    } else if (s !== t && compound(s)) from = portOn(s, `${a.id}:out`)
    if (t !== a.target) {
      to = portOn(t, `${a.id}:in`)
      addInner(t, { id: `${a.id}:in-t`, sources: [to], targets: [a.target] })
    } else if (s !== t && compound(t)) to = portOn(t, `${a.id}:in`)
    rootEdges.push({ id: a.id, sources: [from], targets: [to], labels: [labelOf(a)] })
  }

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
        'elk.padding': `[top=${header + 4},left=12,bottom=10,right=12]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.ceil(headerWidth + 24)}, ${header + 30})`,
      },
    }
  }
  const root: ElkShape = {
    ...toElk(rootId),
    edges: rootEdges,
  }
  if (rowOf.size > 0) {
    const kept = (root.children ?? []).filter((c) => !rowOf.has(c.id))
    const row = (root.children ?? []).filter((c) => rowOf.has(c.id))
    root.children = [
      ...kept,
      {
        id: ROW,
        children: row,
        layoutOptions: { ...SPACING, 'elk.padding': '[top=0,left=0,bottom=0,right=0]' },
      },
    ]
  }
  for (const child of root.children ?? []) {
    if (!child.children) continue
    child.edges = innerEdges.get(child.id) ?? []
    child.ports = portsOf.get(child.id) ?? []
    child.layoutOptions = {
      ...child.layoutOptions,
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.portConstraints': 'FIXED_SIDE',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    }
  }
  root.layoutOptions = {
    ...root.layoutOptions,
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.hierarchyHandling': 'SEPARATE_CHILDREN',
    // Network simplex would slide the row sideways to straighten the long
    // arrows, past the panel's width.
    'elk.layered.nodePlacement.strategy': 'SIMPLE',
    'elk.layered.spacing.edgeNodeBetweenLayers': '4',
    'elk.layered.spacing.edgeEdgeBetweenLayers': '4',
    'elk.json.shapeCoords': 'ROOT',
    'elk.json.edgeCoords': 'ROOT',
  }
  try {
    return joinCutArrows((await new ELK().layout(root as never)) as unknown as ElkShape)
  } finally {
    meter.dispose()
  }
}

type Point = { x: number; y: number }
const pointsOf = (e: ElkEdge | undefined): Point[] =>
  (e?.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])

/** Joins each arrow cut at a compound's border back into one path, on the top level. */
function joinCutArrows(root: ElkShape): ElkShape {
  const cut = new Map<string, ElkEdge>()
  for (const child of root.children ?? []) {
    for (const e of child.edges ?? []) if (e.id.includes(':')) cut.set(e.id, e)
    child.edges = (child.edges ?? []).filter((e) => !e.id.includes(':'))
  }
  for (const edge of root.edges ?? []) {
    const head = pointsOf(cut.get(`${edge.id}:in-s`))
    const tail = pointsOf(cut.get(`${edge.id}:in-t`))
    if (head.length === 0 && tail.length === 0) continue
    const points = [...head.slice(0, -1), ...pointsOf(edge), ...tail.slice(1)]
    const first = points[0]
    const last = points[points.length - 1]
    if (!first || !last) continue
    edge.sections = [{ startPoint: first, endPoint: last, bendPoints: points.slice(1, -1) }]
  }
  return root
}
