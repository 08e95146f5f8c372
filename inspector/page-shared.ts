/**
 * "Shared across tabs" (`?shared=1`): the page's own connection is a
 * `createSharedConnection`, so every inspector tab with the option on shares one
 * socket. The header shows whether this tab leads, and the timeline gets a row
 * on each `leaderchange`.
 *
 * Only the leader tab runs the chart's actor, so only there does the XState
 * inspection stream exist; a follower draws the leader's state from the
 * `statechange` events relayed to it (no edges, context or metrics), and says so.
 * Every tab draws its own role chart (machines/tab-role.ts) beside it, lit live.
 */
import { tabRoleMachine } from '../machines/tab-role.js'
import type { SharedConnection } from '../src/shared/index.js'
import { roleChartOf } from '../src/shared/shared-connection.js'
import { $ } from './dom.js'
import type { ExtraChart } from './extra-charts.js'
import { page } from './page-state.js'
import { leafValue, type Session } from './session.js'

/** Tabs of the inspector share by this name (whatever the demo server's port). */
export const SHARED_NAME = 'heartline-inspector'

const LEADER_NOTE = 'this tab holds the shared socket'
const FOLLOWER_NOTE = "follows the leader tab's state; its inspection stream stays there"
/** The badge's hover text: what a follower can and cannot show. */
const FOLLOWER_TITLE =
  "Another tab holds the socket. Only that tab runs the chart's actor, so the XState inspection stream (edges taken, timers, context, metrics) exists only there; this tab draws the leader's state from the statechange events relayed to it."
const LEADER_TITLE =
  'This tab holds the socket shared by every inspector tab with “shared across tabs” on; its chart is fully inspected.'

export function sharedMode(): boolean {
  const value = new URLSearchParams(location.search).get('shared')
  return value === '1' || value === 'true'
}

/** The header's switch: reloads the page with or without `?shared=1`. */
export function initSharedToggle(): void {
  const box = $<HTMLInputElement>('shared-toggle')
  box.checked = sharedMode()
  box.addEventListener('change', () => {
    const url = new URL(location.href)
    if (box.checked) url.searchParams.set('shared', '1')
    else url.searchParams.delete('shared')
    location.assign(url)
  })
}

/** Wires the leader badge, the timeline rows and the follower's chart to `conn`. */
export function watchLeadership(conn: SharedConnection, session: Session): void {
  followRole(conn)
  const badge = $('leader-badge')
  const show = (leader: boolean) => {
    badge.hidden = false
    badge.textContent = leader ? 'leader' : 'follower'
    badge.dataset.leader = String(leader)
    badge.title = leader ? LEADER_TITLE : FOLLOWER_TITLE
    session.note = leader ? LEADER_NOTE : FOLLOWER_NOTE
    if (page.session() === session) $('session-note').textContent = session.note
  }
  if (!conn.shared) {
    // No Web Locks or BroadcastChannel here: a socket of this tab's own.
    badge.hidden = false
    badge.textContent = 'not shared'
    badge.dataset.leader = 'true'
    session.note = 'shared across tabs is unavailable here (no Web Locks or BroadcastChannel)'
    return
  }
  badge.hidden = false
  badge.textContent = 'electing…'
  conn.addEventListener('leaderchange', (e) => {
    if (page.conn !== conn) return
    show(e.leader)
    session.row(
      'tabs',
      'client',
      e.leader
        ? 'leaderchange: this tab now holds the shared socket'
        : 'leaderchange: another tab holds the shared socket; this one follows it',
    )
  })
  conn.addEventListener('statechange', (e) => {
    // The leader's own actor already feeds the session its inspection records.
    if (page.conn !== conn || conn.leader) return
    const value = leafValue(session.machine, e.to)
    if (value !== null) session.follow(value)
  })
}

/** Where the drawn tab chart takes its state values (set once it is drawn). */
let showRole: ((value: unknown) => void) | null = null
let unfollow = () => {}

/** Lights the drawn tab chart from `conn`'s role actor, while `conn` is the page's. */
function followRole(conn: SharedConnection): void {
  unfollow()
  const actor = roleChartOf(conn)
  const show = showRole
  if (!actor || !show) return
  show(actor.getSnapshot().value)
  const subscription = actor.subscribe((snapshot) => {
    if (page.conn === conn) show(snapshot.value)
  })
  unfollow = () => subscription.unsubscribe()
}

/** The tab's role chart, for the chart panel: live from the page's shared connection. */
export function tabChart(): ExtraChart {
  return {
    title: 'Tab role',
    machine: tabRoleMachine,
    watch(show) {
      showRole = show
      if (page.conn !== null && roleChartOf(page.conn)) followRole(page.conn as SharedConnection)
      return () => {
        unfollow()
        showRole = null
      }
    },
  }
}
