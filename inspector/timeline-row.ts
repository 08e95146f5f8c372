/** A timeline row as an element: the page's timeline and heartline/devtools draw rows with it. */
import { h, time } from './dom.js'
import type { Row } from './session.js'

const ARROW: Record<string, string> = { 'to-server': '→', 'to-client': '←', client: '', server: '' }

/** One timeline row, as a sequence diagram's line. */
export function rowElement(r: Row, index: number, selected: boolean): HTMLLIElement {
  return h(
    'li',
    {
      class: `row ${r.dir} kind-${r.kind}`,
      'data-kind': r.kind,
      'data-index': String(index),
      ...(r.tag ? { 'data-tag': r.tag } : {}),
      'aria-selected': String(selected),
    },
    h('time', {}, time(r.at)),
    h('span', { class: 'lane-client' }, r.dir === 'client' ? r.text : ''),
    h(
      'span',
      { class: 'msg' },
      r.dir === 'to-server' || r.dir === 'to-client'
        ? h(
            'span',
            { class: 'label' },
            `${ARROW[r.dir]} ${r.text}`,
            ...(r.tag ? [' ', h('span', { class: `tag tag-${r.tag}` }, r.tag)] : []),
          )
        : '',
    ),
    h('span', { class: 'lane-server' }, r.dir === 'server' ? r.text : ''),
  )
}
