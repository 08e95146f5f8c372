/**
 * One tab's link to the shared socket. Its role (electing, leader, follower,
 * handing off) is the chart machines/tab-role.ts; this file provides the chart's
 * I/O: the `election` actor (channel and Web Locks, election.ts), the leader's
 * socket (leader.ts) and the follower's outbox; what the chart's actions do to
 * the view is view-actions.ts (what it fires: view-events.ts). The public surface is shared-connection.ts.
 */

import { type Actor, createActor, type EventObject, fromCallback } from 'xstate'
import { type TabRoleEvent, tabRoleMachine, tabRoleOf } from '../../machines/tab-role.js'
import {
  type Connection,
  type ConnectionOptions,
  checkClose,
  type SendData,
  type UrlProvider,
} from '../index.js'
import type { HandedSession } from '../layer.js'
import { join, newSession, newTabId, type Session } from './election.js'
import { receiveAsFollower } from './following.js'
import { Heard } from './heard.js'
import { Leader, type LocalView } from './leader.js'
import { type LockManagerLike, leaveTabs } from './membership.js'
import { Outbox } from './outbox.js'
import type { Names, RelayedEvent, Wire } from './protocol.js'
import { closeView, failView, followLeader, loseLeader } from './view-actions.js'
import type { ViewEvents } from './view-events.js'

type Hello = Extract<Wire, { t: 'leader' }>
type Send = (event: TabRoleEvent) => void
/** What the chart tells the election actor when this tab is to lead. */
type Lead = { type: 'lead'; epoch: number; session: HandedSession | null }
type Command = Lead | { type: 'resend' } | { type: 'flush' }

export class TabLink {
  readonly #outbox: Outbox
  readonly #role: Actor<typeof tabRoleMachine>
  /** The channel and locks of the current join, held by the election actor. */
  #session: Session | null = null
  /** The socket, while this tab holds it. */
  #leader: Leader | null = null
  /** The announcement being followed (what `follow` applies). */
  #hello: Hello | null = null
  /** With resume: the ack the next leader resumed at (what `resend` leaves out). */
  #resumedAt = 0
  #closeWith: { code: number; reason: string } = { code: 1000, reason: '' }
  #failure: unknown = null
  /** The leader's socket as last heard (and its session, handed to this tab's socket if it leads next). */
  readonly #heard: Heard

  /** `binaryType`: the value the view was given, applied whenever this tab takes the socket. */
  constructor(
    readonly url: UrlProvider,
    readonly options: ConnectionOptions,
    readonly names: Names,
    readonly locks: LockManagerLike | null,
    readonly view: ViewEvents,
    readonly binaryType: () => string | undefined,
  ) {
    this.#heard = new Heard(typeof url === 'function' ? '' : String(url))
    this.#outbox = new Outbox(options.queue, (data, reason) =>
      this.view.emit('drop', { data, reason }),
    )
    const machine = tabRoleMachine.provide({
      actors: {
        election: fromCallback<EventObject, { tab: string }>(({ input, sendBack, receive }) => {
          receive((event) => this.#command(event as Command))
          return this.#elect(input.tab, sendBack)
        }),
      },
      actions: {
        follow: () => followLeader(this.view, this.#heard, this.#hello as Hello),
        leaderGone: () => loseLeader(this.view, this.#outbox, options.resume !== undefined),
        closeView: () => closeView(this.view, this.#outbox, this.#closeWith),
        failView: () => failView(this.view, this.#failure),
      },
    })
    this.#role = createActor(machine, { input: { resume: options.resume !== undefined } }).start()
  }

  /** The role chart (for an inspector). */
  get role(): Actor<typeof tabRoleMachine> {
    return this.#role
  }
  /** The leader's connection while this tab leads, else null. */
  get conn(): Connection | null {
    return this.#leads() ? (this.#leader?.conn ?? null) : null
  }
  /** The socket's URL, protocol and extensions as last heard from the leader. */
  get lastUrl(): string {
    return this.#heard.url
  }
  get protocol(): string {
    return this.#heard.protocol
  }
  get extensions(): string {
    return this.#heard.extensions
  }
  /** This tab's messages not yet confirmed (or still waiting for a leader). */
  get unconfirmed(): number {
    return this.#outbox.size
  }

  #leads(): boolean {
    const { context, value } = this.#role.getSnapshot()
    return value !== 'detached' && context.leaderTab !== null && context.leaderTab === context.self
  }

  send(data: SendData): boolean {
    const snapshot = this.#role.getSnapshot()
    const session = this.#session
    switch (tabRoleOf(snapshot.value)) {
      case 'detached':
        this.view.emit('drop', { data, reason: 'closed' })
        return false
      case 'leader':
        return (this.#leader as Leader).send(snapshot.context.self as string, 0, data)
      case 'follower':
        if (session) this.#handOver(session, snapshot.context.leaderTab as string, data)
        return true
      default:
        return this.#outbox.wait(data)
    }
  }

  close(code?: number, reason?: string): void {
    const checked = checkClose(code, reason)
    if (this.#role.getSnapshot().value === 'detached') return
    if (this.#session?.channel === null && this.#leader) {
      // No sharing: exactly a single-tab connection.
      this.#leader.conn.close(code, reason)
      return
    }
    this.#closeWith = { code: checked.code ?? 1000, reason: checked.reason ?? '' }
    this.#role.send({ type: 'app.close' })
  }

  reconnect(): void {
    const { context, value } = this.#role.getSnapshot()
    if (value === 'detached') this.attach()
    else if (this.#leads()) this.#leader?.conn.reconnect()
    else if (context.leaderTab !== null && this.#session)
      this.#post(this.#session, { t: 'reconnect', tab: this.#session.tab, to: context.leaderTab })
  }

  // ---- joining and leaving -----------------------------------------------------

  attach(): void {
    this.view.setState('connecting', 'app.reconnect')
    this.#role.send({ type: 'app.reconnect', tab: newTabId() })
  }

  /** What the chart tells the election actor, in order. */
  #command(command: Command): void {
    if (command.type === 'lead') this.#lead(command)
    else if (command.type === 'resend') this.#resend()
    else for (const data of this.#outbox.takeWaiting()) this.send(data)
  }

  /** The election actor: joins the tabs as `tab`; stopping it lets go of them. */
  #elect(tab: string, sendBack: Send): () => void {
    const session = newSession(tab)
    this.#session = session
    const elected = () => {
      const epoch = Math.max(Date.now(), this.#role.getSnapshot().context.epoch + 1)
      sendBack({ type: 'leader.elected', tab, epoch, session: this.#heard.session })
    }
    if (this.locks === null) elected()
    else {
      join(this.locks, this.names, session, {
        current: () => this.#session === session,
        receive: (message) => this.#receive(session, message, sendBack),
        lead: () => {
          elected()
          return this.#session === session && this.#leads()
        },
      })
    }
    return () => this.#leave(session)
  }

  /** Lets go of the tabs; a leader keeps the socket until no other tab is left. */
  #leave(session: Session): void {
    if (this.#session === session) this.#session = null
    const leader = this.#leader
    this.#leader = null
    leaveTabs(this.locks, this.names.tabPrefix, session, leader, (message) => {
      if (leader) this.#serve(session, leader, message)
    })
  }

  // ---- leading -----------------------------------------------------------------

  /** Takes the socket, carrying on the session `event` hands over; `leader.failed` when it cannot. */
  #lead(event: Lead): void {
    const session = this.#session as Session
    const view: LocalView = {
      apply: (e, original) => {
        if (this.#session === session) this.#applyEvent(e, original)
      },
      drop: (data, reason) => {
        if (this.#session === session) this.view.emit('drop', { data, reason })
      },
      resumed: (ack) => {
        this.#resumedAt = ack
        if (this.#session === session) this.#role.send({ type: 'session.resumed' })
      },
    }
    const options: ConnectionOptions = { ...this.options }
    const binaryType = this.binaryType()
    if (binaryType !== undefined) options.binaryType = binaryType as ConnectionOptions['binaryType']
    const post = (message: Wire) => this.#post(session, message)
    try {
      this.#leader = new Leader(session.tab, this.url, options, post, view, event.session)
    } catch (error) {
      // The options passed the check at creation, so the page changed under us
      // (a WebSocket global removed, say): say so, never fail silently.
      this.#failure = error
      this.#role.send({ type: 'leader.failed' })
      return
    }
    this.#announce(session, this.#leader, event.session)
    if (session.channel !== null) this.view.emit('leaderchange', { leader: true })
    this.view.setState(this.#leader.conn.state, 'leader.elected')
  }

  /** What the leader does with a message from another tab. */
  #serve(session: Session, leader: Leader, message: Wire): void {
    if (message.t === 'who') this.#announce(session, leader, this.#heard.session)
    else leader.serve(message)
  }

  #announce(session: Session, leader: Leader, carried: HandedSession | null): void {
    const { epoch } = this.#role.getSnapshot().context
    this.#post(session, leader.announcement(epoch, carried))
  }

  // ---- following ---------------------------------------------------------------

  #receive(session: Session, message: Wire, sendBack: Send): void {
    if (this.#session !== session) return
    if (this.#leads() && this.#leader) {
      this.#serve(session, this.#leader, message)
      return
    }
    receiveAsFollower(message, {
      tab: session.tab,
      leaderTab: this.#role.getSnapshot().context.leaderTab,
      heard: this.#heard,
      outbox: this.#outbox,
      elected: (hello) => {
        this.#hello = hello
        const { tab, epoch, session: carried } = hello
        sendBack({ type: 'leader.elected', tab, epoch, session: carried })
      },
      resumed: (ack) => {
        this.#resumedAt = ack
        sendBack({ type: 'session.resumed' })
      },
      apply: (event) => this.#applyEvent(event),
    })
  }

  /** The next leader resumed the session: held messages it does not hold go out again, in order. */
  #resend(): void {
    const { context } = this.#role.getSnapshot()
    const session = this.#session
    if (session === null || context.leaderTab === null) return
    for (const data of this.#outbox.takeUnconfirmed(this.#resumedAt)) {
      if (this.#leader && this.#leads()) this.#leader.send(session.tab, 0, data)
      else this.#handOver(session, context.leaderTab, data)
    }
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
      this.#heard.opened(event)
    }
    this.view.apply(event, original)
  }
}
