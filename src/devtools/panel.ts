/**
 * The devtools panel: one element with its own shadow root (the page's styles do
 * not reach in, its styles do not leak out), listing the mounted connections and
 * drawing the one picked with the inspector's own pieces: the chart
 * (`drawChart`), the timers (`drawTimers`), the timeline rows (`rowElement`),
 * over the inspector's `Session`.
 */
import { type DrawnChart, drawChart } from '../../inspector/chart.js'
import { h } from '../../inspector/dom.js'
import panelsCss from '../../inspector/panels.css?inline'
import type { Session } from '../../inspector/session.js'
import { rowElement } from '../../inspector/timeline-row.js'
import { drawTimers } from '../../inspector/timers-view.js'

/** One mounted connection, as the panel sees it. */
export interface Entry {
  id: string
  session: Session
  /** The tab's role for a shared connection ('leader', 'follower', …); null otherwise. */
  role(): string | null
  /** The resume session's line; null without resume. */
  line(): string | null
  /** Stops feeding the session. */
  stop(): void
}

const OWN_CSS = `
:host { all: initial; }
.dt { position: fixed; right: 8px; bottom: 8px; z-index: 2147483000; width: min(760px, calc(100vw - 16px));
  max-height: min(78vh, 760px); display: flex; flex-direction: column; background: var(--panel, #fff);
  color: var(--ink); border: 1px solid var(--line); border-radius: 8px; box-shadow: 0 4px 18px rgb(0 0 0 / 0.18);
  font: 13px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.dt * { box-sizing: border-box; }
.dt header { display: flex; align-items: center; gap: 8px; padding: 4px 8px; border-bottom: 1px solid var(--line); }
.dt header strong { font-size: 13px; }
.dt .badge { font-family: var(--mono); font-size: 12px; padding: 1px 6px; border-radius: 10px; background: var(--active-bg); }
.dt .role { background: #efe6f7; }
.dt button { font: inherit; cursor: pointer; }
.dt .min { margin-left: auto; }
.dt .body { overflow: auto; padding: 4px 8px; display: flex; flex-direction: column; gap: 4px; }
.dt[data-collapsed] .body { display: none; }
#list { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; }
#list button { border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 1px 6px; }
#list button[aria-pressed="true"] { border-color: var(--accent); background: #eaf2fd; }
#chart svg { width: 100%; height: auto; max-height: 42vh; }
.note { color: var(--muted); font-size: 12px; margin: 0; }
#timers { flex-wrap: wrap; margin: 0; }
#timeline { max-height: 22vh; }
`

export class Panel {
  readonly host: HTMLElement
  readonly #root: ShadowRoot
  readonly #entries = new Map<string, Entry>()
  #current: Entry | null = null
  #chart: DrawnChart | null = null
  #drawn = 0
  #queued = false
  readonly #tick: ReturnType<typeof setInterval>
  readonly #el: Record<
    'list' | 'badge' | 'role' | 'chart' | 'timers' | 'line' | 'timeline',
    HTMLElement
  >

  constructor(parent: Element) {
    this.host = h('div', { 'data-heartline-devtools': '' })
    this.#root = this.host.attachShadow({ mode: 'open' })
    const style = document.createElement('style')
    style.textContent = `${panelsCss}\n${OWN_CSS}`
    this.#el = {
      list: h('ul', { id: 'list', 'aria-label': 'Connections' }),
      badge: h('span', { class: 'badge', id: 'state', 'aria-live': 'polite' }),
      role: h('span', { class: 'badge role', id: 'role', hidden: '' }),
      chart: h('div', { id: 'chart', 'aria-busy': 'true' }, 'Laying out the chart…'),
      timers: h('section', { id: 'timers', 'aria-label': 'Active timers' }),
      line: h('p', { class: 'note', id: 'resume', hidden: '' }),
      timeline: h('ol', { id: 'timeline', 'aria-label': 'Timeline' }),
    }
    const el = this.#el
    const min = h('button', { type: 'button', class: 'min', title: 'Collapse' }, '–')
    const frame = h(
      'section',
      { class: 'dt', 'aria-label': 'heartline inspector' },
      h('header', {}, h('strong', {}, 'heartline'), el.list, el.badge, el.role, min),
      h('div', { class: 'body' }, el.chart, el.timers, el.line, el.timeline),
    )
    min.addEventListener('click', () => {
      const collapsed = frame.toggleAttribute('data-collapsed')
      min.textContent = collapsed ? '+' : '–'
    })
    this.#root.append(style, frame)
    parent.append(this.host)
    this.#tick = setInterval(() => this.#refresh(), 250)
  }

  get size(): number {
    return this.#entries.size
  }

  add(entry: Entry): void {
    this.#entries.set(entry.id, entry)
    const shown = () => this.#current === entry
    entry.session.onChange = (edges) => {
      if (shown()) this.#show(edges)
      this.#renderList()
    }
    entry.session.onRow = () => {
      if (shown()) this.#scheduleRows()
    }
    if (this.#current === null) this.select(entry.id)
    else this.#renderList()
    if (this.#chart === null && this.#entries.size === 1) void this.#drawChart(entry.session)
  }

  remove(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    this.#entries.delete(id)
    entry.session.onChange = () => undefined
    entry.session.onRow = () => undefined
    if (this.#current === entry) {
      this.#current = null
      const next = this.#entries.keys().next()
      if (!next.done) this.select(next.value)
    }
    this.#renderList()
  }

  select(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    this.#current = entry
    this.#el.timeline.textContent = ''
    this.#drawn = entry.session.dropped + Math.max(0, entry.session.rows.length - 200)
    this.#renderList()
    this.#show([])
    this.#rows()
  }

  /** Removes the panel from the page. */
  destroy(): void {
    clearInterval(this.#tick)
    this.host.remove()
  }

  async #drawChart(session: Session): Promise<void> {
    try {
      this.#chart = await drawChart(session.machine, this.#el.chart)
    } catch (error) {
      this.#el.chart.textContent = `The chart could not be laid out: ${(error as Error).message}`
    }
    this.#el.chart.setAttribute('aria-busy', 'false')
    this.#show([])
  }

  #renderList(): void {
    const items = [...this.#entries.values()].map((entry) => {
      const button = h(
        'button',
        { type: 'button', 'aria-pressed': String(entry === this.#current), 'data-id': entry.id },
        `${entry.session.label} · ${entry.session.state}`,
      )
      button.addEventListener('click', () => this.select(entry.id))
      return h('li', {}, button)
    })
    this.#el.list.replaceChildren(...items)
  }

  #show(edges: readonly string[]): void {
    const entry = this.#current
    if (!entry) return
    const { session } = entry
    this.#el.badge.textContent = session.state
    this.#el.badge.dataset.state = session.state
    const role = entry.role()
    this.#el.role.hidden = role === null
    this.#el.role.textContent = role ?? ''
    if (session.note) this.#el.role.title = session.note
    if (this.#chart) {
      this.#chart.highlight(session.active)
      if (edges.length > 0) this.#chart.flash(edges)
    }
    this.#refresh()
  }

  /** What changes with time alone: the countdowns and the resume line. */
  #refresh(): void {
    const entry = this.#current
    if (!entry) return
    drawTimers(this.#el.timers, entry.session, null)
    const line = entry.line()
    this.#el.line.hidden = line === null
    this.#el.line.textContent = line === null ? '' : `resume: ${line}`
  }

  #scheduleRows(): void {
    if (this.#queued) return
    this.#queued = true
    queueMicrotask(() => {
      this.#queued = false
      this.#rows()
    })
  }

  /** Appends the rows not drawn yet (the last 200 kept on screen). */
  #rows(): void {
    const session = this.#current?.session
    if (!session) return
    const list = this.#el.timeline
    const start = Math.max(0, this.#drawn - session.dropped)
    for (let i = start; i < session.rows.length; i++) {
      const row = session.rows[i]
      if (row) list.append(rowElement(row, session.dropped + i, false))
    }
    this.#drawn = session.dropped + session.rows.length
    while (list.childElementCount > 200) list.firstElementChild?.remove()
    list.scrollTop = list.scrollHeight
  }
}
