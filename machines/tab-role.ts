/**
 * A tab's role among the tabs sharing one socket (heartline/shared), as a chart.
 * Pure: no I/O, no globals, no clocks. The chart decides which role the tab
 * holds and what a change of leader means for this tab's view; the shared layer
 * (src/shared/tab-link.ts) provides the actions and the `election` actor
 * through `machine.provide()`:
 *
 * - `election`, invoked while the tab is `joined`, is the I/O: it opens the
 *   channel, requests the Web Locks and reports what it learns as
 *   `leader.elected` (this tab was granted the leader lock, or another tab
 *   announced itself); told `lead`, it opens the socket. Leaving `joined` stops
 *   it, which lets go of the locks (a leader's socket stays up for the other
 *   tabs until the last one leaves).
 * - the actions act on the view and on the leader's connection.
 *
 * States: `detached` (no view: before the first join, after `close()`),
 * `electing` (joined, no leader known), `leader` (this tab holds the socket),
 * `follower` (another tab does), `handingOff` (a new leader resumes the
 * session of the one that went: this tab's unconfirmed messages wait for the
 * resumed session, then go out again under it).
 */
import { and, assign, type EventObject, fromCallback, raise, sendTo, setup } from 'xstate'

/** A resume session handed from one leader to the next: its id and the last server seq received. */
export interface HandedSession {
  id: string
  received: number
}

export interface TabRoleInput {
  /** Whether the leader's connection resumes sessions (heartline/resume). */
  resume: boolean
}

export interface TabRoleContext extends TabRoleInput {
  /** This tab's id in the current join (null while detached). */
  self: string | null
  /** The tab leading, as last elected (this tab's own id when it leads). */
  leaderTab: string | null
  /** The leader's election epoch: a later announcement of a gone leader has a lower one. */
  epoch: number
}

export type TabRoleEvent =
  /** The application (re)joins the tabs, as this tab id. */
  | { type: 'app.reconnect'; tab: string }
  /** The application closed this tab's view. */
  | { type: 'app.close' }
  /**
   * A leader became known: this tab (`tab` is its own id: granted the leader
   * lock) or another tab's announcement. `session`: the resume session the new
   * leader carries on, null when none.
   */
  | { type: 'leader.elected'; tab: string; epoch: number; session: HandedSession | null }
  /** The leader this tab knew is gone (raised by the chart when another replaces it). */
  | { type: 'leader.gone' }
  /** This tab was elected but could not open its connection. */
  | { type: 'leader.failed' }
  /** The new leader's connection resumed the handed session: held messages may go out again. */
  | { type: 'session.resumed' }

export const TAB_ROLE_STATES = ['detached', 'electing', 'follower', 'handingOff', 'leader'] as const
export type TabRoleStateName = (typeof TAB_ROLE_STATES)[number]

type Elected = Extract<TabRoleEvent, { type: 'leader.elected' }>

/** Stands in until the shared layer provides the real election. */
const inertElection = fromCallback<EventObject, { tab: string }>(() => undefined)

export const tabRoleMachine = setup({
  types: {
    context: {} as TabRoleContext,
    events: {} as TabRoleEvent,
    input: {} as TabRoleInput,
  },
  actors: { election: inertElection },
  guards: {
    /** The election is this tab's own: it was granted the leader lock. */
    isSelf: ({ context, event }) => (event as Elected).tab === context.self,
    /**
     * Another tab's announcement that is news: a later election than the one
     * known (a late announcement of a leader already gone has a lower epoch).
     */
    isNewer: ({ context, event }) => {
      const e = event as Elected
      return e.tab !== context.self && e.epoch > context.epoch
    },
    /** A leader other than the one known: this tab's own election, or a newer one. */
    replacesLeader: ({ context, event }) => {
      const e = event as Elected
      return e.tab !== context.leaderTab && (e.tab === context.self || e.epoch > context.epoch)
    },
    /** The new leader carries a resume session on: what was unconfirmed waits for it. */
    resumeOn: ({ context }) => context.resume,
    /** The new leader carries no session on: nothing to resume, held messages go out at once. */
    noSession: ({ event }) => (event as Elected).session === null,
    leaderKnown: ({ context }) => context.leaderTab !== null,
    leadsItself: ({ context }) => context.leaderTab !== null && context.leaderTab === context.self,
  },
  actions: {
    forgetLeader: assign({ leaderTab: null }),
    recordLeader: assign(({ event }) => {
      const e = event as Elected
      return { leaderTab: e.tab, epoch: e.epoch }
    }),
    /**
     * Asks the election actor (the tab's I/O) to open the socket in this tab,
     * carrying on the session the election handed over, and to announce it.
     */
    lead: sendTo('election', ({ event }) => {
      const e = event as Elected
      return { type: 'lead', epoch: e.epoch, session: e.session }
    }),
    /** Follows the announced leader's connection. */
    follow: () => undefined,
    /** The view sees its socket replaced; unconfirmed messages are held (resume) or dropped. */
    leaderGone: () => undefined,
    // Told to the election actor too, so they reach it in order after `lead`.
    /** Held messages go out again under the resumed session. */
    resend: sendTo('election', { type: 'resend' }),
    /** Messages that waited for a leader go to it, in order. */
    flushWaiting: sendTo('election', { type: 'flush' }),
    /** The view is closed (the socket stays with the other tabs). */
    closeView: () => undefined,
    /** The view is closed because this tab could not open its connection. */
    failView: () => undefined,
  },
}).createMachine({
  id: 'tab',
  context: ({ input }) => ({ ...input, self: null, leaderTab: null, epoch: 0 }),
  initial: 'detached',
  states: {
    detached: {
      on: {
        'app.reconnect': {
          target: 'joined',
          actions: assign(({ event }) => ({ self: event.tab, leaderTab: null, epoch: 0 })),
        },
      },
    },
    joined: {
      invoke: {
        id: 'election',
        src: 'election',
        input: ({ context }) => ({ tab: context.self as string }),
      },
      on: {
        'app.close': { target: 'detached', actions: 'closeView' },
        'leader.failed': { target: 'detached', actions: 'failView' },
      },
      initial: 'electing',
      states: {
        electing: {
          on: {
            'leader.elected': [
              { guard: 'isSelf', target: 'leader', actions: ['recordLeader', 'lead'] },
              { guard: 'isNewer', target: 'follower', actions: ['recordLeader', 'follow'] },
            ],
          },
        },
        follower: {
          entry: 'flushWaiting',
          on: {
            // Two facts, in order: the leader known is gone, then who leads now.
            'leader.elected': {
              guard: 'replacesLeader',
              actions: [raise({ type: 'leader.gone' }), raise(({ event }) => event)],
            },
            'leader.gone': [
              { guard: 'resumeOn', target: 'handingOff', actions: ['forgetLeader', 'leaderGone'] },
              { target: 'electing', actions: ['forgetLeader', 'leaderGone'] },
            ],
          },
        },
        handingOff: {
          on: {
            'leader.elected': [
              {
                guard: and(['leaderKnown', 'replacesLeader']),
                // The new leader went too before it resumed.
                actions: [raise({ type: 'leader.gone' }), raise(({ event }) => event)],
              },
              {
                guard: and(['isSelf', 'noSession']),
                actions: ['recordLeader', 'lead', raise({ type: 'session.resumed' })],
              },
              { guard: 'isSelf', actions: ['recordLeader', 'lead'] },
              {
                guard: and(['isNewer', 'noSession']),
                actions: ['recordLeader', 'follow', raise({ type: 'session.resumed' })],
              },
              { guard: 'isNewer', actions: ['recordLeader', 'follow'] },
            ],
            'leader.gone': { actions: ['forgetLeader', 'leaderGone'] },
            'session.resumed': [
              { guard: 'leadsItself', target: 'leader', actions: 'resend' },
              { guard: 'leaderKnown', target: 'follower', actions: 'resend' },
            ],
          },
        },
        leader: { entry: 'flushWaiting' },
      },
    },
  },
})

/** The role's state name in a snapshot's value. */
export function tabRoleOf(value: unknown): TabRoleStateName {
  if (typeof value === 'string') return value as TabRoleStateName
  return (value as { joined: TabRoleStateName }).joined
}
