/** The chart's context, live or as it stood at the moment shown. */
import { $, h } from './dom.js'
import { page } from './page-state.js'

let last = ''

export function renderContext(): void {
  const session = page.session()
  const host = $('context')
  const context = page.travel ? page.travel.context : (session?.context ?? {})
  const text = JSON.stringify(context, null, 1)
  const key = `${page.travel ? 'then' : 'now'}|${text}`
  if (key === last) return
  last = key
  host.textContent = ''
  host.append(
    h('p', { class: 'note' }, page.travel ? 'as it was at the selected row' : 'live'),
    h('pre', { id: 'context-json' }, text),
  )
}

export function initContextPanel(): void {
  page.on('change', renderContext)
  page.on('select', renderContext)
  page.on('travel', renderContext)
}
