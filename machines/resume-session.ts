/**
 * The phases of a resume session on one connection (docs/resume-protocol.md),
 * as a chart. Pure: no I/O, no globals, no clocks; the welcome's deadline is a
 * delayed transition with a named delay, so the connection's clock (real or
 * simulated) drives it and an inspector can show it.
 *
 * On every socket the client says hello and waits for the welcome; the welcome
 * starts a session (`ready.started`), continues it (`ready.resumed`) or replaces
 * one the server no longer had (`ready.reset`). A socket that ends, or breaks
 * the protocol, takes the session back to `down` until the next socket.
 *
 * Messages do not pass through the chart (one event per message would cost more
 * than the message): the layer (src/resume/client.ts) reads the `ready` tag on
 * its hot path. What a decision needs from outside arrives in the event: the
 * welcome carries the client's check of it (`problem`), made against counts the
 * chart does not hold. The chart answers with emitted events, which the layer
 * turns into frames, replays and application events.
 */
import { assign, emit, setup } from 'xstate'

export interface ResumeSessionInput {
  /** Milliseconds from a socket's open to the server's welcome. */
  welcomeTimeout: number
  /**
   * A session to resume on the first socket (its id, for a session handed over
   * from elsewhere); null or absent starts a new one.
   */
  session?: string | null
}

export interface ResumeSessionContext {
  /** The session the hello names: null before the first welcome and after the connection closed. */
  session: string | null
  welcomeTimeout: number
  /** This socket's welcome was taken: its acks count (bounded by the last seq sent), also while it closes. */
  welcomed: boolean
}

/** The fields of a welcome the chart and the layer act on (checked before they arrive). */
export interface WelcomeFields {
  sid: string
  ack: number
  resumed: boolean
  replay?: number
  reset?: { lost: number | null }
}

export type ResumeSessionEvent =
  /** A socket opened: the hello goes out. */
  | { type: 'socket.opened' }
  /** The socket that opened last ended. */
  | { type: 'socket.ended' }
  /**
   * A welcome arrived. `problem`: why the client cannot take it (its checks,
   * docs/resume-protocol.md "What the client checks"), or null when it can.
   */
  | { type: 'welcome'; welcome: unknown; problem: string | null }
  /** A frame broke the protocol. */
  | { type: 'protocol.error'; reason: string }
  /** The connection closed for good: the session is over. */
  | { type: 'connection.closed' }

export type ResumeSessionEmitted =
  /** Write the hello, naming `session` (or none). */
  | { type: 'hello'; session: string | null }
  /** A new session: send what the application sent before it. */
  | { type: 'started'; welcome: WelcomeFields }
  /** The session continued: drop what the server acknowledged, replay the rest. */
  | { type: 'resumed'; welcome: WelcomeFields }
  /** The server no longer had `previous`: a new session, both directions from seq 1. */
  | { type: 'reset'; welcome: WelcomeFields; previous: string }
  /** The protocol broke; `end`: close the socket (false when it is down already). */
  | { type: 'protocol-error'; reason: string; end: boolean }

/** The chart's state names, leaves of `ready` included. */
export type ResumeSessionStateName =
  | 'down'
  | 'hello'
  | 'ready'
  | 'ready.started'
  | 'ready.resumed'
  | 'ready.reset'

const welcomeOf = (event: ResumeSessionEvent): WelcomeFields =>
  (event as { welcome: WelcomeFields }).welcome

export const resumeSessionMachine = setup({
  types: {
    context: {} as ResumeSessionContext,
    events: {} as ResumeSessionEvent,
    input: {} as ResumeSessionInput,
    emitted: {} as ResumeSessionEmitted,
  },
  delays: {
    welcomeTimeout: ({ context }) => context.welcomeTimeout,
  },
  guards: {
    welcomeRefused: ({ event }) => event.type === 'welcome' && event.problem !== null,
    welcomeResumes: ({ event }) => welcomeOf(event).resumed,
    firstSession: ({ context }) => context.session === null,
  },
  actions: {
    sayHello: emit(({ context }) => ({ type: 'hello', session: context.session }) as const),
    forgetWelcome: assign({ welcomed: false }),
    takeWelcome: assign(({ event }) => ({ session: welcomeOf(event).sid, welcomed: true })),
    forgetSession: assign({ session: null }),
    announceStarted: emit(({ event }) => ({ type: 'started', welcome: welcomeOf(event) }) as const),
    announceResumed: emit(({ event }) => ({ type: 'resumed', welcome: welcomeOf(event) }) as const),
    /** Before takeWelcome: the context still names the session that was lost (firstSession failed, so there is one). */
    announceReset: emit(
      ({ context, event }) =>
        ({
          type: 'reset',
          welcome: welcomeOf(event),
          previous: context.session as string,
        }) as const,
    ),
    refuseWelcome: emit(
      ({ event }) =>
        ({
          type: 'protocol-error',
          reason: (event as { problem: string }).problem,
          end: true,
        }) as const,
    ),
    reportError: emit(
      ({ event }, params: { end: boolean }) =>
        ({
          type: 'protocol-error',
          reason: event.type === 'protocol.error' ? event.reason : 'unexpected welcome',
          end: params.end,
        }) as const,
    ),
    reportNoWelcome: emit({ type: 'protocol-error', reason: 'no welcome', end: true } as const),
  },
}).createMachine({
  id: 'resumeSession',
  context: ({ input }) => ({
    session: input.session ?? null,
    welcomeTimeout: input.welcomeTimeout,
    welcomed: false,
  }),
  initial: 'down',
  // Every transition belongs to a state (none to the root), so each is drawn from its state.
  states: {
    down: {
      on: {
        'socket.opened': 'hello',
        'connection.closed': { actions: 'forgetSession' },
        // A frame of a socket that broke already: reported; no socket is left to end.
        'protocol.error': { actions: { type: 'reportError', params: { end: false } } },
        welcome: { actions: { type: 'reportError', params: { end: false } } },
      },
    },
    hello: {
      entry: ['forgetWelcome', 'sayHello'],
      after: {
        welcomeTimeout: { target: 'down', actions: 'reportNoWelcome' },
      },
      on: {
        'socket.opened': { target: 'hello', reenter: true },
        'socket.ended': 'down',
        'connection.closed': { target: 'down', actions: 'forgetSession' },
        'protocol.error': {
          target: 'down',
          actions: { type: 'reportError', params: { end: true } },
        },
        welcome: [
          { guard: 'welcomeRefused', target: 'down', actions: 'refuseWelcome' },
          {
            guard: 'welcomeResumes',
            target: 'ready.resumed',
            actions: ['takeWelcome', 'announceResumed'],
          },
          {
            guard: 'firstSession',
            target: 'ready.started',
            actions: ['takeWelcome', 'announceStarted'],
          },
          { target: 'ready.reset', actions: ['announceReset', 'takeWelcome'] },
        ],
      },
    },
    ready: {
      tags: ['ready'],
      initial: 'started',
      states: {
        started: {},
        resumed: {},
        reset: {},
      },
      on: {
        'socket.opened': 'hello',
        'socket.ended': 'down',
        'connection.closed': { target: 'down', actions: 'forgetSession' },
        'protocol.error': {
          target: 'down',
          actions: { type: 'reportError', params: { end: true } },
        },
        welcome: { target: 'down', actions: { type: 'reportError', params: { end: true } } },
      },
    },
  },
})

/** The state name of a snapshot's value (`ready.resumed` for `{ ready: 'resumed' }`). */
export function resumeStateNameOf(value: unknown): ResumeSessionStateName {
  if (typeof value === 'string') return value as ResumeSessionStateName
  const ready = (value as { ready?: string }).ready
  return `ready.${ready}` as ResumeSessionStateName
}
