/**
 * The timeline (a sequence diagram of client and server): filter by kind, export,
 * clear, and time travel: click a row (or step with the arrow keys) and the
 * chart, the context and the timers show that moment; "Live" returns.
 */
import { $, download, h } from './dom.js'
import { resumeMode } from './page-resume.js'
import { sharedMode } from './page-shared.js'
import { page } from './page-state.js'
import { ROW_KINDS, type RowKind } from './session.js'
import { rowElement } from './timeline-row.js'

const hidden = new Set<RowKind>()

let queued = false
let renderedFor: unknown = null
/** Absolute index of the next row to draw. */
let renderedUpTo = 0
/** Absolute index of the row time travel shows. */
let selected: number | null = null

function schedule() {
  if (queued) return
  queued = true
  requestAnimationFrame(() => {
    queued = false
    render()
  })
}

/** Appends the new rows only; a full redraw when the session or the filter changes. */
export function render(full = false): void {
  const session = page.session()
  const list = $('timeline')
  if (!session) {
    list.textContent = ''
    return
  }
  if (full || session !== renderedFor || renderedUpTo > session.dropped + session.rows.length) {
    list.textContent = ''
    renderedFor = session
    renderedUpTo = session.dropped + Math.max(0, session.rows.length - 300)
  }
  const start = Math.max(0, renderedUpTo - session.dropped)
  const fragment = document.createDocumentFragment()
  for (let i = start; i < session.rows.length; i++) {
    const r = session.rows[i]
    if (!r || hidden.has(r.kind)) continue
    const index = session.dropped + i
    fragment.append(rowElement(r, index, index === selected))
  }
  renderedUpTo = session.dropped + session.rows.length
  list.append(fragment)
  while (list.childElementCount > 400) list.firstElementChild?.remove()
  if (selected === null) list.scrollTop = list.scrollHeight
}

/** Shows the moment of the row with absolute index `index`. */
export function travelTo(index: number): void {
  const session = page.session()
  const row = session?.rows[index - (session?.dropped ?? 0)]
  if (!session || !row) return
  selected = index
  page.travel = session.frameOf(row) ?? null
  for (const li of $('timeline').querySelectorAll('li[aria-selected="true"]')) {
    li.setAttribute('aria-selected', 'false')
  }
  const li = $('timeline').querySelector(`li[data-index="${index}"]`)
  li?.setAttribute('aria-selected', 'true')
  li?.scrollIntoView({ block: 'nearest' })
  $<HTMLButtonElement>('live').disabled = false
  document.body.dataset.travel = 'true'
  page.emit('travel')
}

export function goLive(): void {
  selected = null
  page.travel = null
  for (const li of $('timeline').querySelectorAll('li[aria-selected="true"]')) {
    li.setAttribute('aria-selected', 'false')
  }
  $<HTMLButtonElement>('live').disabled = true
  delete document.body.dataset.travel
  page.emit('travel')
  render()
}

function step(delta: number) {
  const rows = [...$('timeline').querySelectorAll<HTMLElement>('li[data-index]')]
  if (rows.length === 0) return
  const at = rows.findIndex((li) => Number(li.dataset.index) === selected)
  const next = rows[at === -1 ? (delta < 0 ? rows.length - 1 : 0) : at + delta]
  if (next) travelTo(Number(next.dataset.index))
}

function exportTimeline() {
  const session = page.session()
  if (!session) return
  const payload = {
    connection: session.label,
    exportedAt: new Date().toISOString(),
    kinds: ROW_KINDS.filter((k) => !hidden.has(k)),
    rows: session.rows
      .filter((r) => !hidden.has(r.kind))
      .map((r) => ({ ...r, time: new Date(r.at).toISOString() })),
  }
  download('heartline-timeline.json', JSON.stringify(payload, null, 2))
}

export function initTimelinePanel(): void {
  const filter = $('kind-filter')
  for (const kind of ROW_KINDS) {
    // Leader changes happen only with a connection shared across tabs.
    if (kind === 'tabs' && !sharedMode()) continue
    // Resume protocol steps happen only with `?resume=1`.
    if (kind === 'resume' && !resumeMode()) continue
    const id = `kind-${kind}`
    const box = h('input', { type: 'checkbox', id })
    box.checked = true
    box.addEventListener('change', () => {
      if (box.checked) hidden.delete(kind)
      else hidden.add(kind)
      render(true)
    })
    filter.append(h('label', { for: id, class: `chip kind-${kind}` }, box, kind))
  }
  const list = $('timeline')
  list.addEventListener('click', (event) => {
    const li = (event.target as Element).closest<HTMLElement>('li[data-index]')
    if (li) travelTo(Number(li.dataset.index))
  })
  // While travelling, the arrow keys step through the rows (not while typing).
  document.addEventListener('keydown', (event) => {
    if (page.travel === null) return
    const target = event.target as Element | null
    if (target?.closest('input, select, textarea')) return
    if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault()
      step(event.key === 'ArrowUp' ? -1 : 1)
    } else if (event.key === 'Escape') goLive()
  })
  $('live').addEventListener('click', goLive)
  $('export-json').addEventListener('click', exportTimeline)
  $('clear-timeline').addEventListener('click', () => {
    const s = page.session()
    if (s) {
      s.dropped += s.rows.length
      s.rows.length = 0
    }
    goLive()
    render(true)
  })
  page.on('rows', schedule)
  page.on('select', () => {
    selected = null
    render(true)
  })
}
