/**
 * Measures how legible the inspector's chart is, from the DOM geometry Chromium
 * computed: the smallest label on screen, pairs of labels that overlap, labels
 * that overlap a state, and edges that pass through a state they neither enter
 * nor leave. Runs inside the page (`page.evaluate(measureChart, ends)`), so it
 * must stay self-contained.
 */

/** Source and target state ids of each machine edge id. */
export type EdgeEnds = Record<string, { source: string; target: string }>

export interface ChartLegibility {
  labels: number
  /** The smallest label's font size on screen, in CSS px (font-size × the SVG's scale). */
  smallestFontPx: number
  /** The smallest label's box height on screen, in CSS px. */
  smallestBoxPx: number
  smallestLabel: string
  /** Pairs of labels whose boxes overlap by more than 1 px both ways. */
  overlappingLabels: [string, string][]
  /** Labels that overlap a state: any part of another leaf, or the border of a compound. */
  labelsOnStates: [string, string][]
  /** Edges (by their labels) with a point inside a state they neither enter nor leave. */
  edgesThroughStates: [string, string][]
}

export function measureChart(ends: EdgeEnds): ChartLegibility {
  const svg = document.querySelector('#chart svg') as SVGSVGElement | null
  if (!svg) throw new Error('no chart')
  const screen = svg.getScreenCTM()
  const scale = screen ? Math.hypot(screen.a, screen.b) : 1
  type Box = { left: number; top: number; right: number; bottom: number }
  const boxOf = (el: Element): Box => {
    const r = el.getBoundingClientRect()
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }
  }
  const overlap = (a: Box, b: Box) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1
  const inside = (a: Box, b: Box) =>
    a.left >= b.left - 0.5 &&
    a.right <= b.right + 0.5 &&
    a.top >= b.top - 0.5 &&
    a.bottom <= b.bottom + 0.5
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect()
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'
  }

  const labels = [...svg.querySelectorAll('text')].filter(visible).map((el) => {
    // A state's name and its internal transitions are drawn inside it.
    const owner = el.closest('[data-node-id]')
    return {
      el,
      text: (el.textContent ?? '').trim(),
      box: boxOf(el),
      font: Number.parseFloat(getComputedStyle(el).fontSize) * scale,
      node: owner?.getAttribute('data-node-id') ?? null,
    }
  })
  const states = [...svg.querySelectorAll('[data-node-id]')].map((g) => {
    const rect = g.querySelector(':scope > rect') as SVGRectElement
    return {
      id: g.getAttribute('data-node-id') ?? '',
      leaf: g.classList.contains('leaf'),
      box: boxOf(rect),
      el: rect,
    }
  })

  let smallestFontPx = Number.POSITIVE_INFINITY
  let smallestBoxPx = Number.POSITIVE_INFINITY
  let smallestLabel = ''
  for (const l of labels) {
    if (l.font < smallestFontPx) {
      smallestFontPx = l.font
      smallestLabel = l.text
    }
    smallestBoxPx = Math.min(smallestBoxPx, l.box.bottom - l.box.top)
  }

  const overlappingLabels: [string, string][] = []
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i] as (typeof labels)[number]
      const b = labels[j] as (typeof labels)[number]
      if (overlap(a.box, b.box)) overlappingLabels.push([a.text, b.text])
    }
  }

  const labelsOnStates: [string, string][] = []
  for (const l of labels) {
    for (const s of states) {
      if (s.id === l.node) continue
      if (!overlap(l.box, s.box)) continue
      // A label inside a compound state is drawn on it, not over it.
      if (!s.leaf && inside(l.box, s.box)) continue
      labelsOnStates.push([l.text, s.id])
    }
  }

  const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)
  const edgesThroughStates: [string, string][] = []
  for (const g of svg.querySelectorAll('[data-edge-ids]')) {
    const path = g.querySelector('path') as SVGPathElement | null
    if (!path || !visible(path)) continue
    const ids = (g.getAttribute('data-edge-ids') ?? '').split(' ').filter(Boolean)
    const touched = ids.flatMap((id) => {
      const e = ends[id]
      return e ? [e.source, e.target] : []
    })
    const name =
      [...g.querySelectorAll('text')].map((t) => t.textContent).join(' / ') || ids.join(' ')
    const matrix = path.getScreenCTM()
    if (!matrix) continue
    const length = path.getTotalLength()
    const hits = new Set<string>()
    for (let d = 0; d <= length; d += 2) {
      const p = path.getPointAtLength(d)
      const x = matrix.a * p.x + matrix.c * p.y + matrix.e
      const y = matrix.b * p.x + matrix.d * p.y + matrix.f
      for (const s of states) {
        if (touched.some((t) => related(t, s.id))) continue
        const b = s.box
        if (x > b.left + 1 && x < b.right - 1 && y > b.top + 1 && y < b.bottom - 1) hits.add(s.id)
      }
    }
    for (const id of hits) edgesThroughStates.push([name, id])
  }

  return {
    labels: labels.length,
    smallestFontPx: Math.round(smallestFontPx * 10) / 10,
    smallestBoxPx: Math.round(smallestBoxPx * 10) / 10,
    smallestLabel,
    overlappingLabels,
    labelsOnStates,
    edgesThroughStates,
  }
}

/** Runs `measureChart` in `page` (esbuild's keep-names helper is defined there first). */
export async function measureChartIn(
  page: {
    evaluate: (fn: string | ((arg: EdgeEnds) => unknown), arg?: EdgeEnds) => Promise<unknown>
  },
  ends: EdgeEnds,
): Promise<ChartLegibility> {
  await page.evaluate('globalThis.__name ??= (fn) => fn')
  return (await page.evaluate(measureChart, ends)) as ChartLegibility
}
