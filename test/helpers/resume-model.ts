/**
 * Property model for `resume`: the real adapter and resume layer, on scripted
 * sockets and a SimulatedClock, against a scripted server that speaks the resume
 * protocol (docs/resume-protocol.md) and is told by each command what to do:
 * welcome (resuming when it can), acknowledge, send, replay, forget the session.
 * Checked after every step:
 * - only the server's acknowledgement counts as delivered: the client's
 *   `acknowledged` is exactly the last ack the server gave it, never more;
 * - every accepted send is acknowledged, kept, counted in a `reset` or dropped;
 * - the server never sees a gap, and gets each client message once, in order;
 * - the application gets the server's messages once and in order;
 * - never two live sockets.
 * Free of vitest, like invariant-model.ts.
 */
import fc from 'fast-check'
import { SimulatedClock } from 'xstate'
import { createConnection, type DropEvent, type ResetEvent } from '../../src/index.js'
import { MESSAGE_OVERHEAD } from '../../src/protocol/resume.js'
import { resume, sessionOf } from '../../src/resume/index.js'
import { type ScriptedSocket, SocketRegistry } from './scripted-socket.js'

export interface ResumeConfig {
  heartbeat: boolean
  maxBytes: number
  ackDelay: number
  ackEvery: number
  initialDelay: number
}

export type ResumeCommand =
  | { t: 'send' }
  | { t: 'open' }
  | { t: 'read' }
  | { t: 'welcome' }
  | { t: 'ack' }
  | { t: 'serverSend' }
  | { t: 'replay'; from: number }
  | { t: 'drop'; code: number }
  | { t: 'forget' }
  | { t: 'advance'; ms: number }
  | { t: 'close' }
  | { t: 'reconnect' }
  /** A prompt server: open, read, welcome, read and acknowledge, in one step. */
  | { t: 'serve' }

export const resumeConfigArb: fc.Arbitrary<ResumeConfig> = fc.record({
  heartbeat: fc.boolean(),
  // Each kept message counts MESSAGE_OVERHEAD beyond its few bytes: room for 1 to about 8.
  maxBytes: fc.integer({ min: MESSAGE_OVERHEAD + 3, max: 8 * MESSAGE_OVERHEAD + 40 }),
  ackDelay: fc.integer({ min: 0, max: 30 }),
  ackEvery: fc.integer({ min: 1, max: 4 }),
  initialDelay: fc.integer({ min: 0, max: 20 }),
})

export const resumeCommandArb: fc.Arbitrary<ResumeCommand> = fc.oneof(
  { arbitrary: fc.constant({ t: 'send' as const }), weight: 6 },
  { arbitrary: fc.constant({ t: 'open' as const }), weight: 3 },
  { arbitrary: fc.constant({ t: 'read' as const }), weight: 5 },
  { arbitrary: fc.constant({ t: 'welcome' as const }), weight: 3 },
  { arbitrary: fc.constant({ t: 'ack' as const }), weight: 3 },
  { arbitrary: fc.constant({ t: 'serverSend' as const }), weight: 4 },
  { arbitrary: fc.nat(5).map((from) => ({ t: 'replay' as const, from })), weight: 1 },
  {
    arbitrary: fc.constantFrom(1006, 1001, 4200).map((code) => ({ t: 'drop' as const, code })),
    weight: 2,
  },
  { arbitrary: fc.constant({ t: 'forget' as const }), weight: 1 },
  {
    arbitrary: fc.integer({ min: 1, max: 120 }).map((ms) => ({ t: 'advance' as const, ms })),
    weight: 4,
  },
  { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'reconnect' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'serve' as const }), weight: 4 },
)

/** The scripted server's view of its one session. */
interface ServerSession {
  sid: string
  /** Last client seq received. */
  received: number
  /** Last server seq numbered; messages after `clientAcked` are kept. */
  out: number
  clientAcked: number
}

export interface ResumeTotals {
  scenarios: number
  sends: number
  acknowledged: number
  resets: number
  resumes: number
}

export function emptyResumeTotals(): ResumeTotals {
  return { scenarios: 0, sends: 0, acknowledged: 0, resets: 0, resumes: 0 }
}

export async function runResumeScenario(
  config: ResumeConfig,
  commands: ResumeCommand[],
  totals: ResumeTotals = emptyResumeTotals(),
): Promise<void> {
  const clock = new SimulatedClock()
  const registry = new SocketRegistry({ terminate: false })
  const conn = createConnection('ws://fuzz.invalid/', {
    WebSocket: registry.WebSocket as never,
    clock,
    lifecycle: false,
    heartbeat: config.heartbeat ? { interval: 50, timeout: 50 } : false,
    reconnect: {
      initialDelay: config.initialDelay,
      maxDelay: 50,
      jitter: 'none',
      stableAfter: 0,
    },
    connectTimeout: 1000,
    closeTimeout: 100,
    resume: resume({
      maxBytes: config.maxBytes,
      ackDelay: config.ackDelay,
      ackEvery: config.ackEvery,
    }),
  })
  const problems: string[] = []
  let server: ServerSession | null = null
  let sessions = 0
  /** Per socket: how far the server read, the hello it got, whether it welcomed. */
  const reads = new Map<
    ScriptedSocket,
    { at: number; hello: { sid?: string; ack: number } | null; welcomed: boolean }
  >()
  /** Client message indices the server handed to its application, in order, all sessions. */
  const serverGot: number[] = []
  /** Server seqs the application received, in the current client session. */
  let appGot: number[] = []
  /** The last ack the server gave the client in the current session (welcome or A). */
  let confirmed = 0
  let pastConfirmed = 0
  let accepted = 0
  let refused = 0
  let index = 0
  const drops: DropEvent[] = []
  const resets: ResetEvent[] = []
  conn.addEventListener('drop', (e) => drops.push(e))
  conn.addEventListener('reset', (e) => {
    resets.push(e)
    pastConfirmed += confirmed
    confirmed = 0
    appGot = []
  })
  conn.addEventListener('resumed', () => totals.resumes++)
  conn.addEventListener('statechange', (e) => {
    // Closed for good ends the client's session: what it confirmed stays confirmed.
    if (e.to !== 'closed') return
    pastConfirmed += confirmed
    confirmed = 0
    appGot = []
  })
  conn.addEventListener('message', (e) => appGot.push(Number(String(e.data).slice(1))))

  const latest = () => registry.latest()
  const state = (socket: ScriptedSocket) => {
    let r = reads.get(socket)
    if (!r) {
      r = { at: 0, hello: null, welcomed: false }
      reads.set(socket, r)
    }
    return r
  }
  // Reaches the client only while the adapter still listens (an abandoned socket does not).
  const fire = (socket: ScriptedSocket, data: string) =>
    socket.listenerCount('message') > 0 && socket.fireMessage(data)

  const step = (command: ResumeCommand) => {
    const socket = latest()
    switch (command.t) {
      case 'send': {
        totals.sends++
        const before = drops.length
        if (conn.send(`m${++index}`)) accepted++
        // A refused send is reported at once; it never counted as accepted.
        else refused += drops.slice(before).filter((d) => d.reason === 'closed').length
        return
      }
      case 'open':
        socket?.fireOpen()
        return
      case 'read': {
        if (socket?.readyState !== 1) return
        const r = state(socket)
        for (; r.at < socket.sent.length; r.at++) {
          const { data, readyState } = socket.sent[r.at] as { data: unknown; readyState: number }
          if (readyState !== 1 || typeof data !== 'string') continue
          if (data === 'ping') {
            fire(socket, 'pong')
            continue
          }
          const kind = data[0]
          if (kind === 'H') {
            if (r.hello) problems.push('a second hello on one socket')
            r.hello = JSON.parse(data.slice(1))
          } else if (kind === 'M') {
            if (!r.welcomed || !server) {
              problems.push(`message before welcome: ${data}`)
              continue
            }
            const space = data.indexOf(' ')
            const seq = Number(data.slice(1, space))
            if (seq <= server.received) continue
            if (seq !== server.received + 1)
              problems.push(`gap at the server: ${server.received} then ${seq}`)
            server.received = seq
            serverGot.push(Number(data.slice(space + 2)))
          } else if (kind === 'A') {
            if (!server) continue
            const seq = Number(data.slice(1))
            if (seq > server.out) problems.push(`client ack ${seq} beyond ${server.out}`)
            server.clientAcked = Math.max(server.clientAcked, seq)
          } else problems.push(`unknown frame ${data}`)
        }
        return
      }
      case 'welcome': {
        if (socket?.readyState !== 1) return
        const r = state(socket)
        if (!r.hello || r.welcomed) return
        r.welcomed = true
        const hello = r.hello
        if (hello.sid !== undefined && server && server.sid === hello.sid) {
          server.clientAcked = Math.max(server.clientAcked, hello.ack)
          const replay = server.out - server.clientAcked
          confirmed = server.received
          fire(
            socket,
            `W${JSON.stringify({ v: 1, sid: server.sid, ack: server.received, resumed: true, replay })}`,
          )
          for (let seq = server.clientAcked + 1; seq <= server.out; seq++)
            fire(socket, `M${seq} s${seq}`)
          return
        }
        const sid = `s${++sessions}`
        const welcome: Record<string, unknown> = { v: 1, sid, ack: 0, resumed: false }
        // The client moves its confirmed count aside on `reset` (or when it closed for good).
        if (hello.sid !== undefined) welcome.reset = { lost: null }
        server = { sid, received: 0, out: 0, clientAcked: 0 }
        fire(socket, `W${JSON.stringify(welcome)}`)
        return
      }
      case 'ack': {
        if (!socket || !server || !state(socket).welcomed) return
        if (fire(socket, `A${server.received}`)) confirmed = Math.max(confirmed, server.received)
        return
      }
      case 'serverSend': {
        if (!server) return
        const seq = ++server.out
        if (socket && state(socket).welcomed) fire(socket, `M${seq} s${seq}`)
        return
      }
      case 'replay': {
        if (!socket || !server || !state(socket).welcomed) return
        for (
          let seq = Math.max(1, server.clientAcked + 1 - command.from);
          seq <= server.out;
          seq++
        ) {
          fire(socket, `M${seq} s${seq}`)
        }
        return
      }
      case 'drop':
        socket?.fireClose(command.code)
        return
      case 'forget':
        // A server restart: the session and its socket are gone together.
        server = null
        socket?.fireClose(1006)
        return
      case 'advance':
        clock.increment(command.ms)
        return
      case 'close':
        conn.close()
        return
      case 'reconnect':
        conn.reconnect()
        return
      case 'serve':
        for (const t of ['open', 'read', 'welcome', 'read', 'ack'] as const) step({ t })
        return
    }
  }

  const check = (at: number, command: ResumeCommand) => {
    const where = `after step ${at} (${JSON.stringify(command)})`
    if (registry.violations.length > 0) throw new Error(`${registry.violations[0]} ${where}`)
    if (problems.length > 0) throw new Error(`${problems[0]} ${where}`)
    const session = sessionOf(conn)
    if (!session) throw new Error('no session')
    if (session.acknowledged !== confirmed) {
      throw new Error(
        `the client counts ${session.acknowledged} acknowledged, the server confirmed ${confirmed} ${where}`,
      )
    }
    const lost = resets.reduce((n, r) => n + r.lost.sent, 0)
    const closed = drops.filter((d) => d.reason === 'closed').length - refused
    const kept = session.buffered
    if (accepted !== pastConfirmed + confirmed + kept + lost + closed) {
      throw new Error(
        `${accepted} accepted but ${pastConfirmed + confirmed} acknowledged + ${kept} kept + ${lost} lost in resets + ${closed} dropped ${where}`,
      )
    }
    for (const r of resets) {
      if (r.unconfirmed.length !== r.lost.sent)
        throw new Error(`reset lists ${r.unconfirmed.length}, counts ${r.lost.sent}`)
    }
    for (let i = 1; i < serverGot.length; i++) {
      if ((serverGot[i] as number) <= (serverGot[i - 1] as number)) {
        throw new Error(`the server got m${serverGot[i]} after m${serverGot[i - 1]} ${where}`)
      }
    }
    for (let i = 0; i < appGot.length; i++) {
      if (appGot[i] !== i + 1)
        throw new Error(`the application got s${appGot[i]} as message ${i + 1} ${where}`)
    }
  }

  try {
    commands.forEach((command, at) => {
      step(command)
      check(at, command)
    })
  } finally {
    totals.scenarios++
    totals.acknowledged += pastConfirmed + confirmed
    totals.resets += resets.length
    conn.close()
  }
}

export function resumeProperty(totals: ResumeTotals) {
  return fc.asyncProperty(
    resumeConfigArb,
    fc.array(resumeCommandArb, { minLength: 20, maxLength: 80 }),
    (config, commands) => runResumeScenario(config, commands, totals),
  )
}
