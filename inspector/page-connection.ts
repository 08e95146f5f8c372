/**
 * The page's own connection: the browser's WebSocket against the demo server,
 * watched only to draw app messages on the timeline (the chart never sees them),
 * and the offline switch.
 *
 * The switch is faithful: it fires `offline` / `online` on the event target the
 * connection listens to (its `lifecycle.window`), so the library's own handling
 * runs (`network.offline` probes the link, the backoff pauses while offline,
 * `network.online` reconnects at once). What a browser without network does to
 * sockets is simulated below it: the open socket is black-holed and new ones fail.
 */
import { connectionMachine } from '../machines/connection.js'
import { type ConnectionOptions, createConnection } from '../src/index.js'
import { toRecord } from '../src/inspector/index.js'
import { createSharedConnection } from '../src/shared/index.js'
import { $ } from './dom.js'
import { readOptions } from './options-panel.js'
import { resumeFrame, resumeMode, resumeOption, watchResume } from './page-resume.js'
import { SHARED_NAME, sharedMode, watchLeadership } from './page-shared.js'
import { page } from './page-state.js'
import { Session } from './session.js'

let offline = false
/** What the connection hears `online` / `offline` / `pageshow` on: the real window's, and the switch's. */
const network = new EventTarget()
for (const type of ['online', 'offline'] as const) {
  window.addEventListener(type, () => network.dispatchEvent(new Event(type)))
}
window.addEventListener('pageshow', (event) =>
  network.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: event.persisted })),
)

/** A socket made while offline: fails as a browser with no network does. */
class OfflineSocket {
  readyState = 0
  protocol = ''
  bufferedAmount = 0
  binaryType = 'blob'
  readonly #listeners = new Map<string, Set<(event: unknown) => void>>()
  constructor() {
    setTimeout(() => {
      this.readyState = 3
      this.#fire('error', new Event('error'))
      this.#fire('close', { type: 'close', code: 1006, reason: '', wasClean: false })
    }, 0)
  }
  #fire(type: string, event: unknown) {
    for (const l of this.#listeners.get(type) ?? []) l(event)
  }
  addEventListener(type: string, l: (event: unknown) => void) {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(l)
    this.#listeners.set(type, set)
  }
  removeEventListener(type: string, l: (event: unknown) => void) {
    this.#listeners.get(type)?.delete(l)
  }
  send() {}
  close() {
    this.readyState = 3
  }
}

function watchedWebSocket(session: Session, resume: boolean) {
  const Native = window.WebSocket
  function pageWebSocket(url: string, protocols?: string | string[]) {
    const path = new URL(url).pathname
    if (offline) {
      session.row('handshake', 'client', `GET ${path}: no network (offline)`)
      return new OfflineSocket()
    }
    const ws = new Native(url, protocols)
    session.row('handshake', 'to-server', `GET ${path} · Upgrade: websocket`)
    const add = ws.addEventListener.bind(ws)
    const remove = ws.removeEventListener.bind(ws)
    const wrapped = new Map<unknown, EventListener>()
    ws.addEventListener = ((type: string, listener: EventListener) => {
      if (type !== 'message' && type !== 'close') return add(type, listener)
      const w: EventListener = (event) => {
        if (offline) return
        if (type === 'message') {
          const data = (event as MessageEvent).data
          // With resume on, its trace draws protocol frames (with their seq) instead.
          if (data !== 'pong' && !(resume && resumeFrame('in', data))) {
            session.row('message', 'to-client', `“${String(data)}”`)
          }
        }
        listener(event)
      }
      wrapped.set(listener, w)
      add(type, w)
    }) as typeof ws.addEventListener
    ws.removeEventListener = ((type: string, listener: EventListener) => {
      remove(type, wrapped.get(listener) ?? listener)
    }) as typeof ws.removeEventListener
    const send = ws.send.bind(ws)
    ws.send = (data) => {
      if (offline) return
      if (data !== 'ping' && !(resume && resumeFrame('out', data))) {
        session.row('message', 'to-server', `“${String(data)}”`)
      }
      send(data)
    }
    return ws
  }
  // A factory, not a class: heartline knows it for a WebSocket by the interface's
  // readyState constants (its `WebSocket` option check), which it has as the native one does.
  return Object.assign(pageWebSocket, {
    CONNECTING: 0,
    OPEN: 1,
    CLOSING: 2,
    CLOSED: 3,
  }) as unknown as typeof WebSocket
}

let wsUrl = ''

/**
 * A new connection from the options form (the previous one is closed). `url`
 * is the demo server's plain endpoint, or its resumable one with `?resume=1`.
 */
export function connectLocal(url = wsUrl): void {
  wsUrl = url
  $('options-error').textContent = ''
  const shared = sharedMode()
  // The resume panel reads one connection's session (sessionOf), which a follower tab does not
  // hold: resume stays with the page's own connection.
  const resume = resumeMode() && !shared
  const session = new Session(
    'local',
    shared ? 'This page (shared across tabs)' : resume ? 'This page (resume)' : 'This page',
    connectionMachine,
    false,
  )
  try {
    const options: ConnectionOptions = {
      ...readOptions(),
      WebSocket: watchedWebSocket(session, resume),
      lifecycle: { window: network, document },
      // In shared mode this reaches the leader tab's connection only.
      inspect: (event) => {
        const record = toRecord(event)
        if (record) session.ingest(record)
      },
    }
    const previous = page.conn
    if (shared) {
      const next = createSharedConnection(wsUrl, { ...options, name: SHARED_NAME })
      previous?.close(1000, 'options changed')
      page.conn = next
      watchLeadership(next, session)
    } else {
      const next = createConnection(
        wsUrl,
        resume ? { ...options, resume: resumeOption(session) } : options,
      )
      previous?.close(1000, 'options changed')
      page.conn = next
      if (resume) watchResume(next, session)
    }
  } catch (error) {
    $('options-error').textContent = (error as Error).message
    return
  }
  page.add(session)
  if (page.current === 'local') page.select('local')
}

/** The offline switch: what the browser would tell the page, and what its sockets would do. */
export function setOffline(on: boolean): void {
  if (on === offline) return
  offline = on
  page.sessions
    .get('local')
    ?.row(
      'fault',
      'client',
      on
        ? 'offline (simulated): window “offline” → network.offline'
        : 'online: window “online” → network.online',
    )
  network.dispatchEvent(new Event(on ? 'offline' : 'online'))
}

export function isOffline(): boolean {
  return offline
}
