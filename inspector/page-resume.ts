/**
 * "Resume" (`?resume=1`): the page's own connection uses `resume({ trace })`
 * from `heartline/resume` against the demo server's resumable endpoint, and the
 * timeline shows the protocol: hello and welcome, every app message with its
 * seq (replays and dropped duplicates tagged), acks each way, and the
 * connection's `resumed` / `reset` / `drop` events.
 *
 * The trace names seqs but not payloads; the page's socket wrapper sees each
 * frame just before the trace reports it (a write precedes its `send` step, a
 * delivery precedes its `receive` step), so it hands the payload over here.
 */
import { resumeSessionMachine } from '../machines/resume-session.js'
import type { Connection } from '../src/index.js'
import type { LayerFactory } from '../src/layer.js'
import {
  binaryMessage,
  binaryPayload,
  binarySeq,
  MESSAGE,
  readTextMessage,
} from '../src/protocol/resume.js'
import { type ResumeTrace, resume, sessionChartOf, sessionOf } from '../src/resume/index.js'
import { $ } from './dom.js'
import type { ExtraChart } from './extra-charts.js'
import { page } from './page-state.js'
import { resumeLine, resumeRows, shortId } from './resume-rows.js'
import type { Session } from './session.js'

export function resumeMode(): boolean {
  const value = new URLSearchParams(location.search).get('resume')
  return value === '1' || value === 'true'
}

/** The header's switch: reloads the page with or without `?resume=1`. */
export function initResumeToggle(): void {
  const box = $<HTMLInputElement>('resume-toggle')
  box.checked = resumeMode()
  box.addEventListener('change', () => {
    const url = new URL(location.href)
    if (box.checked) url.searchParams.set('resume', '1')
    else url.searchParams.delete('resume')
    location.assign(url)
  })
}

/** Where the frame decoder leaves a text message's seq. */
const slot = { seq: 0 }

/** Payloads of message frames seen on the socket, by direction and seq, until the trace names them. */
const payloads = new Map<string, string>()

/**
 * Called by the page's socket wrapper with every frame in resume mode: message
 * frames (`M<seq> <payload>`) leave their payload for the trace; returns true
 * when the trace will draw the frame (so the wrapper draws no raw row).
 */
export function resumeFrame(direction: 'out' | 'in', data: unknown): boolean {
  if (typeof data !== 'string') {
    const bytes = binaryMessage(data)
    if (bytes === null) return false
    const seq = binarySeq(bytes)
    payloads.set(`${direction}${seq}`, `binary, ${binaryPayload(bytes).byteLength} bytes`)
    return true
  }
  if (data.charCodeAt(0) === MESSAGE) {
    const at = readTextMessage(data, slot)
    if (at < 0) return false
    payloads.set(`${direction}${slot.seq}`, `“${data.slice(at)}”`)
    return true
  }
  const kind = data[0]
  return kind === 'H' || kind === 'W' || kind === 'A'
}

function payload(direction: 'out' | 'in', seq: number): string {
  const key = `${direction}${seq}`
  const text = payloads.get(key) ?? ''
  payloads.delete(key)
  return text
}

/** The `resume` option for the page's connection: every protocol step becomes a timeline row. */
export function resumeOption(session: Session): LayerFactory {
  const draw = (t: ResumeTrace) => {
    switch (t.type) {
      case 'hello':
        session.row(
          'resume',
          'to-server',
          t.session === null
            ? 'hello: new session'
            : `hello session ${shortId(t.session)}, last received ${t.ack}`,
        )
        return
      case 'welcome':
        session.row(
          'resume',
          'to-client',
          t.resumed
            ? `welcome: resumed ${shortId(t.session)}, acked ≤ ${t.ack}, replaying ${t.replay}`
            : `welcome: new session ${shortId(t.session)}`,
        )
        return
      case 'send':
        session.row('message', 'to-server', `#${t.seq} ${payload('out', t.seq)}`, undefined, {
          tag: t.replay ? 'replay' : undefined,
        })
        return
      case 'receive':
        session.row('message', 'to-client', `#${t.seq} ${payload('in', t.seq)}`, undefined, {
          tag: t.duplicate ? 'duplicate' : undefined,
        })
        return
      case 'ack-sent':
        session.row('resume', 'to-server', `ack ≤ ${t.seq}`)
        return
      case 'ack-received':
        session.row('resume', 'to-client', `ack ≤ ${t.seq}`)
        return
      case 'protocol-error':
        session.row('error', 'client', `resume protocol error: ${t.reason}`)
        return
    }
  }
  return resume({ trace: draw })
}

/** Rows for the connection's `resumed`, `reset` and `drop` events, while it is the page's. */
export function watchResume(conn: Connection, session: Session): void {
  resumeRows(conn, session, () => page.conn === conn)
  followChart(conn)
}

/** Where the drawn resume chart takes its state values (set once it is drawn). */
let showChart: ((value: unknown) => void) | null = null
let unfollow = () => {}

/** Lights the drawn resume chart from `conn`'s session chart, while `conn` is the page's. */
function followChart(conn: Connection): void {
  unfollow()
  const actor = sessionChartOf(conn)
  const show = showChart
  if (!actor || !show) return
  show(actor.getSnapshot().value)
  const subscription = actor.subscribe((snapshot) => {
    if (page.conn === conn) show(snapshot.value)
  })
  unfollow = () => subscription.unsubscribe()
}

/** The resume session's chart, for the chart panel: live from the page's connection. */
export function resumeChart(): ExtraChart {
  return {
    title: 'Resume session',
    machine: resumeSessionMachine,
    watch(show) {
      showChart = show
      if (page.conn !== null && sessionChartOf(page.conn)) followChart(page.conn as Connection)
      return () => {
        unfollow()
        showChart = null
      }
    },
  }
}

/** The metrics panel's line for `sessionOf(conn)`, or null without resume. */
export function sessionLine(conn: object | null): string | null {
  return resumeLine(conn ? sessionOf(conn) : undefined)
}

/**
 * After the application's `send()`: a message sent while no socket is ready is
 * numbered and kept, but goes out (as the replay) only after the next welcome,
 * so its row says so now.
 */
export function noteKept(conn: object | null, session: Session | undefined, text: string): void {
  const s = conn ? sessionOf(conn) : undefined
  if (!s || !session || s.phase === 'ready') return
  session.row(
    'resume',
    'client',
    `#${s.sent} “${text}” kept for the replay (${s.phase === 'down' ? 'no socket' : 'waiting for the welcome'}; ${s.buffered} unacknowledged)`,
  )
}
