/**
 * Runs the chart alone: SimulatedClock, and a scripted socket actor standing in
 * for the adapter's, so each test decides when a socket opens, talks or closes.
 * As the adapter's does, it reports each end with the close policy's answer and
 * the retry's draw on it (the test's `verdict`/`retryable` and `random`).
 */
import { createActor, fromCallback, raise, SimulatedClock } from 'xstate'
import {
  abandonedClose,
  attemptsRemain,
  type CloseCause,
  type CloseInfo,
  type ConnectionEmitted,
  type ConnectionInput,
  connectionMachine,
  judgeEnd,
  type ReconnectVerdict,
  type SocketActorInput,
  type SocketCommand,
  type SocketEvent,
  stateNameOf,
} from '../../machines/connection.js'

export interface ScriptedSocket {
  input: SocketActorInput
  commands: SocketCommand[]
  stopped: boolean
  /** Sends a socket event to the chart, as the real actor would. */
  emit(event: SocketEvent): void
  /** Marks inbound traffic at the current time (as the real actor's message listener does). */
  inbound(): void
}

export const baseInput: ConnectionInput = {
  heartbeat: { interval: 1000, timeout: 500 },
  reconnect: {
    initialDelay: 100,
    maxDelay: 1000,
    factor: 2,
    jitter: 'none',
    maxAttempts: Number.POSITIVE_INFINITY,
    stableAfter: 5000,
  },
  connectTimeout: 2000,
  closeTimeout: 300,
}

export function runChart(
  overrides: Partial<ConnectionInput> = {},
  opts: {
    random?: () => number
    retryable?: (close: unknown) => boolean
    /** The close policy's answer, as the adapter's socket actor would put it on the end. */
    verdict?: (close: unknown) => ReconnectVerdict
  } = {},
) {
  const clock = new SimulatedClock()
  const sockets: ScriptedSocket[] = []
  const log: string[] = []
  const ask = (close: CloseInfo): ReconnectVerdict => {
    if (opts.verdict) return opts.verdict(close)
    return opts.retryable && !opts.retryable(close) ? 'stop' : 'retry'
  }
  const input = { ...baseInput, ...overrides }
  // As the adapter does: the chart's attempt budget as it stands decides whether a draw is taken.
  const judge = (close: CloseInfo) =>
    judgeEnd(
      close,
      input.reconnect,
      attemptsRemain(actor.getSnapshot().context),
      ask,
      opts.random ?? (() => 0.5),
    )
  const socket = fromCallback<SocketCommand, SocketActorInput>(({ sendBack, receive, input }) => {
    let lastInboundAt = clock.now()
    let pingAt = -1
    let cause: CloseCause = 'server-close'
    const s: ScriptedSocket = {
      input,
      commands: [],
      stopped: false,
      emit: (event) =>
        sendBack(
          event.type === 'socket.close' && !('verdict' in event)
            ? {
                ...event,
                ...judge({
                  code: event.code,
                  reason: event.reason,
                  wasClean: event.wasClean,
                  cause,
                }),
              }
            : event,
        ),
      inbound: () => {
        lastInboundAt = clock.now()
        if (pingAt >= 0) {
          const rtt = lastInboundAt - pingAt
          pingAt = -1
          sendBack({ type: 'heartbeat.alive', rtt })
        }
      },
    }
    sockets.push(s)
    receive((command) => {
      s.commands.push(command)
      if (command.type === 'socket.close' || command.type === 'socket.cause') {
        cause = command.cause
      } else if (command.type === 'heartbeat.check') {
        sendBack({ type: 'heartbeat.silence', silentFor: clock.now() - lastInboundAt })
      } else if (command.type === 'heartbeat.ping') {
        pingAt = clock.now()
      } else if (command.type === 'heartbeat.deadline') {
        sendBack({
          type: 'heartbeat.waited',
          waited: pingAt < 0 ? null : clock.now() - pingAt,
          trafficSincePing: pingAt >= 0 && lastInboundAt > pingAt,
        })
      }
    })
    return () => {
      s.stopped = true
    }
  })
  const machine = connectionMachine.provide({
    actors: { socket },
    actions: {
      abandonSocket: raise(({ context }) => {
        const close = abandonedClose(context)
        const { code, reason, wasClean } = close
        return { type: 'socket.close' as const, code, reason, wasClean, ...judge(close) }
      }),
      flushQueue: () => {
        log.push('flushQueue')
      },
      dropQueue: () => {
        log.push('dropQueue')
      },
    },
  })
  const actor = createActor(machine, { input, clock })
  const emitted: ConnectionEmitted[] = []
  actor.on('*', (e) => {
    emitted.push(e as ConnectionEmitted)
    log.push(`emit:${e.type}`)
  })
  const states: string[] = []
  actor.subscribe((snapshot) => {
    const name = stateNameOf(snapshot.value)
    if (states[states.length - 1] !== name) states.push(name)
  })
  actor.start()
  const pendingTimers = () =>
    (clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size
  return {
    actor,
    clock,
    sockets,
    emitted,
    log,
    states,
    pendingTimers,
    state: () => stateNameOf(actor.getSnapshot().value),
    current: () => sockets[sockets.length - 1] as ScriptedSocket,
    context: () => actor.getSnapshot().context,
    advance: (ms: number) => advance(clock, ms),
  }
}

/**
 * Moves a SimulatedClock forward by `ms`, stopping at every timer deadline on the
 * way so each timer fires at its own time (`increment` alone fires them all at
 * the end, which is what a sleeping laptop does, not a running one).
 */
export function advance(clock: SimulatedClock, ms: number): void {
  const target = clock.now() + ms
  const timeouts = (
    clock as unknown as { timeouts: Map<unknown, { start: number; timeout: number }> }
  ).timeouts
  for (;;) {
    let next = Number.POSITIVE_INFINITY
    for (const t of timeouts.values()) next = Math.min(next, t.start + t.timeout)
    if (next > target) break
    clock.set(Math.max(next, clock.now()))
  }
  clock.set(target)
}
