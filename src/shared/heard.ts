/**
 * What a tab last heard of the leader's socket: its URL, protocol and
 * extensions (from the announcement, then from each relayed `open`) and, with
 * resume, its session: the id and the last server seq this tab delivered. That
 * session is what this tab hands to its own socket if it leads next, and what
 * makes each relayed message reach the view once.
 */
import type { HandedSession } from '../layer.js'
import type { RelayedEvent, Wire } from './protocol.js'

export class Heard {
  url: string
  protocol = ''
  extensions = ''
  /** With resume: the leader's session as last heard; null before any. */
  session: HandedSession | null = null

  constructor(url: string) {
    this.url = url
  }

  /** The leader's announcement. */
  hello(hello: Extract<Wire, { t: 'leader' }>): void {
    if (hello.session) this.session = hello.session
    this.url = hello.url
    this.protocol = hello.protocol
    this.extensions = hello.extensions
  }

  /** A relayed `open`: the new socket's. */
  opened(event: Extract<RelayedEvent, { type: 'open' }>): void {
    this.url = event.url
    this.protocol = event.protocol
    this.extensions = event.extensions
  }

  /** The leader's session is `id` (the last seq received carries on within the same session). */
  sessionIs(id: string): void {
    this.session = { id, received: this.#receivedIn(id) }
  }

  /**
   * A relayed message numbered `seq` in session `sid`: true when the view
   * should deliver it. Each seq is delivered once, also when the gone leader's
   * last relays arrive after the next leader's replay of the same messages; from
   * a tab other than the leader followed, only the very next seq is taken.
   */
  take(sid: string, seq: number, fromLeader: boolean): boolean {
    const received = this.#receivedIn(sid)
    if (seq <= received || (!fromLeader && seq !== received + 1)) return false
    this.session = { id: sid, received: seq }
    return true
  }

  #receivedIn(id: string): number {
    return this.session?.id === id ? this.session.received : 0
  }
}
