/**
 * The messages tabs exchange over the `BroadcastChannel`, documented in
 * docs/shared-tabs.md precisely enough to re-implement. Every message names the
 * tab that posted it (`tab`); messages meant for one tab name it in `to`.
 */
import type { CloseCause, ConnectionStateName, SendData, StateChangeCause } from '../index.js'
import type { HandedSession } from '../layer.js'
import type { SharedDropReason } from './events.js'

/**
 * The protocol's version, part of the lock and channel names: tabs running two
 * versions of heartline (an old tab next to a freshly deployed one) never share.
 */
export const PROTOCOL_VERSION = 2

/** What the leader replays to the other tabs: the events its connection fired. */
export type RelayedEvent =
  | {
      type: 'statechange'
      from: ConnectionStateName
      to: ConnectionStateName
      event: StateChangeCause
    }
  | { type: 'open'; url: string; protocol: string; extensions: string }
  | {
      type: 'close'
      code: number
      reason: string
      wasClean: boolean
      cause: CloseCause
      willReconnect: boolean
    }
  | { type: 'error'; message: string }
  | { type: 'reconnecting'; attempt: number; delay: number }
  | { type: 'gave-up'; attempts: number }
  | { type: 'message'; data: unknown }

export type Wire =
  /** A tab that just joined asks who leads; the leader answers with `leader`. */
  | { t: 'who'; tab: string }
  /**
   * The leader's announcement, on election and in answer to `who`. `epoch` grows
   * with every election, so a late announcement of a leader that is gone is ignored.
   */
  | {
      t: 'leader'
      tab: string
      epoch: number
      state: ConnectionStateName
      url: string
      protocol: string
      extensions: string
      /** With resume: the session this leader carries on (id, last server seq received), else null. */
      session: HandedSession | null
    }
  /**
   * With resume, a relayed `message` carries its session (`sid`) and server seq
   * (`seq`): a tab delivers each seq once, whichever leader relayed it.
   */
  | { t: 'event'; tab: string; event: RelayedEvent; sid?: string; seq?: number }
  /** A follower's message for the socket, numbered per follower from 1. */
  | { t: 'send'; tab: string; to: string; seq: number; data: SendData }
  | { t: 'reconnect'; tab: string; to: string }
  /**
   * Without resume: the follower's messages up to `seq` were written to the
   * socket (or reported by `drop`). With resume: they were numbered in the
   * session, `at` pairing each follower seq with its session seq; they stay with
   * the follower until the server acknowledges them (`session`).
   */
  | { t: 'done'; tab: string; to: string; seq: number; at?: Array<[number, number]> }
  /** With resume: the leader's session id and the server's ack (session seqs up to `acknowledged` arrived). */
  | { t: 'session'; tab: string; id: string; acknowledged: number }
  /**
   * With resume: the leader's connection resumed the handed session (`ack`: the
   * server had every session seq up to it), or the server started a new one
   * (`ack` 0). Held messages go out again now.
   */
  | { t: 'resumed'; tab: string; id: string; ack: number }
  /** The follower's message `seq` will not be sent. */
  | { t: 'drop'; tab: string; to: string; seq: number; reason: SharedDropReason }

/** Lock and channel names for one shared connection name. */
export function namesFor(name: string) {
  const base = `heartline/shared/${PROTOCOL_VERSION}:${name}`
  return {
    channel: base,
    leader: `${base}:leader`,
    tabPrefix: `${base}:tab:`,
  }
}
export type Names = ReturnType<typeof namesFor>
