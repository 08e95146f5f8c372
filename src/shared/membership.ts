/**
 * Which tabs still use a shared connection, learnt from the Web Locks API alone:
 * every tab holds a lock of its own (`<name>:tab:<id>`) while its view is open,
 * and the browser releases it when the tab closes, crashes or is discarded. A
 * request for that lock is therefore granted exactly when the tab lets go: no
 * timer, no heartbeat between tabs.
 */
import type { Session } from './election.js'
import type { Leader } from './leader.js'
import type { Wire } from './protocol.js'

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; signal?: AbortSignal; ifAvailable?: boolean },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>
  query(): Promise<{ held?: Array<{ name?: string }>; pending?: Array<{ name?: string }> }>
}

export class Membership {
  readonly #watched = new Set<string>()
  readonly #abort = new AbortController()
  #onEmpty: (() => void) | null = null

  constructor(
    readonly locks: LockManagerLike,
    readonly prefix: string,
    readonly ownLock: string,
  ) {}

  /** Calls `onEmpty` once no other tab holds a tab lock (checked at once, then on every leave). */
  async whenEmpty(onEmpty: () => void): Promise<void> {
    this.#onEmpty = onEmpty
    const { held = [] } = await this.locks.query()
    for (const lock of held) {
      if (lock.name?.startsWith(this.prefix) && lock.name !== this.ownLock) this.watch(lock.name)
    }
    this.#check()
  }

  /** Follows one more tab (one that announced itself after the query). */
  watch(lockName: string): void {
    if (this.#watched.has(lockName) || lockName === this.ownLock) return
    this.#watched.add(lockName)
    this.locks
      .request(lockName, { signal: this.#abort.signal }, () => {
        // Granted: that tab let go. Returning releases the lock at once.
        this.#watched.delete(lockName)
        this.#check()
      })
      .catch(() => undefined)
  }

  stop(): void {
    this.#onEmpty = null
    this.#abort.abort()
  }

  #check(): void {
    if (this.#watched.size > 0 || this.#onEmpty === null) return
    const done = this.#onEmpty
    this.#onEmpty = null
    done()
  }
}

/**
 * A leader whose own view closed keeps relaying (`serve`) while any other tab
 * is left, then closes the socket and calls `finish` once it is closed.
 */
export function serveUntilAlone(
  locks: LockManagerLike,
  prefix: string,
  tab: string,
  leader: Leader,
  channel: BroadcastChannel | null,
  hooks: { serve(message: Wire): void; finish(): void },
): void {
  const membership = new Membership(locks, prefix, prefix + tab)
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const message = event.data as Wire
      if (message.t === 'who') membership.watch(prefix + message.tab)
      hooks.serve(message)
    }
  }
  void membership.whenEmpty(() => {
    leader.conn.close()
    if (leader.conn.state === 'closed') {
      hooks.finish()
      return
    }
    const unsubscribe = leader.conn.subscribe((e) => {
      if (e.to !== 'closed') return
      unsubscribe()
      hooks.finish()
    })
  })
}

/**
 * A view lets go of the tabs: its tab lock, and its channel, unless it leads:
 * then it keeps relaying (`serve`) until no other tab is left (headless).
 */
export function leaveTabs(
  locks: LockManagerLike | null,
  prefix: string,
  session: Session,
  leader: Leader | null,
  serve: (message: Wire) => void,
): void {
  session.abort.abort()
  session.releaseTab?.()
  if (leader === null || locks === null) {
    session.channel?.close()
    return
  }
  const channel = session.channel
  serveUntilAlone(locks, prefix, session.tab, leader, channel, {
    serve,
    finish: () => {
      // Events still coming from the closing connection post to nothing.
      session.channel = null
      channel?.close()
      session.releaseLeader?.()
    },
  })
}
