/** The armed timers as elements: the page's timers panel and heartline/devtools draw them with it. */
import { h } from './dom.js'
import type { Frame, Session } from './session.js'

/** Draws `session`'s armed timers into `host`, live or as they stood at `frame`. */
export function drawTimers(host: HTMLElement, session: Session, frame: Frame | null): void {
  host.textContent = ''
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
