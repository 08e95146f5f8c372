/**
 * The connection statechart. Pure: no I/O, no globals, no clocks. Every timer is a
 * delayed transition with a named delay computed from context, so XState's clock
 * (real or `SimulatedClock`) drives all of them and an inspector can show each one.
 *
 * The socket itself is the invoked actor `socket`. This file only names it: the
 * adapter in `src/` provides the real implementation through `machine.provide()`,
 * so no WebSocket (and no function) ever lands in context and snapshots stay
 * serialisable. Leaving `live` stops that actor, which removes its listeners: late
 * events of an abandoned socket cannot reach the chart.
 */
import { type ActorRefFrom, and, assign, emit, fromCallback, not, sendTo, setup } from 'xstate'

/** The six states an application sees. */
export const STATE_NAMES = [
  'connecting',
  'open',
  'awaitingPong',
  'closing',
  'waitingToReconnect',
  'closed',
] as const
export type ConnectionStateName = (typeof STATE_NAMES)[number]

/** Why a socket ended (or why `closing` was entered). */
export type CloseCause =
  | 'user'
  | 'server-close'
  | 'error'
  | 'heartbeat-timeout'
  | 'connect-timeout'
  | 'manual'
  | 'network'

/** Why a socket is being opened: the first one, or the cause that ended the previous one. */
export type AttemptReason = 'initial' | Exclude<CloseCause, 'user'>

export interface HeartbeatTimings {
  /** ms of inbound silence before a ping is sent. */
  interval: number
  /** ms to wait for any inbound message after a ping. */
  timeout: number
}

export interface BackoffPolicy {
  initialDelay: number
  maxDelay: number
  factor: number
  jitter: 'full' | 'none'
  maxAttempts: number
  stableAfter: number
}

/** What the chart needs to know, all of it numbers and strings. */
export interface ConnectionInput {
  heartbeat: HeartbeatTimings | false
  reconnect: BackoffPolicy | false
  connectTimeout: number
  closeTimeout: number
  /**
   * The adapter's handle for the connection this chart runs (a number, so the
   * context stays serialisable): one machine, provided once, serves every
   * connection and finds each one's socket, queue and policy by it. 0 by default.
   */
  owner?: number
}

export interface CloseInfo {
  code: number
  reason: string
  wasClean: boolean
  cause: CloseCause
}

export interface ConnectionContext extends ConnectionInput {
  /** Failed attempts since the last connection that stayed open for `stableAfter`. */
  attempt: number
  /** The delay of the pending (or last) reconnect, in ms. */
  retryDelay: number
  /** ms until the next silence check while `open`. */
  pingDelay: number
  /** Why the current socket is being closed; null while nobody asked. */
  closeCause: CloseCause | null
  /** The code and reason the application passed to `close()`. */
  closeRequest: { code: number; reason: string } | null
  /** The last socket end, as reported to the application. */
  lastClose: CloseInfo | null
  /** True once the application called `close()`: nothing reconnects after it. */
  closedByUser: boolean
  /** True when the last stop was because `maxAttempts` ran out. */
  gaveUp: boolean
  /** Why the next (or current) socket is opened. */
  attemptReason: AttemptReason
  /** False between a `network.offline` and the next `network.online`: no attempt starts then. */
  online: boolean
}

/** Events the socket actor sends to the chart. */
export type SocketEvent =
  | { type: 'socket.open'; protocol: string }
  | { type: 'socket.close'; code: number; reason: string; wasClean: boolean }
  | { type: 'socket.error'; error: unknown }
  /** Answer to `heartbeat.check`: how long the socket has been silent. */
  | { type: 'heartbeat.silence'; silentFor: number }
  /** First inbound message after a ping. `rtt` is ms from the ping. */
  | { type: 'heartbeat.alive'; rtt: number }

/** Events the application sends (through the adapter, after validation). */
export type AppEvent =
  | { type: 'app.close'; code: number; reason: string }
  | { type: 'app.reconnect' }
  /** The page came back (visible again, unfrozen, restored): timers may have slept. */
  | { type: 'app.resume' }
  /** `send()` found the pong deadline already passed while its timer has not fired. */
  | { type: 'heartbeat.overdue' }

/** What the adapter reports from the environment (browser `offline` / `online`). */
export type NetworkEvent = { type: 'network.offline' } | { type: 'network.online' }

export type ConnectionEvent = SocketEvent | AppEvent | NetworkEvent

/** Commands the chart sends to the socket actor. */
export type SocketCommand =
  | { type: 'socket.close'; code: number; reason: string }
  | { type: 'heartbeat.ping' }
  | { type: 'heartbeat.check' }

/** What the chart emits for the adapter to turn into application events. */
export type ConnectionEmitted =
  | { type: 'open' }
  | { type: 'error'; error: unknown }
  | ({ type: 'close'; willReconnect: boolean } & CloseInfo)
  | { type: 'reconnecting'; attempt: number; delay: number }
  | { type: 'gave-up'; attempts: number }

export interface SocketActorInput {
  /** Failed attempts before this one (0 for the first socket and after a stable connection). */
  attempt: number
  /** Why this socket is opened. */
  reason: AttemptReason
  /** The connection's handle (`ConnectionInput.owner`). */
  owner: number
}

/** Close code the chart asks for when it ends a socket itself (RFC 6455 §7.4.2: 4000–4999 are private). */
export const HEARTBEAT_TIMEOUT_CODE = 4000
/** Reported for sockets abandoned without a close frame, as browsers do (RFC 6455 §7.1.5). */
export const ABNORMAL_CLOSURE = 1006

/**
 * The backoff delay before reconnect number `attempt` (0-based): the ceiling
 * `min(maxDelay, initialDelay * factor^attempt)`, and with full jitter a uniform
 * draw in [0, ceiling). `random` returns a number in [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** attempt)
  if (policy.jitter === 'none') return ceiling
  return Math.floor(random() * ceiling)
}

/**
 * The `planRetry` action for a given random source. The chart's own default draws
 * no randomness (it uses the ceiling); the adapter provides this with the
 * injected `random`, and tests do the same with a scripted one.
 */
export function planRetryWith(random: () => number) {
  return assign<ConnectionContext, ConnectionEvent, undefined, ConnectionEvent, never>(
    ({ context }) => {
      if (context.reconnect === false) return {}
      return {
        retryDelay: backoffDelay(context.reconnect, context.attempt, random),
        attempt: context.attempt + 1,
      }
    },
  )
}

/**
 * Placeholder socket actor: the chart runs without I/O (it never opens). The
 * adapter replaces it with the real one through `machine.provide({ actors })`.
 */
export const inertSocket = fromCallback<SocketCommand, SocketActorInput>(() => undefined)

/** Computes how a socket ended, from a real close event or from the chart's own reason. */
export function closeInfoOf(
  context: ConnectionContext,
  event: ConnectionEvent,
  cause: CloseCause | undefined,
): CloseInfo {
  const why: CloseCause = cause ?? context.closeCause ?? 'server-close'
  if (event.type === 'socket.close') {
    return { code: event.code, reason: event.reason, wasClean: event.wasClean, cause: why }
  }
  return { code: ABNORMAL_CLOSURE, reason: why, wasClean: false, cause: why }
}

export interface EndParams {
  /** The cause when the chart has none yet (for example the connect timer). */
  cause?: CloseCause
}

/**
 * Where every socket end goes: one decision, shared by every state that owns a
 * socket, so each end is recorded and reported exactly once. Order matters: a
 * close the application asked for never reconnects; then reconnect off; then the
 * close policy; then the attempt budget.
 */
function socketEnded(cause?: CloseCause) {
  const params: EndParams = cause ? { cause } : {}
  const record = { type: 'recordClose' as const, params }
  const stop = { type: 'announceClose' as const, params: { willReconnect: false } }
  return [
    { guard: 'userClosed' as const, target: '#heartline.closed', actions: [record, stop] },
    {
      guard: and([
        'reconnectEnabled' as const,
        { type: 'closeIsRetryable' as const, params },
        'attemptsRemain' as const,
      ]),
      target: '#heartline.waitingToReconnect',
      actions: [
        record,
        'planRetry' as const,
        { type: 'announceClose' as const, params: { willReconnect: true } },
        'announceRetry' as const,
      ],
    },
    {
      guard: and([
        'reconnectEnabled' as const,
        { type: 'closeIsRetryable' as const, params },
        not('attemptsRemain' as const),
      ]),
      target: '#heartline.closed',
      actions: [record, 'markGaveUp' as const, stop, 'announceGaveUp' as const],
    },
    { target: '#heartline.closed', actions: [record, stop] },
  ]
}

/**
 * The pong deadline (the timer, or `send()` finding it overdue). A deadline seen
 * much later than scheduled proves only that timers slept: probe again with a
 * fresh deadline instead of declaring a live link dead (react-use-websocket #269,
 * phoenix #3083).
 */
function pongDeadline() {
  return [
    { guard: 'pongMayStillCome' as const, target: 'awaitingPong', reenter: true },
    {
      target: '#heartline.live.closing',
      actions: { type: 'beginClose' as const, params: { cause: 'heartbeat-timeout' as const } },
    },
  ]
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as ConnectionEmitted,
  },
  actors: {
    socket: inertSocket,
  },
  delays: {
    connectTimeout: ({ context }) => context.connectTimeout,
    closeTimeout: ({ context }) => context.closeTimeout,
    pingDelay: ({ context }) => context.pingDelay,
    pongTimeout: ({ context }) => (context.heartbeat === false ? 0 : context.heartbeat.timeout),
    reconnectDelay: ({ context }) => context.retryDelay,
    stableAfter: ({ context }) => (context.reconnect === false ? 0 : context.reconnect.stableAfter),
  },
  guards: {
    heartbeatEnabled: ({ context }) => context.heartbeat !== false,
    reconnectEnabled: ({ context }) => context.reconnect !== false,
    attemptsRemain: ({ context }) =>
      context.reconnect !== false && context.attempt < context.reconnect.maxAttempts,
    /**
     * The close policy. The chart retries every end it did not ask for; the adapter
     * provides the application's `shouldReconnect(close)` here.
     */
    closeIsRetryable: (_args, _params: EndParams) => true,
    userClosed: ({ context }) => context.closedByUser,
    isOnline: ({ context }) => context.online,
    /**
     * At the pong deadline: may the link still be alive? The chart has no clock, so
     * it says no; the adapter compares the clock with the ping and the last inbound
     * message, and says yes when the timer fired much later than scheduled (the
     * page or machine slept) or traffic arrived after the ping.
     */
    pongMayStillCome: () => false,
    /** Silence really lasted `interval` (inbound traffic re-arms, it never pings). */
    silentLongEnough: ({ context, event }) =>
      event.type === 'heartbeat.silence' &&
      context.heartbeat !== false &&
      event.silentFor >= context.heartbeat.interval,
  },
  actions: {
    /** The next silence check comes one full interval after the last inbound message. */
    armHeartbeat: assign({
      pingDelay: ({ context }) => (context.heartbeat === false ? 0 : context.heartbeat.interval),
    }),
    /** Re-arms the check for the rest of the interval after the last inbound message. */
    rearmHeartbeat: assign({
      pingDelay: ({ context, event }) => {
        if (context.heartbeat === false || event.type !== 'heartbeat.silence') return 0
        return Math.max(0, context.heartbeat.interval - event.silentFor)
      },
    }),
    checkSilence: sendTo('socket', { type: 'heartbeat.check' } satisfies SocketCommand),
    sendPing: sendTo('socket', { type: 'heartbeat.ping' } satisfies SocketCommand),
    closeSocket: sendTo(
      'socket',
      ({ context }): SocketCommand =>
        context.closeRequest
          ? { type: 'socket.close', ...context.closeRequest }
          : {
              type: 'socket.close',
              code: HEARTBEAT_TIMEOUT_CODE,
              reason: context.closeCause ?? 'closing',
            },
    ),
    /** Sends the queued messages in order; the adapter owns the queue and provides this. */
    flushQueue: () => undefined,
    /** Reports every queued message as dropped; the adapter provides this. */
    dropQueue: () => undefined,
    announceOpen: emit({ type: 'open' } as const),
    announceError: emit(({ event }) => ({
      type: 'error' as const,
      error: event.type === 'socket.error' ? event.error : undefined,
    })),
    /**
     * Draws the next reconnect delay. The chart holds no random source: this
     * default uses the ceiling; the adapter provides `planRetryWith(random)`.
     */
    planRetry: planRetryWith(() => 1 - Number.EPSILON),
    announceRetry: emit(({ context }) => ({
      type: 'reconnecting' as const,
      attempt: context.attempt,
      delay: context.retryDelay,
    })),
    resetAttempts: assign({ attempt: 0 }),
    markOffline: assign({ online: false }),
    markOnline: assign({ online: true }),
    noteNetworkAttempt: assign({ attemptReason: 'network' as const }),
    markGaveUp: assign({ gaveUp: true }),
    announceGaveUp: emit(({ context }) => ({
      type: 'gave-up' as const,
      attempts: context.attempt,
    })),
    beginClose: assign((_args, params: { cause: CloseCause }) => ({ closeCause: params.cause })),
    acceptUserClose: assign(({ event }) =>
      event.type === 'app.close'
        ? {
            closedByUser: true,
            closeCause: 'user' as const,
            closeRequest: { code: event.code, reason: event.reason },
          }
        : {},
    ),
    clearCloseState: assign({ closeCause: null, closeRequest: null }),
    startManualAttempt: assign({
      closedByUser: false,
      gaveUp: false,
      attempt: 0,
      attemptReason: 'manual' as const,
    }),
    noteAttemptReason: assign({
      attemptReason: ({ context }): AttemptReason => {
        const cause = context.lastClose?.cause
        return cause === undefined || cause === 'user' ? 'manual' : cause
      },
    }),
    recordClose: assign(({ context, event }, params: EndParams) => ({
      lastClose: closeInfoOf(context, event, params.cause),
    })),
    announceClose: emit(({ context }, params: { willReconnect: boolean }) => ({
      type: 'close' as const,
      willReconnect: params.willReconnect,
      ...(context.lastClose ?? {
        code: ABNORMAL_CLOSURE,
        reason: '',
        wasClean: false,
        cause: 'server-close' as const,
      }),
    })),
  },
}).createMachine({
  id: 'heartline',
  context: ({ input }) => ({
    ...input,
    attempt: 0,
    retryDelay: 0,
    pingDelay: input.heartbeat === false ? 0 : input.heartbeat.interval,
    closeCause: null,
    closeRequest: null,
    lastClose: null,
    closedByUser: false,
    gaveUp: false,
    attemptReason: 'initial',
    online: true,
  }),
  initial: 'live',
  // The network state is tracked everywhere; states that act on it add their own.
  on: {
    'network.offline': { actions: 'markOffline' },
    'network.online': { actions: 'markOnline' },
  },
  states: {
    /** The states that own a socket. Leaving `live` stops the socket actor. */
    live: {
      invoke: {
        id: 'socket',
        src: 'socket',
        input: ({ context }): SocketActorInput => ({
          attempt: context.attempt,
          reason: context.attemptReason,
          owner: context.owner ?? 0,
        }),
      },
      initial: 'connecting',
      // Cleared on entry, not exit: the transition that leaves `live` still reads
      // why the socket ended (exit actions run before transition actions).
      entry: 'clearCloseState',
      on: {
        // A fresh attempt at once: the current socket is reported closed and torn down.
        'app.reconnect': {
          target: 'live',
          reenter: true,
          actions: [
            { type: 'recordClose', params: { cause: 'manual' } },
            { type: 'announceClose', params: { willReconnect: true } },
            'startManualAttempt',
          ],
        },
      },
      states: {
        connecting: {
          on: {
            'socket.open': 'connected',
            'socket.error': {
              target: 'closing',
              actions: ['announceError', { type: 'beginClose', params: { cause: 'error' } }],
            },
            'socket.close': socketEnded(),
            'app.close': { target: 'closing', actions: 'acceptUserClose' },
          },
          after: {
            // The attempt is abandoned, not awaited: the socket actor is stopped.
            connectTimeout: socketEnded('connect-timeout'),
          },
        },
        /** Open, with or without a ping in flight. */
        connected: {
          entry: ['armHeartbeat', 'flushQueue', 'announceOpen'],
          initial: 'open',
          after: {
            // Only a connection that stayed up resets the backoff, so a server that
            // accepts and drops at once cannot drive a tight loop.
            stableAfter: { guard: 'reconnectEnabled', actions: 'resetAttempts' },
          },
          on: {
            'socket.close': socketEnded(),
            'socket.error': {
              target: 'closing',
              actions: ['announceError', { type: 'beginClose', params: { cause: 'error' } }],
            },
            'app.close': { target: 'closing', actions: 'acceptUserClose' },
          },
          states: {
            open: {
              after: {
                pingDelay: { guard: 'heartbeatEnabled', actions: 'checkSilence' },
              },
              on: {
                'heartbeat.silence': [
                  { guard: 'silentLongEnough', target: 'awaitingPong' },
                  { target: 'open', reenter: true, actions: 'rearmHeartbeat' },
                ],
                // A network change or a wake-up: probe now instead of trusting a
                // socket that may have died while nobody was looking.
                'network.offline': {
                  guard: 'heartbeatEnabled',
                  target: 'awaitingPong',
                  actions: 'markOffline',
                },
                'network.online': {
                  guard: 'heartbeatEnabled',
                  target: 'awaitingPong',
                  actions: 'markOnline',
                },
                'app.resume': { guard: 'heartbeatEnabled', target: 'awaitingPong' },
              },
            },
            awaitingPong: {
              entry: 'sendPing',
              on: {
                // Any inbound message proves the link, not only the pong. Messages
                // held back while the deadline was overdue go out now.
                'heartbeat.alive': { target: 'open', actions: ['armHeartbeat', 'flushQueue'] },
                'heartbeat.overdue': pongDeadline(),
              },
              after: {
                pongTimeout: pongDeadline(),
              },
            },
          },
        },
        /** Waits for the close event, never longer than `closeTimeout` (a dead path never sends one). */
        closing: {
          entry: 'closeSocket',
          on: {
            'socket.close': socketEnded(),
            'app.close': { actions: 'acceptUserClose' },
          },
          after: {
            closeTimeout: socketEnded(),
          },
        },
      },
    },
    waitingToReconnect: {
      entry: 'noteAttemptReason',
      after: {
        // Offline, the backoff is paused: no attempt is spent on a network that is
        // known to be down; `network.online` starts the next one at once.
        reconnectDelay: { guard: 'isOnline', target: 'live' },
      },
      on: {
        'network.online': { target: 'live', actions: ['markOnline', 'noteNetworkAttempt'] },
        'app.reconnect': { target: 'live', actions: 'startManualAttempt' },
        'app.close': { target: 'closed', actions: 'acceptUserClose' },
      },
    },
    closed: {
      entry: 'dropQueue',
      on: {
        'app.reconnect': { target: 'live', actions: 'startManualAttempt' },
      },
    },
  },
})

export type ConnectionMachine = typeof connectionMachine
export type ConnectionActor = ActorRefFrom<ConnectionMachine>

/** The application-facing state name of a snapshot of the chart. */
export function stateNameOf(value: unknown): ConnectionStateName {
  if (value === 'waitingToReconnect' || value === 'closed') return value
  if (typeof value === 'object' && value !== null && 'live' in value) {
    const live = (value as { live: unknown }).live
    if (live === 'connecting' || live === 'closing') return live
    if (typeof live === 'object' && live !== null && 'connected' in live) {
      const connected = (live as { connected: unknown }).connected
      if (connected === 'awaitingPong') return 'awaitingPong'
      return 'open'
    }
  }
  return 'closed'
}
