/**
 * What the tab-role chart's actions (machines/tab-role.ts) do to this tab's
 * view: follow an announced leader, lose the leader's socket, close. They act on
 * the view, what it heard and the follower's outbox only; the election and the
 * socket stay in tab-link.ts.
 */
import type { ConnectionStateName } from '../index.js'
import type { Heard } from './heard.js'
import type { Outbox } from './outbox.js'
import type { Wire } from './protocol.js'
import type { ViewEvents } from './view-events.js'

const carriesSocket = (state: ConnectionStateName) =>
  state === 'open' || state === 'awaitingPong' || state === 'closing'
const isOpen = (state: ConnectionStateName) => state === 'open' || state === 'awaitingPong'

/** `follow`: the view takes on the announced leader's socket. */
export function followLeader(
  view: ViewEvents,
  heard: Heard,
  hello: Extract<Wire, { t: 'leader' }>,
): void {
  heard.hello(hello)
  view.emit('leaderchange', { leader: false })
  view.setState(hello.state, 'leader.elected')
  if (isOpen(hello.state)) view.emit('open', { url: hello.url })
}

/**
 * `leaderGone`: the leader this tab knew is gone, so that socket is gone (as for
 * a single tab whose socket closed, the view goes back to connecting). Without
 * resume, what was handed to it unconfirmed may or may not have reached the
 * server; with resume it is held until the next leader resumed the session.
 */
export function loseLeader(view: ViewEvents, outbox: Outbox, resume: boolean): void {
  const had = view.state
  view.setState('connecting', 'leader.gone')
  if (carriesSocket(had)) {
    view.emit('close', {
      code: 1001,
      reason: '',
      wasClean: false,
      cause: 'leader-gone',
      willReconnect: true,
    })
  }
  if (!resume) outbox.lose('handoff')
}

/** `closeView`: the application closed this tab's view (the socket stays with the other tabs). */
export function closeView(
  view: ViewEvents,
  outbox: Outbox,
  closeWith: { code: number; reason: string },
): void {
  outbox.close()
  view.setState('closed', 'app.close')
  view.emit('close', { ...closeWith, wasClean: true, cause: 'user', willReconnect: false })
}

/** `failView`: this tab was elected but could not open its connection. */
export function failView(view: ViewEvents, failure: unknown): void {
  view.setState('closed', 'leader.failed')
  view.emit('error', { error: failure })
}
