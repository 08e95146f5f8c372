/**
 * The connection statechart. Pure: no I/O, no globals, no clocks. Every timer is a
 * delayed transition with a named delay computed from context, so XState's clock
 * (real or `SimulatedClock`) drives all of them and an inspector can show each one.
 *
 * The chart is the one place where the connection decides, and every guard reads
 * only context and event. What a decision needs from outside reaches the chart
 * first: the clock through the socket actor's answers (`heartbeat.silence`,
 * `heartbeat.waited`), the page's online state through the `pageLifecycle` actor,
 * and the application's close policy in the socket's end itself: the socket
 * actor asks the policy (and draws the retry's jitter) before it reports
 * `socket.close`, so one guarded edge decides every end.
 *
 * The socket itself is the invoked actor `socket`. This file only names it: the
 * adapter in `src/` provides the real implementation through `machine.provide()`,
 * so no WebSocket (and no function) ever lands in context and snapshots stay
 * serialisable. Leaving `live` stops that actor, which removes its listeners: late
 * events of an abandoned socket cannot reach the chart.
 */
import {
  type ActorRefFrom,
  assign,
  type EventObject,
  emit,
  enqueueActions,
  fromCallback,
  not,
  raise,
  sendTo,
  setup,
  stopChild,
} from 'xstate'
import { attemptsRemain, planRetry } from './retry.js'
import {
  ABNORMAL_CLOSURE,
  type AttemptReason,
  type CloseCause,
  type CloseInfo,
  type ConnectionContext,
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionInput,
  type ConnectionStateName,
  HEARTBEAT_TIMEOUT_CODE,
  LATE_TIMER_MS,
  type PageLifecycleInput,
  type SocketActorInput,
  type SocketCommand,
} from './types.js'

export * from './retry.js'
export * from './types.js'

/**
 * Placeholder socket actor: the chart runs without I/O (it never opens). The
 * adapter replaces it with the real one through `machine.provide({ actors })`.
 */
export const inertSocket = fromCallback<SocketCommand, SocketActorInput>(() => undefined)

/** Placeholder page-lifecycle actor: no page to listen to. The adapter provides the real one. */
export const inertPageLifecycle = fromCallback<EventObject, PageLifecycleInput>(() => undefined)

/** How a socket ended: its `socket.close`, or the chart's own reason (a manual restart). */
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

/** The end of a socket the chart abandons (connect or close timeout): no close frame, 1006. */
export function abandonedClose(context: ConnectionContext): CloseInfo {
  const why = context.closeCause ?? 'server-close'
  return { code: ABNORMAL_CLOSURE, reason: why, wasClean: false, cause: why }
}

export interface EndParams {
  /** The cause when the chart has none (a manual restart). */
  cause?: CloseCause
}

const announceStop = { type: 'announceClose' as const, params: { willReconnect: false } }
const recordClose = { type: 'recordClose' as const, params: {} }
const toClosed = (...actions: Array<'announceGaveUp'>) => ({
  target: '#heartline.closed',
  actions: [recordClose, announceStop, ...actions],
})

/**
 * A socket ended (`socket.close`, which carries the close policy's answer): one
 * guarded edge decides. A close the application asked for never reconnects, nor
 * does a connection with reconnect off; then the policy's answer decides, then
 * the attempt budget.
 */
const socketEnded = [
  { guard: 'userClosed' as const, ...toClosed() },
  { guard: not('reconnectEnabled'), ...toClosed() },
  { guard: 'policySaysStop' as const, ...toClosed() },
  { guard: not('attemptsRemain'), ...toClosed('announceGaveUp') },
  {
    target: '#heartline.waitingToReconnect',
    actions: [
      recordClose,
      'planRetry' as const,
      { type: 'announceClose' as const, params: { willReconnect: true } },
      'announceRetry' as const,
    ],
  },
]

/**
 * The pong deadline (the timer, or `send()` finding it overdue): the socket actor
 * is asked how long it has waited, and `heartbeat.waited` decides.
 */
function pongDeadline() {
  return [
    // A deadline seen much later than scheduled proves only that timers slept:
    // probe again with a fresh deadline instead of declaring a live link dead
    // (react-use-websocket #269, phoenix #3083).
    { guard: 'pongMayStillCome' as const, target: 'awaitingPong', reenter: true },
    {
      target: '#heartline.live.closing',
      actions: { type: 'beginClose' as const, params: { cause: 'heartbeat-timeout' as const } },
    },
  ]
}

/** The chart's context before anything happened, from its input. */
export function initialContext(input: ConnectionInput): ConnectionContext {
  return {
    heartbeat: input.heartbeat,
    reconnect: input.reconnect,
    connectTimeout: input.connectTimeout,
    closeTimeout: input.closeTimeout,
    attempt: 0,
    stable: false,
    retryDelay: 0,
    pingDelay: input.heartbeat === false ? 0 : input.heartbeat.interval,
    closeCause: null,
    closeRequest: null,
    lastClose: null,
    reconnectVerdict: null,
    attemptReason: 'initial',
    online: true,
    watchPage: input.watchPage ?? true,
  }
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
    pageLifecycle: inertPageLifecycle,
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
    attemptsRemain: ({ context }) => attemptsRemain(context),
    userClosed: ({ context }) => context.closeCause === 'user',
    /** The socket actor asked the close policy before it reported the end; the answer rides on it. */
    policySaysStop: ({ event }) => event.type === 'socket.close' && event.verdict === 'stop',
    isOnline: ({ context }) => context.online,
    /**
     * At the pong deadline, from the socket actor's answer: traffic after the ping,
     * a deadline seen far later than the timeout (the page or machine slept), or a
     * ping that has not yet had `timeout` ms (a blocked thread sent it late, after
     * the deadline was armed) is no proof that the link is dead.
     */
    pongMayStillCome: ({ context, event }) =>
      event.type === 'heartbeat.waited' &&
      event.waited !== null &&
      context.heartbeat !== false &&
      (event.trafficSincePing ||
        event.waited < context.heartbeat.timeout ||
        event.waited > context.heartbeat.timeout + LATE_TIMER_MS),
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
    askDeadline: sendTo('socket', { type: 'heartbeat.deadline' } satisfies SocketCommand),
    closeSocket: sendTo('socket', ({ context }): SocketCommand => {
      const cause = context.closeCause ?? 'server-close'
      return context.closeRequest
        ? { type: 'socket.close', ...context.closeRequest, cause }
        : {
            type: 'socket.close',
            code: HEARTBEAT_TIMEOUT_CODE,
            reason: context.closeCause ?? 'closing',
            cause,
          }
    }),
    /** The application closed a socket that was already closing: the end is now its own. */
    relayCause: sendTo(
      'socket',
      ({ context }): SocketCommand => ({
        type: 'socket.cause',
        cause: context.closeCause ?? 'server-close',
      }),
    ),
    /** Sends the queued messages in order; the adapter owns the queue and provides this. */
    flushQueue: () => undefined,
    /** Reports every queued message as dropped; the adapter provides this. */
    dropQueue: () => undefined,
    /**
     * Abandons the socket at a deadline (connect or close timeout): its end is
     * raised as a `socket.close` 1006, decided within the timer's own step by the
     * same edge as any other end. The chart asks nobody (the end retries); the
     * adapter provides this with the close policy's answer on the event, as the
     * socket actor reports it for the ends it sees.
     */
    abandonSocket: raise(({ context }) => {
      const { code, reason, wasClean } = abandonedClose(context)
      return { type: 'socket.close' as const, code, reason, wasClean }
    }),
    announceOpen: emit({ type: 'open' } as const),
    announceError: emit(({ event }) => ({
      type: 'error' as const,
      error: event.type === 'socket.error' ? event.error : undefined,
    })),
    /**
     * The next reconnect delay, from the end's report: the delay the close policy
     * gave, else the backoff (or a hinted) delay with the report's draw as jitter.
     */
    planRetry: assign(({ context, event }) =>
      context.reconnect === false || event.type !== 'socket.close'
        ? {}
        : planRetry(context.reconnect, context.attempt, context.stable, event),
    ),
    announceRetry: emit(({ context }) => ({
      type: 'reconnecting' as const,
      attempt: context.attempt,
      delay: context.retryDelay,
    })),
    /** The socket stayed open for `stableAfter`: the attempt counter starts again. */
    markStable: assign({ attempt: 0, stable: true }),
    markOffline: assign({ online: false }),
    markOnline: assign({ online: true }),
    /**
     * Leaving `closed`, where nothing listens to the page: an `offline` heard before
     * can no longer be confirmed (an `online` may have passed unheard), so it is not
     * kept. Where the window has a `navigator`, the page actor reads `onLine` when it
     * starts and reports a network that is really down.
     */
    forgetNetworkBelief: assign({ online: true }),
    noteNetworkAttempt: assign({ attemptReason: 'network' as const }),
    announceGaveUp: emit(({ context }) => ({
      type: 'gave-up' as const,
      attempts: context.attempt,
    })),
    beginClose: assign((_args, params: { cause: CloseCause }) => ({ closeCause: params.cause })),
    acceptUserClose: assign(({ event }) =>
      event.type === 'app.close'
        ? {
            closeCause: 'user' as const,
            closeRequest: { code: event.code, reason: event.reason },
          }
        : {},
    ),
    /** A layer's close: closed as asked, reported with the layer's cause, reconnecting as usual. */
    acceptLayerClose: assign(({ event }) =>
      event.type === 'layer.close'
        ? {
            closeCause: 'protocol-error' as const,
            closeRequest: { code: event.code, reason: event.reason },
          }
        : {},
    ),
    // A new socket has not proved stable yet (`stable` is read when its end is decided).
    clearCloseState: assign({
      closeCause: null,
      closeRequest: null,
      reconnectVerdict: null,
      stable: false,
    }),
    startManualAttempt: assign({
      attempt: 0,
      attemptReason: 'manual' as const,
    }),
    noteAttemptReason: assign({
      attemptReason: ({ context }): AttemptReason => {
        const cause = context.lastClose?.cause
        return cause === undefined || cause === 'user' || cause === 'leader-gone' ? 'manual' : cause
      },
    }),
    /**
     * Starts the `pageLifecycle` actor where the page's state can change something
     * (`live`, `waitingToReconnect`), unless there is no page to watch: then no
     * actor exists at all (spawned rather than invoked, so that it can be skipped).
     */
    watchPage: enqueueActions<
      ConnectionContext,
      ConnectionEvent,
      undefined,
      ConnectionEvent,
      { src: 'pageLifecycle'; logic: typeof inertPageLifecycle; id: 'pageLifecycle' },
      never,
      never,
      never,
      never
    >(({ context, enqueue }) => {
      if (!context.watchPage) return
      enqueue.spawnChild('pageLifecycle', {
        id: 'pageLifecycle',
        input: { online: context.online } satisfies PageLifecycleInput,
      })
    }),
    /** Stops the `pageLifecycle` actor (nothing to do when none runs): its listeners go with it. */
    unwatchPage: stopChild('pageLifecycle'),
    recordClose: assign(({ context, event }, params: EndParams) => ({
      lastClose: closeInfoOf(context, event, params.cause),
      reconnectVerdict: event.type === 'socket.close' ? (event.verdict ?? null) : null,
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
  context: ({ input }) => initialContext(input),
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
        }),
      },
      initial: 'connecting',
      // Cleared on entry, not exit: the transition that leaves `live` still reads
      // why the socket ended (exit actions run before transition actions).
      entry: ['clearCloseState', 'watchPage'],
      exit: 'unwatchPage',
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
            'socket.close': socketEnded,
            'app.close': { target: 'closing', actions: 'acceptUserClose' },
            'layer.close': { target: 'closing', actions: 'acceptLayerClose' },
          },
          after: {
            // The attempt is abandoned, not awaited: its end is decided in this
            // step, and leaving `live` stops the socket actor.
            connectTimeout: {
              actions: [
                { type: 'beginClose', params: { cause: 'connect-timeout' } },
                'abandonSocket',
              ],
            },
          },
        },
        /** Open, with or without a ping in flight. */
        connected: {
          entry: ['armHeartbeat', 'flushQueue', 'announceOpen'],
          initial: 'open',
          after: {
            // Only a connection that stayed up resets the backoff, so a server that
            // accepts and drops at once cannot drive a tight loop.
            stableAfter: { guard: 'reconnectEnabled', actions: 'markStable' },
          },
          on: {
            'socket.close': socketEnded,
            'socket.error': {
              target: 'closing',
              actions: ['announceError', { type: 'beginClose', params: { cause: 'error' } }],
            },
            'app.close': { target: 'closing', actions: 'acceptUserClose' },
            'layer.close': { target: 'closing', actions: 'acceptLayerClose' },
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
                'heartbeat.overdue': { actions: 'askDeadline' },
                'heartbeat.waited': pongDeadline(),
              },
              after: {
                pongTimeout: { actions: 'askDeadline' },
              },
            },
          },
        },
        /** Waits for the close event, never longer than `closeTimeout` (a dead path never sends one). */
        closing: {
          entry: 'closeSocket',
          on: {
            'socket.close': socketEnded,
            // A socket closed before it opened fails: error, then close 1006
            // (WHATWG WebSockets, close(): "fail the WebSocket connection").
            'socket.error': { actions: 'announceError' },
            'app.close': { actions: ['acceptUserClose', 'relayCause'] },
          },
          after: {
            closeTimeout: { actions: 'abandonSocket' },
          },
        },
      },
    },
    waitingToReconnect: {
      entry: ['noteAttemptReason', 'watchPage'],
      exit: 'unwatchPage',
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
        'app.reconnect': {
          target: 'live',
          actions: ['forgetNetworkBelief', 'startManualAttempt'],
        },
      },
    },
  },
})

export type ConnectionMachine = typeof connectionMachine
export type ConnectionActor = ActorRefFrom<ConnectionMachine>

/** The application-facing state name of a snapshot of the chart (the inspector uses it too). */
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
