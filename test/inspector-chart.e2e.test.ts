/**
 * The chart reads at 1280×800 and 1920×1080, measured from the geometry Chromium
 * computed: every label at least 12 px tall on screen, no label over another
 * label or a state, no edge through a state it does not enter or leave, and the
 * whole chart within the panel's visible width and height (no scrolling either
 * way), the timeline under it still showing at least the rows it showed at
 * 1280×800 before the chart was fitted; in both views. Screenshots go to
 * test-results/.
 */
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chartGraph } from '../inspector/chart-graph.js'
import type { InspectorServer } from '../inspector/server.js'
import { connectionMachine } from '../machines/connection.js'
import { startBuiltInspector } from './helpers/built-inspector.js'
import { type EdgeEnds, measureChartIn } from './helpers/chart-geometry.js'
import { launchChromium } from './helpers/chromium.js'

const SHOTS = 'test-results'
mkdirSync(SHOTS, { recursive: true })

/** Timeline rows visible at 1280×800 before the chart was fitted to the panel's height. */
const MIN_TIMELINE_ROWS = 6

const ends: EdgeEnds = {}
for (const e of chartGraph(connectionMachine).edges)
  ends[e.id] = { source: e.source, target: e.target }

let server: InspectorServer
let browser: Browser

beforeAll(async () => {
  server = await startBuiltInspector()
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function openPage(width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } })
  await page.goto(server.url)
  await page.waitForSelector('#chart svg[data-view="all"]', { timeout: 30_000 })
  await page.waitForSelector('#chart .state.leaf.active')
  return page
}

/** The chart's box against the panel's visible box, in CSS px on screen. */
function chartFit(page: Page) {
  return page.evaluate(() => {
    const host = document.getElementById('chart') as HTMLElement
    const svg = (host.querySelector('svg') as SVGSVGElement).getBoundingClientRect()
    const panel = host.getBoundingClientRect()
    return {
      chartLeft: svg.left,
      chartRight: svg.right,
      chartWidth: svg.width,
      panelLeft: panel.left + host.clientLeft,
      panelRight: panel.left + host.clientLeft + host.clientWidth,
      panelWidth: host.clientWidth,
      scrollWidth: host.scrollWidth,
      chartHeight: svg.height,
      chartTop: svg.top,
      chartBottom: svg.bottom,
      panelTop: panel.top + host.clientTop,
      panelBottom: panel.top + host.clientTop + host.clientHeight,
      panelHeight: host.clientHeight,
      scrollHeight: host.scrollHeight,
    }
  })
}

/** How many whole timeline rows the timeline's list shows without scrolling. */
function timelineRows(page: Page) {
  return page.evaluate(() => {
    const list = document.getElementById('timeline') as HTMLElement
    const row = list.querySelector('li') as HTMLElement
    return { rows: Math.floor(list.clientHeight / row.offsetHeight), listHeight: list.clientHeight }
  })
}

async function showView(page: Page, view: 'all' | 'main') {
  await page.check(`#chart-view-${view}`)
  await page.waitForSelector(`#chart svg[data-view="${view}"]`)
}

describe('chart legibility', () => {
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    it(`reads at ${width}×${height} in both views`, async () => {
      const page = await openPage(width, height)
      try {
        for (const view of ['all', 'main'] as const) {
          await showView(page, view)
          const m = await measureChartIn(page, ends)
          console.log(
            `${width}×${height} ${view}: ${m.labels} labels, smallest ${m.smallestFontPx} px font / ${m.smallestBoxPx} px box ("${m.smallestLabel}"), ${m.overlappingLabels.length} overlapping pairs, ${m.labelsOnStates.length} labels on states, ${m.edgesThroughStates.length} edges through states`,
          )
          expect(m.labels).toBeGreaterThan(view === 'all' ? 40 : 15)
          expect(m.smallestFontPx).toBeGreaterThanOrEqual(12)
          expect(m.smallestBoxPx).toBeGreaterThanOrEqual(12)
          expect(m.overlappingLabels).toEqual([])
          expect(m.labelsOnStates).toEqual([])
          expect(m.edgesThroughStates).toEqual([])
          const fit = await chartFit(page)
          console.log(
            `${width}×${height} ${view}: chart ${Math.round(fit.chartWidth)} px wide in a ${fit.panelWidth} px panel`,
          )
          expect(fit.chartLeft).toBeGreaterThanOrEqual(fit.panelLeft - 0.5)
          expect(fit.chartRight).toBeLessThanOrEqual(fit.panelRight + 0.5)
          expect(fit.scrollWidth).toBeLessThanOrEqual(fit.panelWidth)
          // The whole chart at once: no scrolling down to the states a socket ends in.
          console.log(
            `${width}×${height} ${view}: chart ${Math.round(fit.chartHeight)} px tall in a ${fit.panelHeight} px high panel`,
          )
          expect(fit.chartTop).toBeGreaterThanOrEqual(fit.panelTop - 0.5)
          expect(fit.chartBottom).toBeLessThanOrEqual(fit.panelBottom + 0.5)
          expect(fit.scrollHeight).toBeLessThanOrEqual(fit.panelHeight)
          // The chart does not take the timeline's room.
          const timeline = await timelineRows(page)
          console.log(
            `${width}×${height} ${view}: timeline shows ${timeline.rows} rows (${timeline.listHeight} px)`,
          )
          expect(timeline.rows).toBeGreaterThanOrEqual(MIN_TIMELINE_ROWS)
          await page.screenshot({ path: `${SHOTS}/chart-${view}-${width}x${height}.png` })
        }
        await showView(page, 'all')
      } finally {
        await page.close()
      }
    }, 40_000)
  }

  it('the measure sees a label drawn over another and an edge through a state', async () => {
    const page = await openPage(1280, 800)
    try {
      // A copy of an edge label moved onto a leaf state, and a path through it.
      await page.evaluate(() => {
        const svg = document.querySelector('#chart svg') as SVGSVGElement
        const leaf = svg.querySelector('.state.leaf') as SVGGElement
        const box = (leaf.querySelector('rect') as SVGRectElement).getBBox()
        const edge = svg.querySelector('.edges .edge') as SVGGElement
        const copy = edge.cloneNode(true) as SVGGElement
        copy.setAttribute('data-edge-ids', 'injected')
        const path = copy.querySelector('path') as SVGPathElement
        path.setAttribute('d', `M${box.x - 20},${box.y + box.height / 2} h${box.width + 40}`)
        const text = copy.querySelector('text') as SVGTextElement
        text.setAttribute('x', String(box.x + box.width / 2))
        text.setAttribute('y', String(box.y + box.height / 2))
        svg.querySelector('.edges')?.appendChild(copy)
      })
      const m = await measureChartIn(page, { injected: { source: 'x', target: 'y' } })
      expect(m.overlappingLabels.length).toBeGreaterThan(0)
      expect(m.labelsOnStates.length).toBeGreaterThan(0)
      expect(m.edgesThroughStates.length).toBeGreaterThan(0)
    } finally {
      await page.close()
    }
  }, 30_000)
})
