/**
 * Metrics. For this page's connection they are the library's own
 * (`conn.metrics`: RTT, attempts, reconnects, last close, time per state, the
 * last attempts); for an attached app or a recording, which have no connection
 * here, the same figures are rebuilt from the inspection records.
 */
import type { ConnectionMetrics } from '../src/index.js'
import { $, h } from './dom.js'
import { sessionLine } from './page-resume.js'
import { page } from './page-state.js'
import type { Session } from './session.js'

function fromSession(session: Session): Pick<
  ConnectionMetrics,
  'attempts' | 'reconnects' | 'timeInState'
> & {
  rtt: { last: number | null; smoothed: number | null; samples: number }
} {
  const rtts = session.rtts
  return {
    rtt: { last: rtts[rtts.length - 1] ?? null, smoothed: null, samples: rtts.length },
    attempts: session.socketsOpened + session.retries,
    reconnects: Math.max(0, session.socketsOpened - 1),
    timeInState: session.timeSpent() as ConnectionMetrics['timeInState'],
  }
}

export function renderMetrics(): void {
  const session = page.session()
  const host = $('metrics')
  host.textContent = ''
  if (!session) return
  // A shared connection's metrics live with its socket, in the leader tab.
  const conn = session.id === 'local' ? page.conn : null
  const own = conn && 'metrics' in conn ? conn.metrics : undefined
  const m = own ?? fromSession(session)
  host.dataset.source = own ? 'conn.metrics' : 'records'
  const rtts = session.rtts.slice(-20)
  const max = Math.max(1, ...rtts)
  const bars = h('div', { class: 'rtt-bars', 'aria-label': 'recent pong round-trip times' })
  for (const r of rtts) {
    bars.append(h('span', { style: `height:${Math.max(2, (r / max) * 28)}px`, title: `${r} ms` }))
  }
  const rtt =
    m.rtt.last === null
      ? 'no pong yet'
      : `last ${m.rtt.last}${m.rtt.smoothed === null ? '' : ` · smoothed ${m.rtt.smoothed.toFixed(1)}`} ms · ${m.rtt.samples} samples`
  const list = h(
    'dl',
    { class: 'metrics' },
    h('dt', {}, 'RTT (ping → first message)'),
    h('dd', { id: 'metric-rtt' }, rtt),
    h('dt', {}, 'Failed attempts (context.attempt)'),
    h('dd', { id: 'metric-attempt' }, String(session.context.attempt ?? 0)),
    h('dt', {}, 'Attempts / reconnects'),
    h('dd', { id: 'metric-opened' }, `${m.attempts} / ${m.reconnects}`),
  )
  if (conn && 'bufferedAmountLowThreshold' in conn) {
    // Send-side flow control (docs/flow-control.md): bytes not yet on the network.
    list.append(
      h('dt', {}, 'bufferedAmount / low threshold'),
      h(
        'dd',
        { id: 'metric-buffered' },
        `${conn.bufferedAmount} B · low threshold ${conn.bufferedAmountLowThreshold} B`,
      ),
    )
  }
  if (own?.lastClose) {
    const c = own.lastClose
    list.append(
      h('dt', {}, 'Last close'),
      h(
        'dd',
        { id: 'metric-last-close' },
        `${c.code}${c.reason ? ` “${c.reason}”` : ''} · ${c.cause}${c.willReconnect ? ' · will reconnect' : ''}`,
      ),
    )
  }
  const resumed = sessionLine(conn)
  if (resumed !== null) {
    list.append(h('dt', {}, 'Session (sessionOf)'), h('dd', { id: 'metric-session' }, resumed))
  }
  host.append(list, bars)
  const spent = m.timeInState as Record<string, number>
  const total = Object.values(spent).reduce((a, b) => a + b, 0) || 1
  const table = h('table', { class: 'time-in' }, h('caption', {}, 'Time in each state'))
  for (const [name, ms] of Object.entries(spent)) {
    table.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, name),
        h('td', {}, `${(ms / 1000).toFixed(1)} s`),
        h(
          'td',
          { class: 'bar' },
          h('span', { style: `width:${((ms / total) * 100).toFixed(1)}%` }),
        ),
      ),
    )
  }
  host.append(table)
  if (own && own.history.length > 0) {
    const attempts = h('ol', { class: 'attempts', id: 'metric-history' })
    for (const a of own.history.slice(-5)) {
      attempts.append(h('li', {}, `#${a.attempt} ${a.reason} after ${a.delay} ms → ${a.outcome}`))
    }
    host.append(h('h3', {}, 'Last attempts'), attempts)
  }
}

export function initMetricsPanel(): void {
  page.on('select', renderMetrics)
  setInterval(renderMetrics, 1000)
}
