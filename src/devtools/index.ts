/**
 * `heartline/devtools`: the inspector inside the app's own page. Bundled at pack
 * time (inspector/build.ts) with the inspector's panels and elkjs into one
 * module, dist/src/devtools/index.js, that imports only `xstate` and heartline's
 * own entries; an app loads it with `await import('heartline/devtools')` when
 * it wants the panel, so an app that never does ships none of it.
 *
 * A `Connection` is read through its chart's XState inspection stream (the
 * records the inspector draws); a `SharedConnection` (no chart in a follower
 * tab) through its `statechange` and `leaderchange` events.
 */
import type { Subscription } from 'xstate'
import { resumeLine, resumeRows } from '../../inspector/resume-rows.js'
import { leafValue, Session } from '../../inspector/session.js'
import { describeValue } from '../describe.js'
import { type Connection, connectionMachine } from '../index.js'
import { toRecord } from '../inspector/index.js'
import { sessionOf } from '../resume/index.js'
import type { SharedConnection } from '../shared/index.js'
import type * as api from './api.js'
import { type Entry, Panel } from './panel.js'

export type {
  InspectableConnection,
  MountedInspector,
  MountInspectorOptions,
  ParentElement,
} from './api.js'

let panel: Panel | null = null
let mounted = 0

/** Feeds `session` from the connection's chart: its snapshot now, then every inspection event. */
function inspectConnection(conn: Connection, session: Session): () => void {
  const actor = conn.actor
  const now = toRecord(
    {
      type: '@xstate.snapshot',
      actorRef: actor,
      rootId: actor.sessionId,
      snapshot: actor.getSnapshot(),
      event: { type: 'devtools.mount' },
    },
    { revealUrls: true },
  )
  if (now) session.ingest(now)
  const subscription: Subscription = actor.system.inspect((event) => {
    const record = toRecord(event, { revealUrls: true })
    if (record) session.ingest(record)
  })
  const stopRows = sessionOf(conn) ? resumeRows(conn, session, () => true) : () => undefined
  return () => {
    subscription.unsubscribe()
    stopRows()
  }
}

/** Follows a shared connection's state, and this tab's role among the tabs. */
function followShared(conn: SharedConnection, session: Session): () => void {
  const ac = new AbortController()
  const { signal } = ac
  const follow = (state: string) => {
    const value = leafValue(session.machine, state)
    if (value !== null) session.follow(value)
  }
  follow(conn.state)
  conn.addEventListener('statechange', (e) => follow(e.to), { signal })
  conn.addEventListener(
    'leaderchange',
    (e) => {
      session.note = e.leader
        ? 'this tab holds the shared socket'
        : 'another tab holds the socket; the chart follows its state (no timers: they run there)'
      session.row(
        'tabs',
        'client',
        e.leader
          ? 'leaderchange: this tab now holds the shared socket'
          : 'leaderchange: another tab holds the shared socket; this one follows it',
      )
      follow(conn.state)
    },
    { signal },
  )
  conn.addEventListener(
    'close',
    (e) => session.row('close', 'to-client', `close ${e.code}${e.reason ? ` “${e.reason}”` : ''}`),
    { signal },
  )
  conn.addEventListener('open', () => session.row('open', 'to-client', 'open'), { signal })
  return () => ac.abort()
}

function isShared(conn: object): conn is SharedConnection {
  return 'leader' in conn && 'shared' in conn
}

export function mountInspector(
  connection: api.InspectableConnection,
  options: api.MountInspectorOptions = {},
): api.MountedInspector {
  const plain = typeof connection === 'object' && connection !== null
  if (!plain || !(isShared(connection) || 'actor' in connection)) {
    throw new TypeError(
      `heartline/devtools: mountInspector() takes a Connection or a SharedConnection; got ${describeValue(connection)}.`,
    )
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `heartline/devtools: mountInspector() options must be an object; got ${describeValue(options)}.`,
    )
  }
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError(
      `heartline/devtools: \`name\` must be a string; got ${describeValue(options.name)}.`,
    )
  }
  const parent = options.parent as { append?: unknown } | undefined
  if (parent !== undefined && (typeof parent !== 'object' || typeof parent.append !== 'function')) {
    throw new TypeError(
      `heartline/devtools: \`parent\` must be an element to append the panel to; got ${describeValue(parent)}.`,
    )
  }
  mounted += 1
  const id = `c${mounted}`
  const label = options.name ?? (connection.url || `connection ${mounted}`)
  const shared = isShared(connection)
  const machine = shared ? connectionMachine : (connection as Connection).actor.logic
  const session = new Session(id, label, machine, true)
  const stop = shared
    ? followShared(connection, session)
    : inspectConnection(connection as Connection, session)
  const entry: Entry = {
    id,
    session,
    role: () =>
      !shared
        ? null
        : !connection.shared
          ? 'not shared'
          : connection.leader
            ? 'leader'
            : 'follower',
    line: () => (shared ? null : resumeLine(sessionOf(connection))),
    stop,
  }
  panel ??= new Panel((options.parent as Element | undefined) ?? document.body)
  panel.add(entry)
  let closed = false
  return {
    close() {
      if (closed) return
      closed = true
      entry.stop()
      panel?.remove(id)
      if (panel?.size === 0) {
        panel.destroy()
        panel = null
      }
    },
  }
}

mountInspector satisfies typeof api.mountInspector
