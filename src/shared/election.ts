/**
 * A tab joining the others: its channel, its tab lock, then its place in the
 * queue for the leader lock. Web Locks grants an exclusive lock to one holder
 * at a time, in request order, and releases it when the holder's page goes
 * (closed, crashed or discarded), so the election needs no timer.
 */
import type { LockManagerLike } from './membership.js'
import type { Names, Wire } from './protocol.js'

/** One attachment of a view to the tabs: replaced by `reconnect()` after `close()`. */
export interface Session {
  tab: string
  abort: AbortController
  channel: BroadcastChannel | null
  releaseTab: (() => void) | null
  releaseLeader: (() => void) | null
}

export function newTabId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return c?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

export function newSession(tab: string = newTabId()): Session {
  return {
    tab,
    abort: new AbortController(),
    channel: null,
    releaseTab: null,
    releaseLeader: null,
  }
}

export interface Candidate {
  /** Still the view's current session (a closed view ignores late grants). */
  current(): boolean
  receive(message: Wire): void
  /** Granted the leader lock: takes the socket; false lets the lock go at once. */
  lead(): boolean
}

export function join(locks: LockManagerLike, names: Names, session: Session, tab: Candidate) {
  const channel = new BroadcastChannel(names.channel)
  session.channel = channel
  channel.onmessage = (event: MessageEvent) => tab.receive(event.data as Wire)
  const { signal } = session.abort
  const ignoreAbort = () => undefined
  // The tab lock first: a leader waiting for the last tab to leave watches
  // that lock, so it must be held before this tab says it is here.
  locks
    .request(names.tabPrefix + session.tab, { signal }, () => {
      if (!tab.current()) return
      channel.postMessage({ t: 'who', tab: session.tab } satisfies Wire)
      locks
        .request(names.leader, { signal }, () => {
          if (!tab.current() || !tab.lead()) return
          // Held for as long as this tab leads.
          return new Promise<void>((release) => {
            session.releaseLeader = release
          })
        })
        .catch(ignoreAbort)
      return new Promise<void>((release) => {
        session.releaseTab = release
      })
    })
    .catch(ignoreAbort)
}
