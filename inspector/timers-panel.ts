/** The armed timers, each with its countdown, live or as they stood at the moment shown. */
import { $, h } from './dom.js'
import { page } from './page-state.js'

export function renderTimers(): void {
  const session = page.session()
  const host = $('timers')
  host.textContent = ''
  if (!session) return
  const frame = page.travel
  const now = frame ? frame.at : Date.now()
  host.append(h('h3', {}, frame ? 'Timers (then)' : 'Timers'))
  const list = session.timers(frame ?? undefined)
  if (list.length === 0) host.append(h('p', { class: 'note' }, 'none armed'))
  for (const t of list) {
    const left = Math.max(0, Math.min(t.total, t.deadline - now))
    const meter = h('meter', {
      min: '0',
      max: String(t.total || 1),
      value: String(left),
      'aria-label': `${t.name} remaining`,
    })
    host.append(
      h(
        'div',
        { class: left === 0 ? 'timer done' : 'timer', 'data-timer': t.name },
        h('code', {}, t.name),
        meter,
        h('span', {}, left === 0 ? 'elapsed' : `${left} / ${t.total} ms`),
      ),
    )
  }
}

export function initTimersPanel(): void {
  page.on('change', renderTimers)
  page.on('select', renderTimers)
  page.on('travel', renderTimers)
  setInterval(() => {
    if (page.travel === null) renderTimers()
  }, 200)
}
