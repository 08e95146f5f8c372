/** The armed timers, each with its countdown, live or as they stood at the moment shown. */
import { $ } from './dom.js'
import { page } from './page-state.js'
import { drawTimers } from './timers-view.js'

export function renderTimers(): void {
  const session = page.session()
  const host = $('timers')
  if (!session) {
    host.textContent = ''
    return
  }
  drawTimers(host, session, page.travel)
}

export function initTimersPanel(): void {
  page.on('change', renderTimers)
  page.on('select', renderTimers)
  page.on('travel', renderTimers)
  setInterval(() => {
    if (page.travel === null) renderTimers()
  }, 200)
}
