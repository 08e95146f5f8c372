/**
 * Which connection the page shows: its own, an app streaming through
 * `inspectorBridge()`, or an opened recording. Only its own can be driven.
 */
import { $, h } from './dom.js'
import { page } from './page-state.js'

function renderList() {
  const select = $<HTMLSelectElement>('session-select')
  select.textContent = ''
  for (const s of page.sessions.values()) {
    const option = h('option', { value: s.id }, s.label)
    if (s.id === page.current) option.selected = true
    select.append(option)
  }
}

function onSelect() {
  const session = page.session()
  if (!session) return
  const readOnly = session.readOnly
  $<HTMLFieldSetElement>('app-controls').disabled = readOnly
  $<HTMLFieldSetElement>('options-fields').disabled = readOnly
  for (const id of ['apply-options', 'preset-seed', 'preset-defaults']) {
    $<HTMLButtonElement>(id).disabled = readOnly
  }
  $('session-note').textContent = session.note ?? ''
  document.body.dataset.session = session.id
}

export function initSessionsPanel(): void {
  $('session-select').addEventListener('change', (e) =>
    page.select((e.target as HTMLSelectElement).value),
  )
  page.on('sessions', renderList)
  page.on('select', onSelect)
}
