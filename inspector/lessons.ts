/**
 * Guided lessons for the four ideas the inspector exists to teach. Each has a
 * short text, one button that makes it happen on the live connection, and the
 * states and events involved, highlighted on the chart (found by name in the
 * machine's graph, so a lesson never draws an edge the chart does not have).
 */
import type { AnyStateMachine } from 'xstate'
import { acceptSteps } from '../src/inspector/index.js'
import { chartGraph } from './chart-graph.js'
import { focusChart } from './chart-panel.js'
import { $, h } from './dom.js'
import { sendFault } from './faults-panel.js'
import { headerOf, nextHandshake } from './handshake-panel.js'
import { page } from './page-state.js'

interface Lesson {
  id: string
  title: string
  text: string[]
  action: string
  /** State keys and event labels the lesson is about. */
  states: string[]
  events: string[]
  run(say: (line: string) => void): void | Promise<void>
}

let frozen = false

const LESSONS: Lesson[] = [
  {
    id: 'handshake',
    title: '1. The opening handshake',
    text: [
      'A WebSocket starts as an HTTP GET with Upgrade: websocket and a random Sec-WebSocket-Key.',
      'The server proves it speaks WebSocket: it appends the GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 to the key, takes the SHA-1, and sends it back in base64 as Sec-WebSocket-Accept with 101 Switching Protocols (RFC 6455 §4.2.2).',
      'The button opens a fresh socket; the Handshake panel recomputes the Accept in this page from the captured key and compares it with what the server sent.',
    ],
    action: 'Open a new socket (reconnect())',
    states: ['connecting', 'open'],
    events: ['socket.open', 'app.reconnect'],
    run(say) {
      nextHandshake(async (capture) => {
        const key = headerOf(capture, 'request', 'sec-websocket-key')
        const sent = headerOf(capture, 'response', 'sec-websocket-accept')
        if (!key) return
        const steps = await acceptSteps(key)
        say(`key ${steps.key}`)
        say(`+ GUID → ${steps.concatenated}`)
        say(`→ SHA-1 ${steps.sha1Hex}`)
        say(`→ base64 ${steps.accept}`)
        say(
          `the server sent ${sent ?? '(none)'}: ${sent === steps.accept ? 'it matches' : 'it differs'}`,
        )
      })
      page.conn?.reconnect()
      say('reconnect(): a new socket, so a new key…')
    },
  },
  {
    id: 'api',
    title: '2. Four handlers, two methods',
    text: [
      'A Connection is used like a WebSocket: onopen, onmessage, onclose, onerror; send() and close().',
      'send() while not open queues the message (flushed in order on open, or reported as a drop). close(code, reason) only takes 1000 or 3000–4999 (RFC 6455 §7.4): any other code throws InvalidAccessError and nothing changes.',
      'The button sends a message (the demo server echoes it), then tries close(1001).',
    ],
    action: 'send("lesson"), then close(1001)',
    states: ['open', 'closing'],
    events: ['app.close'],
    run(say) {
      const conn = page.conn
      if (!conn) return
      const sent = conn.send('lesson')
      say(`send("lesson") → ${sent} (the echo appears on the timeline)`)
      try {
        conn.close(1001, 'going away')
        say('close(1001) was accepted')
      } catch (error) {
        const e = error as Error
        say(`close(1001) → ${e.name}: ${e.message}`)
      }
      say(`state after both: ${conn.state}`)
    },
  },
  {
    id: 'heartbeat',
    title: '3. The heartbeat',
    text: [
      'After heartbeat.interval of inbound silence the chart pings; any message that arrives next, not only the pong, proves the link.',
      'When nothing arrives within heartbeat.timeout the link is declared dead. A dead TCP path never delivers the close handshake (Chromium waits 60 s for it), so closing lasts at most closeTimeout and the socket is abandoned.',
      'The button freezes the server: TCP stays up, every byte is swallowed. Press again to unfreeze.',
    ],
    action: 'Freeze the server',
    states: ['open', 'awaitingPong', 'closing', 'waitingToReconnect'],
    events: ['heartbeat.silence', 'heartbeat.alive', 'after pongTimeout', 'after closeTimeout'],
    run(say) {
      frozen = !frozen
      sendFault({ type: 'freeze', on: frozen })
      $('lesson-run-heartbeat').textContent = frozen ? 'Unfreeze the server' : 'Freeze the server'
      say(
        frozen
          ? 'server frozen: watch open → awaitingPong → closing → waitingToReconnect'
          : 'server unfrozen',
      )
    },
  },
  {
    id: 'reconnect',
    title: '4. Reconnect',
    text: [
      'After an unplanned close the chart waits in waitingToReconnect for a backoff delay: full jitter, a random delay up to initialDelay × factor^attempt (capped at maxDelay), so clients of a restarted server do not all return at once.',
      'There is no lock flag: a second close or error cannot schedule a second reconnect, because there is only one waitingToReconnect state to be in, and a stopped socket’s late events never reach the chart.',
      'The button drops the TCP connection (RST).',
    ],
    action: 'Drop the connection',
    states: ['waitingToReconnect', 'connecting', 'live'],
    events: ['socket.close', 'after reconnectDelay', 'network.online', 'app.reconnect'],
    run(say) {
      page.sessions.get('local')?.row('fault', 'server', 'drops the TCP connection (RST)')
      sendFault({ type: 'drop' })
      say(
        'dropped: the timeline shows “reconnect #n in … ms”, the Timers bar the backoff countdown',
      )
    },
  },
]

export function initLessons(machine: AnyStateMachine): void {
  const graph = chartGraph(machine)
  const host = $('lessons')
  const tabs = h('div', { class: 'row', role: 'group', 'aria-label': 'Lessons' })
  const body = h('div', { id: 'lesson-body' })
  host.append(tabs, body)
  const open = (lesson: Lesson | null) => {
    body.textContent = ''
    for (const b of tabs.querySelectorAll('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.lesson === lesson?.id))
    }
    if (!lesson) {
      focusChart([], [])
      delete document.body.dataset.lesson
      return
    }
    document.body.dataset.lesson = lesson.id
    const nodes = graph.nodes.filter((n) => lesson.states.includes(n.key)).map((n) => n.id)
    const edges = graph.edges.filter((e) => lesson.events.includes(e.label)).map((e) => e.id)
    focusChart(nodes, edges)
    const output = h('ul', { id: 'lesson-output', class: 'lesson-output', 'aria-live': 'polite' })
    const say = (line: string) => output.append(h('li', {}, line))
    const button = h('button', { type: 'button', id: `lesson-run-${lesson.id}` }, lesson.action)
    if (lesson.id === 'heartbeat' && frozen) button.textContent = 'Unfreeze the server'
    button.addEventListener('click', () => void lesson.run(say))
    body.append(
      h('h3', {}, lesson.title),
      ...lesson.text.map((t) => h('p', {}, t)),
      h(
        'p',
        { class: 'note' },
        `Highlighted: ${lesson.states.join(', ')}; ${lesson.events.join(', ')}`,
      ),
      button,
      output,
    )
  }
  for (const lesson of LESSONS) {
    const tab = h(
      'button',
      {
        type: 'button',
        'data-lesson': lesson.id,
        id: `lesson-${lesson.id}`,
        'aria-pressed': 'false',
      },
      lesson.title,
    )
    tab.addEventListener('click', () =>
      open(document.body.dataset.lesson === lesson.id ? null : lesson),
    )
    tabs.append(tab)
  }
}
