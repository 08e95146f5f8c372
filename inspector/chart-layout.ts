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
  try {
    return (await new ELK().layout(root as never)) as unknown as ElkShape
  } finally {
    meter.dispose()
  }
}
