/**
 * Where a server keeps its resumable sessions: sequence numbers, the messages
 * the client has not acknowledged, and who owns each session. `memoryStore`
 * keeps them in the process; `redisStore` (heartline/server/redis) in Redis, so
 * any process of a fleet can continue a session.
 *
 * Ownership is fenced: every `create` and `claim` returns a new epoch, and a
 * call made with an older epoch changes nothing and reports that the session
 * moved (null or false), so a process that lost a session never writes to it.
 *
 * A session the store does not hold, one answer in every store:
 * - it ended by the rules (`expire`, `remove`, or its ttl running out in the
 *   store) less than a ttl ago: writes report that the caller lost it (null or
 *   false, as for a move) and `touch` resolves. Ending is normal: the process
 *   still holding it ends it as moved, with no error;
 * - the store has no trace of it (never had it; or lost it, as Redis restarted
 *   empty or flushed): writes and `touch` reject with an error naming the
 *   session. The server closes the socket with 1011 and drops with
 *   `store-failed`: the store failed, and the application hears of it;
 * - either way `claim` returns `{ lost }`, `committed` 0, `remove` resolves,
 *   and `expire` returns true (nothing is left to hold; it never rejects for
 *   a missing session, so the caller's session always ends).
 */

/** A server → client message kept until the client acknowledges it. */
export interface StoredMessage {
  seq: number
  /** A string for a text message, a Buffer for a binary one. */
  data: string | Buffer
}

/** What the new owner of a session learns. */
export interface ClaimedSession {
  /** The ownership token: pass it to every later call. */
  epoch: number
  /** Last client seq committed (handed to the application and recorded). */
  in: number
  /** Last client seq handed to an application (≥ `in`): `(in, mark]` may have been handed before. */
  mark: number
  /** Last server seq assigned. */
  out: number
  /** Server messages after the client's acknowledgement, oldest first. */
  replay: StoredMessage[]
}

/**
 * What `claim` returns for a session the store no longer has, or cannot resume
 * for this client (`behind`).
 */
export interface MissingSession {
  /** Server messages the client never received, when a record of them survived; else null. */
  lost: number | null
  /**
   * True when the session is there but the client's `ack` is below what the
   * session already saw acknowledged (someone else acknowledged for it): the
   * messages in between are gone, so it cannot resume. The session is left as it was.
   */
  behind?: boolean
}

export interface SessionStore {
  /** Milliseconds a session without a socket is kept. */
  readonly ttl: number
  /** Creates a session (the id is chosen by the caller, unguessable). */
  create(id: string): Promise<ClaimedSession>
  /**
   * Takes over a session whose client received every server message up to
   * `ack` (those are dropped from the store). An `ack` beyond the last seq
   * changes nothing and returns `out: -1`; an `ack` below the last acknowledged
   * seq changes nothing and returns `{ lost, behind: true }`.
   */
  claim(id: string, ack: number): Promise<ClaimedSession | MissingSession>
  /**
   * Numbers and keeps server messages, in order, atomically with the numbering.
   * Returns each one's seq (0 for a message refused because the session's
   * `maxBytes` is full), or null when `epoch` no longer owns the session (or it
   * ended); rejects when the store has no trace of it. A session has one append
   * in flight at a time.
   */
  append(id: string, epoch: number, messages: Array<string | Buffer>): Promise<number[] | null>
  /** Client messages up to `seq` are about to be handed to the application. */
  received(id: string, epoch: number, seq: number): Promise<boolean>
  /**
   * Client messages up to `seq` were handed to the application (what acks may
   * cover). Recorded even when `epoch` lost the session (it is a fact the next
   * owner needs), never beyond `mark`; returns whether `epoch` still owns it.
   */
  commit(id: string, epoch: number, seq: number): Promise<boolean>
  /** The last client seq recorded as handed to an application (`in`), 0 when the session is gone. */
  committed(id: string): Promise<number>
  /** The client acknowledged server messages up to `seq`: they are dropped. */
  acked(id: string, epoch: number, seq: number): Promise<boolean>
  /**
   * Restarts the ttl (when the socket ends, and on a timer while it is attached).
   * Resolves for a stale epoch or an ended session; rejects when the store has no trace of it.
   */
  touch(id: string, epoch: number): Promise<void>
  /**
   * The ttl ran out: the session is removed, and a record of what it lost kept
   * for another ttl. False when `epoch` no longer owned it (it moved); true
   * when the session is not there (ended already, or no trace).
   */
  expire(id: string, epoch: number): Promise<boolean>
  /** The application closed the session: removed; only that it ended is kept, for one ttl. */
  remove(id: string, epoch: number): Promise<void>
}

/** Options every store takes. */
export interface StoreOptions {
  /**
   * Milliseconds a session without a socket is kept before it expires (the
   * client then gets a `reset`). Finite, > 0.
   * @default 120000
   */
  ttl?: number
  /**
   * The most bytes of unacknowledged server messages kept per session: each
   * message counts its payload (UTF-8 bytes for text) plus `MESSAGE_OVERHEAD`
   * (64), so empty messages count too. A `send()` past it is refused (`drop`,
   * reason `buffer-full`). Whole number ≥ 1.
   * @default 1048576
   */
  maxBytes?: number
}

export function resolveStoreOptions(
  where: string,
  options: StoreOptions = {},
): { ttl: number; maxBytes: number } {
  const ttl = options.ttl ?? 120_000
  const maxBytes = options.maxBytes ?? 1_048_576
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError(
      `${where}: \`ttl\` must be a finite number of milliseconds > 0; got ${String(ttl)}.`,
    )
  }
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(
      `${where}: \`maxBytes\` must be a whole number ≥ 1; got ${String(maxBytes)}.`,
    )
  }
  return { ttl, maxBytes }
}
