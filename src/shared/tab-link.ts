/**
 * One tab's link to the shared socket: it joins the other tabs, then either
 * leads (holds the socket, see leader.ts, and serves the others) or follows the
 * leader over the channel, and turns a change of leader into what a single tab
 * sees when its socket is replaced. What it learns is fired by the tab's view
 * (view-events.ts); the public surface is shared-connection.ts.
 */

import {
  type Connection,
  type ConnectionOptions,
  type ConnectionStateName,
  checkClose,
  type SendData,
  type UrlProvider,
} from '../index.js'
import { join, newSession, type Session } from './election.js'
import { Leader, type LocalView } from './leader.js'
import { type LockManagerLike, serveUntilAlone } from './membership.js'
import { Outbox } from './outbox.js'
import type { Names, RelayedEvent, Wire } from './protocol.js'
import type { ViewEvents } from './view-events.js'

const carriesSocket = (state: ConnectionStateName) =>
  state === 'open' || state === 'awaitingPong' || state === 'closing'
const isOpen = (state: ConnectionStateName) => state === 'open' || state === 'awaitingPong'

export class TabLink {
  readonly #outbox: Outbox
  #session: Session | null = null
  #leader: Leader | null = null
  /** The tab leading, as last announced (or this tab's own id when it leads). */
  #leaderTab: string | null = null
  #epoch = 0
  #lastUrl: string
  #protocol = ''
  #extensions = ''

  /** `binaryType`: the value the view was given, applied whenever this tab takes the socket. */
  constructor(
    readonly url: UrlProvider,
    readonly options: ConnectionOptions,
    readonly names: Names,
    readonly locks: LockManagerLike | null,
    readonly view: ViewEvents,
    readonly binaryType: () => string | undefined,
  ) {
    this.#lastUrl = typeof url === 'function' ? '' : String(url)
    this.#outbox = new Outbox(options.queue, (data, reason) =>
      this.view.emit('drop', { data, reason }),
    )
  }

  /** The leader's connection while this tab leads, else null. */
  get conn(): Connection | null {
    return this.#leader?.conn ?? null
  }
  /** The socket's URL, protocol and extensions as last heard from the leader. */
  get lastUrl(): string {
    return this.#lastUrl
  }
  get protocol(): string {
    return this.#protocol
  }
  get extensions(): string {
    return this.#extensions
  }
  /** This tab's messages not yet confirmed written (or still waiting for a leader). */
  get unconfirmed(): number {
    return this.#outbox.size
  }

  send(data: SendData): boolean {
    const session = this.#session
    if (session === null) {
      this.view.emit('drop', { data, reason: 'closed' })
      return false
    }
    if (this.#leader) return this.#leader.send(session.tab, 0, data)
    if (this.#leaderTab === null) return this.#outbox.wait(data)
    this.#handOver(session, this.#leaderTab, data)
    return true
  }

  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    const session = this.#session
    if (session === null) return
    if (session.channel === null && this.#leader) {
      // No sharing: exactly a single-tab connection.
      this.#leader.conn.close(code, reason)
      return
    }
    this.#detach(session)
    this.view.setState('closed', 'app.close')
    this.view.emit('close', {
      code: checked.code ?? 1000,
      reason: checked.reason ?? '',
      wasClean: true,
      cause: 'user',
      willReconnect: false,
    })
  }

  reconnect(): void {
    const session = this.#session
    if (session === null) this.attach()
    else if (this.#leader) this.#leader.conn.reconnect()
    else if (this.#leaderTab !== null)
      this.#post(session, { t: 'reconnect', tab: session.tab, to: this.#leaderTab })
  }

  // ---- joining and leaving -----------------------------------------------------

  attach(): void {
    const session = newSession()
    this.#session = session
    this.#leaderTab = null
    this.#epoch = 0
    this.view.setState('connecting', 'app.reconnect')
    if (this.locks === null) {
      this.#lead(session)
      return
    }
    join(this.locks, this.names, session, {
      current: () => this.#session === session,
      receive: (message) => this.#receive(session, message),
      lead: () => this.#lead(session),
    })
  }

  /** Lets go of this tab's view; a leader keeps the socket until no other tab is left. */
  #detach(session: Session): void {
    this.#session = null
    session.abort.abort()
    session.releaseTab?.()
    this.#outbox.close()
    const leader = this.#leader
    this.#leader = null
    this.#leaderTab = null
    if (leader === null || this.locks === null) {
      session.channel?.close()
      return
    }
    // Headless: keep relaying for the other tabs until the last one leaves.
    const channel = session.channel
    serveUntilAlone(this.locks, this.names.tabPrefix, session.tab, leader, channel, {
      serve: (message) => this.#serve(session, leader, message),
      finish: () => {
        // Events still coming from the closing connection post to nothing.
        session.channel = null
        channel?.close()
        session.releaseLeader?.()
      },
    })
  }

  // ---- leading -----------------------------------------------------------------

  /** Takes the socket; false when it could not be opened (the lock is let go). */
  #lead(session: Session): boolean {
    this.#handOff()
    const view: LocalView = {
      apply: (event, original) => {
        if (this.#session === session) this.#applyEvent(event, original)
      },
      drop: (data, reason) => {
        if (this.#session === session) this.view.emit('drop', { data, reason })
      },
    }
    const options: ConnectionOptions = { ...this.options }
    const binaryType = this.binaryType()
    if (binaryType !== undefined) options.binaryType = binaryType as ConnectionOptions['binaryType']
    const post = (message: Wire) => this.#post(session, message)
    let leader: Leader
    try {
      leader = new Leader(session.tab, this.url, options, post, view)
    } catch (error) {
      // The options passed the check at creation, so the page changed under us
      // (a WebSocket global removed, say): say so, never fail silently.
      this.#detach(session)
      this.view.setState('closed', 'leader.failed')
      this.view.emit('error', { error })
      return false
    }
    this.#leader = leader
    this.#leaderTab = session.tab
    this.#epoch = Math.max(Date.now(), this.#epoch + 1)
    this.#announce(session, leader)
    if (session.channel !== null) this.view.emit('leaderchange', { leader: true })
    this.view.setState(leader.conn.state, 'leader.elected')
    for (const data of this.#outbox.takeWaiting()) leader.send(session.tab, 0, data)
    return true
  }

  #announce(session: Session, leader: Leader): void {
    this.#post(session, {
      t: 'leader',
      tab: session.tab,
      epoch: this.#epoch,
      state: leader.conn.state,
      url: leader.conn.url,
      protocol: leader.conn.protocol,
      extensions: leader.conn.extensions,
    })
  }

  /** What the leader does with a message from another tab. */
  #serve(session: Session, leader: Leader, message: Wire): void {
    if (message.t === 'who') this.#announce(session, leader)
    else if (message.t === 'send' && message.to === session.tab)
      leader.send(message.tab, message.seq, message.data)
    else if (message.t === 'reconnect' && message.to === session.tab) leader.conn.reconnect()
  }

  // ---- following ---------------------------------------------------------------

  #receive(session: Session, message: Wire): void {
    if (this.#session !== session) return
    if (this.#leader) {
      this.#serve(session, this.#leader, message)
      return
    }
    const fromLeader = message.tab === this.#leaderTab
    switch (message.t) {
      case 'leader':
        // A late announcement of a leader that is already gone has a lower epoch.
        if (!fromLeader && message.epoch > this.#epoch) this.#follow(session, message)
        return
      case 'event':
        if (fromLeader) this.#applyEvent(message.event)
        return
      case 'done':
        if (fromLeader && message.to === session.tab) this.#outbox.confirm(message.seq)
        return
      case 'drop':
        if (fromLeader && message.to === session.tab)
          this.#outbox.refused(message.seq, message.reason)
        return
    }
  }

  #follow(session: Session, hello: Extract<Wire, { t: 'leader' }>): void {
    this.#handOff()
    this.#leaderTab = hello.tab
    this.#epoch = hello.epoch
    this.#lastUrl = hello.url
    this.#protocol = hello.protocol
    this.#extensions = hello.extensions
    this.view.emit('leaderchange', { leader: false })
    this.view.setState(hello.state, 'leader.elected')
    if (isOpen(hello.state)) this.view.emit('open', { url: hello.url })
    for (const data of this.#outbox.takeWaiting()) this.#handOver(session, hello.tab, data)
  }

  /**
   * A new leader replaces the one this tab knew: that socket is gone (as for a
   * single tab whose socket closed, the view goes back to connecting), and what
   * was handed to it unconfirmed may or may not have reached the server.
   */
  #handOff(): void {
    if (this.#leaderTab === null) return
    const had = this.view.state
    this.view.setState('connecting', 'leader.gone')
    if (carriesSocket(had)) {
      this.view.emit('close', {
        code: 1001,
        reason: '',
        wasClean: false,
        cause: 'leader-gone',
        willReconnect: true,
      })
    }
    this.#outbox.lose('handoff')
  }

  #handOver(session: Session, to: string, data: SendData): void {
    const seq = this.#outbox.handOver(data)
    this.#post(session, { t: 'send', tab: session.tab, to, seq, data })
  }

  #post(session: Session, message: Wire): void {
    session.channel?.postMessage(message)
  }

  /** An event of the leader's connection, fired in this tab. */
  #applyEvent(event: RelayedEvent, original?: unknown): void {
    if (event.type === 'open') {
      this.#lastUrl = event.url
      this.#protocol = event.protocol
      this.#extensions = event.extensions
    }
    this.view.apply(event, original)
  }
}
