/**
 * The inspector page: runs a real heartline connection against the demo server
 * (with the browser's WebSocket), feeds its inspection events to a Session, and
 * draws the session: the chart, timers, timeline, metrics and handshake. Attached
 * apps' sessions come in over /control and are drawn the same way, read-only.
 */

import { acceptSteps } from '../src/handshake.js'
import {
  type Connection,
  type ConnectionOptions,
  connectionMachine,
  createConnection,
  DEFAULTS,
  type InspectionRecord,
  presets,
  redactUrl,
  toRecord,
} from '../src/index.js'
import { type DrawnChart, drawChart } from './chart.js'
import { ROW_KINDS, type RowKind, Session } from './session.js'

// ---- small DOM helpers ------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`inspector: #${id} missing from index.html`)
  return found as T
}
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  node.append(...children)
  return node
}
const time = (at: number) => {
  const d = new Date(at)
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

// ---- types of the control channel ---------------------------------------------

interface Faults {
  silentPings: boolean
  frozen: boolean
  refuse: 0 | 401 | 503
  down: boolean
}
interface HandshakeCapture {
  id: number
  at: number
  request: { line: string; headers: [string, string][] }
  response: { line: string; headers: [string, string][] }
}
type ServerMessage =
  | { type: 'status'; faults: Faults; wsUrl: string; attachUrl: string }
  | { type: 'handshake'; handshake: HandshakeCapture }
  | { type: 'fault-error'; message: string }
  | {
      type: 'attach-hello'
      bridge: string
      hello: { name?: string; target?: string | null }
      live: boolean
    }
  | { type: 'attach-record'; bridge: string; record: InspectionRecord }
  | { type: 'attach-end'; bridge: string }

// ---- state ---------------------------------------------------------------------

const sessions = new Map<string, Session>()
let current = 'local'
let local: Session | null = null
let conn: Connection | null = null
let wsUrl = ''
let faults: Faults = { silentPings: false, frozen: false, refuse: 0, down: false }
const handshakes: HandshakeCapture[] = []
let chart: DrawnChart | null = null
/** The highlighted leaf state of the current session, in the order the chart showed them. */
const shown: string[] = []
const hidden = new Set<RowKind>()

// ---- the options editor ---------------------------------------------------------

interface Field {
  name: string
  label: string
  kind: 'number' | 'jitter'
}
const FIELDS: Field[] = [
  { name: 'heartbeat.interval', label: 'heartbeat.interval (ms)', kind: 'number' },
  { name: 'heartbeat.timeout', label: 'heartbeat.timeout (ms)', kind: 'number' },
  { name: 'reconnect.initialDelay', label: 'reconnect.initialDelay (ms)', kind: 'number' },
  { name: 'reconnect.maxDelay', label: 'reconnect.maxDelay (ms)', kind: 'number' },
  { name: 'reconnect.factor', label: 'reconnect.factor', kind: 'number' },
  { name: 'reconnect.jitter', label: 'reconnect.jitter', kind: 'jitter' },
  { name: 'reconnect.maxAttempts', label: 'reconnect.maxAttempts', kind: 'number' },
  { name: 'reconnect.stableAfter', label: 'reconnect.stableAfter (ms)', kind: 'number' },
  { name: 'connectTimeout', label: 'connectTimeout (ms)', kind: 'number' },
  { name: 'closeTimeout', label: 'closeTimeout (ms)', kind: 'number' },
]

function defaultOf(name: string): string {
  const [a, b] = name.split('.') as [string, string | undefined]
  const section = (DEFAULTS as unknown as Record<string, unknown>)[a]
  const value = b === undefined ? section : (section as Record<string, unknown>)[b]
  return String(value)
}

function fieldInput(name: string): HTMLInputElement | HTMLSelectElement {
  return $(`opt-${name.replace('.', '-')}`) as HTMLInputElement | HTMLSelectElement
}

function buildOptionsForm() {
  const params = new URLSearchParams(location.search)
  const host = $('options-fields')
  host.append(h('legend', { class: 'sr-only' }, 'Connection options'))
  for (const f of FIELDS) {
    const id = `opt-${f.name.replace('.', '-')}`
    const initial = params.get(f.name) ?? defaultOf(f.name)
    const input =
      f.kind === 'jitter'
        ? h('select', { id, name: f.name }, h('option', {}, 'full'), h('option', {}, 'none'))
        : h('input', { id, name: f.name, type: 'text', inputmode: 'decimal', size: '7' })
    input.value = initial
    host.append(h('label', { for: id }, f.label), input)
  }
}

function setFields(values: Record<string, string>) {
  for (const f of FIELDS) fieldInput(f.name).value = values[f.name] ?? defaultOf(f.name)
}

/** The form as ConnectionOptions; text is passed on as typed so the library's own validation speaks. */
function readOptions(): ConnectionOptions {
  const heartbeat: Record<string, unknown> = {}
  const reconnect: Record<string, unknown> = {}
  const top: Record<string, unknown> = {}
  for (const f of FIELDS) {
    const raw = fieldInput(f.name).value.trim()
    const value =
      f.kind === 'jitter'
        ? raw
        : raw === ''
          ? undefined
          : /^[+-]?infinity$/i.test(raw)
            ? Number.POSITIVE_INFINITY
            : Number.isNaN(Number(raw))
              ? raw
              : Number(raw)
    const [a, b] = f.name.split('.') as [string, string | undefined]
    if (b === undefined) top[a] = value
    else if (a === 'heartbeat') heartbeat[b] = value
    else reconnect[b] = value
  }
  return { ...top, heartbeat, reconnect } as ConnectionOptions
}

// ---- the page's own connection ---------------------------------------------------

let offline = false

/** A throwaway socket for attempts made while "offline": fails like a browser with no network. */
class OfflineSocket {
  readyState = 0
  protocol = ''
  bufferedAmount = 0
  binaryType = 'blob'
  readonly #listeners = new Map<string, Set<(event: unknown) => void>>()
  constructor() {
    setTimeout(() => {
      this.readyState = 3
      this.#fire('error', new Event('error'))
      this.#fire('close', { type: 'close', code: 1006, reason: '', wasClean: false })
    }, 0)
  }
  #fire(type: string, event: unknown) {
    for (const l of this.#listeners.get(type) ?? []) l(event)
  }
  addEventListener(type: string, l: (event: unknown) => void) {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(l)
    this.#listeners.set(type, set)
  }
  removeEventListener(type: string, l: (event: unknown) => void) {
    this.#listeners.get(type)?.delete(l)
  }
  send() {}
  close() {
    this.readyState = 3
  }
}

/**
 * The browser's WebSocket, watched: wire-level rows for the timeline (the chart
 * never sees app messages), and the simulated offline switch, which black-holes
 * the socket in the page and fails new attempts.
 */
function pageWebSocket(session: Session) {
  const Native = window.WebSocket
  return function watchedWebSocket(url: string, protocols?: string | string[]) {
    const path = new URL(url).pathname
    if (offline) {
      session.row('handshake', 'client', `GET ${path}: no network (offline)`)
      return new OfflineSocket()
    }
    const ws = new Native(url, protocols)
    session.row('handshake', 'to-server', `GET ${path} · Upgrade: websocket`)
    const add = ws.addEventListener.bind(ws)
    const remove = ws.removeEventListener.bind(ws)
    const wrapped = new Map<unknown, EventListener>()
    ws.addEventListener = ((type: string, listener: EventListener) => {
      if (type !== 'message' && type !== 'close') return add(type, listener)
      const w: EventListener = (event) => {
        if (offline) return
        if (type === 'message') {
          const data = (event as MessageEvent).data
          if (data !== 'pong') session.row('message', 'to-client', `“${String(data)}”`)
        }
        listener(event)
      }
      wrapped.set(listener, w)
      add(type, w)
    }) as typeof ws.addEventListener
    ws.removeEventListener = ((type: string, listener: EventListener) => {
      remove(type, wrapped.get(listener) ?? listener)
    }) as typeof ws.removeEventListener
    const send = ws.send.bind(ws)
    ws.send = (data) => {
      if (offline) return
      if (data !== 'ping') session.row('message', 'to-server', `“${String(data)}”`)
      send(data)
    }
    return ws
  } as unknown as typeof WebSocket
}

function connectLocal() {
  $('options-error').textContent = ''
  let options: ConnectionOptions
  const session = new Session('local', 'This page', connectionMachine, false)
  try {
    options = readOptions()
    const previous = conn
    const next = createConnection(wsUrl, {
      ...options,
      WebSocket: pageWebSocket(session),
      inspect: (event) => {
        const record = toRecord(event)
        if (record) session.ingest(record)
      },
    })
    previous?.close(1000, 'options changed')
    conn = next
  } catch (error) {
    $('options-error').textContent = (error as Error).message
    return
  }
  if (local) sessions.delete('local')
  local = session
  addSession(session)
  if (current === 'local') selectSession('local')
}

// ---- sessions and the view -----------------------------------------------------------

function addSession(session: Session) {
  sessions.set(session.id, session)
  session.onChange = (edges) => {
    if (session.id !== current) return
    drawState(session, edges)
  }
  session.onRow = () => {
    if (session.id === current) scheduleTimeline()
  }
  renderSessionList()
}

function renderSessionList() {
  const select = $<HTMLSelectElement>('session-select')
  select.textContent = ''
  for (const s of sessions.values()) {
    const option = h('option', { value: s.id }, s.label)
    if (s.id === current) option.selected = true
    select.append(option)
  }
}

function selectSession(id: string) {
  const session = sessions.get(id)
  if (!session) return
  current = id
  shown.length = 0
  $<HTMLFieldSetElement>('app-controls').disabled = session.readOnly
  // The options editor and the app controls drive the page's own connection only.
  $<HTMLFieldSetElement>('options-fields').disabled = session.readOnly
  for (const id of ['apply-options', 'preset-seed', 'preset-defaults']) {
    $<HTMLButtonElement>(id).disabled = session.readOnly
  }
  $('session-note').textContent = session.readOnly
    ? 'read-only: streamed by inspectorBridge from another process'
    : ''
  document.body.dataset.session = id
  renderSessionList()
  drawState(session, [])
  renderTimeline(true)
}

function drawState(session: Session, edges: string[]) {
  const badge = $('state-badge')
  badge.textContent = session.state
  badge.dataset.state = session.state
  renderTimers()
  if (!chart) return
  chart.highlight(session.active)
  if (edges.length > 0) chart.flash(edges)
  const leaf = document.querySelector('#chart .state.leaf.active')
  const name = leaf?.getAttribute('data-node-id')?.split('.').pop()
  if (name && shown[shown.length - 1] !== name) shown.push(name)
}

// ---- timers and metrics (redrawn on a clock) ---------------------------------------------

function renderTimers() {
  const session = sessions.get(current)
  const host = $('timers')
  host.textContent = ''
  if (!session) return
  const now = Date.now()
  host.append(h('h3', {}, 'Timers'))
  const list = session.timers()
  if (list.length === 0) host.append(h('p', { class: 'note' }, 'none armed'))
  for (const t of list) {
    const left = Math.max(0, t.deadline - now)
    const meter = h('meter', {
      min: '0',
      max: String(t.total || 1),
      value: String(left),
      'aria-label': `${t.name} remaining`,
    })
    host.append(
      h(
        'div',
        { class: left === 0 ? 'timer done' : 'timer', 'data-timer': t.name },
        h('code', {}, t.name),
        meter,
        h('span', {}, left === 0 ? 'elapsed' : `${left} / ${t.total} ms`),
      ),
    )
  }
}

function renderMetrics() {
  const session = sessions.get(current)
  const host = $('metrics')
  host.textContent = ''
  if (!session) return
  const rtts = session.rtts.slice(-20)
  const avg = rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : 0
  const spent = session.timeSpent()
  const total = Object.values(spent).reduce((a, b) => a + b, 0) || 1
  const bars = h('div', { class: 'rtt-bars', 'aria-label': 'recent pong round-trip times' })
  const max = Math.max(1, ...rtts)
  for (const r of rtts) {
    bars.append(h('span', { style: `height:${Math.max(2, (r / max) * 28)}px`, title: `${r} ms` }))
  }
  host.append(
    h(
      'dl',
      { class: 'metrics' },
      h('dt', {}, 'RTT (last 20 pongs)'),
      h(
        'dd',
        { id: 'metric-rtt' },
        rtts.length
          ? `last ${rtts[rtts.length - 1]} · avg ${avg.toFixed(1)} · max ${max} ms`
          : 'no pong yet',
      ),
      h('dt', {}, 'Failed attempts (context.attempt)'),
      h('dd', { id: 'metric-attempt' }, String(session.context.attempt ?? 0)),
      h('dt', {}, 'Sockets opened / reconnects'),
      h('dd', { id: 'metric-opened' }, `${session.socketsOpened} / ${session.retries}`),
    ),
    bars,
  )
  const table = h('table', { class: 'time-in' }, h('caption', {}, 'Time in each state'))
  for (const [name, ms] of Object.entries(spent)) {
    const pct = (ms / total) * 100
    table.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, name),
        h('td', {}, `${(ms / 1000).toFixed(1)} s`),
        h('td', { class: 'bar' }, h('span', { style: `width:${pct.toFixed(1)}%` })),
      ),
    )
  }
  host.append(table)
}

// ---- the timeline ------------------------------------------------------------------------

let timelineQueued = false
function scheduleTimeline() {
  if (timelineQueued) return
  timelineQueued = true
  requestAnimationFrame(() => {
    timelineQueued = false
    renderTimeline()
  })
}

const ARROW: Record<string, string> = {
  'to-server': '→',
  'to-client': '←',
  client: '',
  server: '',
}

let renderedFor: Session | null = null
/** Absolute index of the next row to draw. */
let renderedUpTo = 0

/** Appends the new rows only; a full redraw when the session or the filter changes. */
function renderTimeline(full = false) {
  const session = sessions.get(current)
  const list = $('timeline')
  if (!session) {
    list.textContent = ''
    return
  }
  if (full || session !== renderedFor || renderedUpTo > session.dropped + session.rows.length) {
    list.textContent = ''
    renderedFor = session
    renderedUpTo = session.dropped + Math.max(0, session.rows.length - 300)
  }
  const start = Math.max(0, renderedUpTo - session.dropped)
  const fragment = document.createDocumentFragment()
  for (let i = start; i < session.rows.length; i++) {
    const r = session.rows[i]
    if (!r || hidden.has(r.kind)) continue
    fragment.append(
      h(
        'li',
        { class: `row ${r.dir} kind-${r.kind}`, 'data-kind': r.kind },
        h('time', {}, time(r.at)),
        h('span', { class: 'lane-client' }, r.dir === 'client' ? r.text : ''),
        h(
          'span',
          { class: 'msg' },
          r.dir === 'to-server' || r.dir === 'to-client'
            ? h('span', { class: 'label' }, `${ARROW[r.dir]} ${r.text}`)
            : '',
        ),
        h('span', { class: 'lane-server' }, r.dir === 'server' ? r.text : ''),
      ),
    )
  }
  renderedUpTo = session.dropped + session.rows.length
  list.append(fragment)
  while (list.childElementCount > 400) list.firstElementChild?.remove()
  list.scrollTop = list.scrollHeight
}

function buildKindFilter() {
  const host = $('kind-filter')
  for (const kind of ROW_KINDS) {
    const id = `kind-${kind}`
    const box = h('input', { type: 'checkbox', id })
    box.checked = true
    box.addEventListener('change', () => {
      if (box.checked) hidden.delete(kind)
      else hidden.add(kind)
      renderTimeline(true)
    })
    host.append(h('label', { for: id, class: `chip kind-${kind}` }, box, kind))
  }
}

function exportTimeline() {
  const session = sessions.get(current)
  if (!session) return
  const payload = {
    connection: session.label,
    exportedAt: new Date().toISOString(),
    kinds: ROW_KINDS.filter((k) => !hidden.has(k)),
    rows: session.rows
      .filter((r) => !hidden.has(r.kind))
      .map((r) => ({ ...r, time: new Date(r.at).toISOString() })),
  }
  const blob = new Blob([JSON.stringify(payload, null, 2)], { type: 'application/json' })
  const a = h('a', { href: URL.createObjectURL(blob), download: 'heartline-timeline.json' })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

// ---- the handshake lesson -----------------------------------------------------------------

/** The request line with query values redacted, as every URL the page shows. */
function redactRequestLine(line: string): string {
  const [method = '', target = '', version = ''] = line.split(' ')
  const base = 'http://host'
  const redacted = redactUrl(`${base}${target}`)
  return `${method} ${redacted.startsWith(base) ? redacted.slice(base.length) : target} ${version}`
}

function headerValue(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
}

function renderHandshakeList() {
  const select = $<HTMLSelectElement>('handshake-select')
  const keep = select.value
  select.textContent = ''
  for (const hs of [...handshakes].reverse()) {
    select.append(
      h(
        'option',
        { value: String(hs.id) },
        `#${hs.id} ${time(hs.at)} ${hs.response.line.slice(9)}`,
      ),
    )
  }
  if (keep && handshakes.some((hs) => String(hs.id) === keep) && !select.dataset.follow) {
    select.value = keep
  }
}

async function renderHandshake() {
  const select = $<HTMLSelectElement>('handshake-select')
  const hs =
    handshakes.find((x) => String(x.id) === select.value) ?? handshakes[handshakes.length - 1]
  const host = $('handshake')
  host.textContent = ''
  if (!hs) {
    host.append(h('p', { class: 'note' }, 'No handshake captured yet.'))
    return
  }
  const headerList = (headers: [string, string][]) =>
    h(
      'dl',
      { class: 'headers' },
      ...headers.flatMap(([k, v]) => [
        h('dt', {}, k),
        h('dd', {}, k.toLowerCase() === 'cookie' ? '***' : v),
      ]),
    )
  host.append(
    h('h3', {}, 'Request (as the server received it)'),
    h('pre', { id: 'hs-request-line' }, redactRequestLine(hs.request.line)),
    headerList(hs.request.headers),
    h('h3', {}, 'Response'),
    h('pre', { id: 'hs-response-line' }, hs.response.line),
    headerList(hs.response.headers),
  )
  const key = headerValue(hs.request.headers, 'sec-websocket-key')
  const captured = headerValue(hs.response.headers, 'sec-websocket-accept')
  if (!key) return
  const steps = await acceptSteps(key)
  const ok = captured !== undefined && captured === steps.accept
  host.append(
    h('h3', {}, 'Sec-WebSocket-Accept, step by step (RFC 6455 §4.2.2)'),
    h(
      'ol',
      { class: 'steps' },
      h('li', {}, 'Key from the request: ', h('code', { id: 'accept-key' }, steps.key)),
      h('li', {}, 'Append the GUID: ', h('code', { id: 'accept-concat' }, steps.concatenated)),
      h('li', {}, 'SHA-1 of those bytes (hex): ', h('code', { id: 'accept-sha1' }, steps.sha1Hex)),
      h(
        'li',
        {},
        'Base64 of the 20 digest bytes: ',
        h('code', { id: 'accept-computed' }, steps.accept),
      ),
      h(
        'li',
        {},
        'The server sent: ',
        h('code', { id: 'accept-captured' }, captured ?? '(no Accept: handshake refused)'),
        ' ',
        h(
          'strong',
          { id: 'accept-match', class: ok ? 'ok' : 'bad', 'data-match': String(ok) },
          ok ? '✓ matches' : captured === undefined ? '– nothing to compare' : '✗ differs',
        ),
      ),
    ),
  )
}

// ---- the control channel -----------------------------------------------------------------

let control: Connection | null = null
function sendFault(command: Record<string, unknown>) {
  $('fault-error').textContent = ''
  control?.send(JSON.stringify(command))
}

function renderFaults() {
  const press = (id: string, on: boolean) => $(id).setAttribute('aria-pressed', String(on))
  press('fault-pings', faults.silentPings)
  press('fault-freeze', faults.frozen)
  press('fault-401', faults.refuse === 401)
  press('fault-503', faults.refuse === 503)
  press('fault-down', faults.down)
  $('fault-down').textContent = faults.down ? 'Come back up' : 'Go down'
  $('fault-freeze').textContent = faults.frozen ? 'Unfreeze' : 'Freeze (black-hole)'
  $('fault-pings').textContent = faults.silentPings ? 'Answer pings again' : 'Stop answering pings'
  const active = [
    faults.silentPings && 'pings unanswered',
    faults.frozen && 'frozen',
    faults.refuse && `refusing ${faults.refuse}`,
    faults.down && 'down',
  ].filter(Boolean)
  $('server-status').textContent = `server: ${active.length ? active.join(', ') : 'healthy'}`
}

function describeFaultChange(before: Faults, after: Faults): string[] {
  const out: string[] = []
  if (before.silentPings !== after.silentPings)
    out.push(after.silentPings ? 'stops answering pings' : 'answers pings again')
  if (before.frozen !== after.frozen)
    out.push(after.frozen ? 'frozen: black-holes every byte' : 'unfrozen')
  if (before.refuse !== after.refuse)
    out.push(after.refuse ? `refuses handshakes with ${after.refuse}` : 'accepts handshakes')
  if (before.down !== after.down) out.push(after.down ? 'down: port closed' : 'back up')
  return out
}

const attachedLabels = new Map<string, string>()

function onServerMessage(message: ServerMessage) {
  switch (message.type) {
    case 'status': {
      const before = faults
      faults = message.faults
      renderFaults()
      for (const text of describeFaultChange(before, faults)) local?.row('fault', 'server', text)
      if (wsUrl === '') {
        wsUrl = message.wsUrl
        connectLocal()
      }
      return
    }
    case 'fault-error':
      $('fault-error').textContent = message.message
      return
    case 'handshake': {
      handshakes.push(message.handshake)
      if (handshakes.length > 20) handshakes.shift()
      const status = message.handshake.response.line
      if (!status.includes(' 101 ')) {
        local?.row(
          'handshake',
          'to-client',
          `${status.slice(9)} (handshake refused)`,
          message.handshake.at,
        )
      }
      renderHandshakeList()
      $<HTMLSelectElement>('handshake-select').value = String(message.handshake.id)
      void renderHandshake()
      return
    }
    case 'attach-hello': {
      const target = message.hello.target ? ` ${message.hello.target}` : ''
      const label = `${message.hello.name ?? 'app'}${target} (attached)`
      attachedLabels.set(message.bridge, label)
      if (!sessions.has(message.bridge)) {
        addSession(new Session(message.bridge, label, connectionMachine, true))
      }
      return
    }
    case 'attach-record':
      sessions.get(message.bridge)?.ingest(message.record)
      return
    case 'attach-end': {
      const s = sessions.get(message.bridge)
      if (s) s.row('fault', 'client', 'bridge disconnected: stream ended')
      return
    }
  }
}

function openControl() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/control`
  control = createConnection(url, {
    heartbeat: false,
    reconnect: { initialDelay: 250, maxDelay: 2000 },
  })
  control.onmessage = (event) => {
    try {
      onServerMessage(JSON.parse(String(event.data)) as ServerMessage)
    } catch (error) {
      console.error('inspector: bad control message', error)
    }
  }
}

// ---- wiring -----------------------------------------------------------------------------

function wire() {
  $('session-select').addEventListener('change', (e) =>
    selectSession((e.target as HTMLSelectElement).value),
  )
  $('connect').addEventListener('click', () => {
    $('app-error').textContent = ''
    if (conn) conn.reconnect()
    else connectLocal()
  })
  $('close').addEventListener('click', () => {
    $('app-error').textContent = ''
    const rawCode = $<HTMLInputElement>('close-code').value.trim()
    const code = rawCode === '' ? undefined : Number(rawCode)
    try {
      conn?.close(code, $<HTMLInputElement>('close-reason').value)
    } catch (error) {
      const e = error as Error
      $('app-error').textContent = `${e.name}: ${e.message}`
    }
  })
  $('send').addEventListener('click', () => {
    $('app-error').textContent = ''
    const ok = conn?.send($<HTMLInputElement>('send-text').value)
    if (ok === false) $('app-error').textContent = 'send() returned false (see drop event)'
  })
  $<HTMLInputElement>('offline').addEventListener('change', (e) => {
    offline = (e.target as HTMLInputElement).checked
    local?.row('fault', 'client', offline ? 'offline (simulated)' : 'online: reconnect() at once')
    // What an app should do on the browser's `online` event: try now, not after the backoff.
    if (!offline) conn?.reconnect()
  })
  $('fault-pings').addEventListener('click', () =>
    sendFault({ type: 'silent-pings', on: !faults.silentPings }),
  )
  $('fault-freeze').addEventListener('click', () =>
    sendFault({ type: 'freeze', on: !faults.frozen }),
  )
  $('fault-drop').addEventListener('click', () => {
    local?.row('fault', 'server', 'drops the TCP connection (RST)')
    sendFault({ type: 'drop' })
  })
  $('fault-close').addEventListener('click', () =>
    sendFault({
      type: 'close',
      code: Number($<HTMLInputElement>('server-code').value),
      reason: $<HTMLInputElement>('server-reason').value,
    }),
  )
  $('fault-401').addEventListener('click', () =>
    sendFault({ type: 'refuse', status: faults.refuse === 401 ? 0 : 401 }),
  )
  $('fault-503').addEventListener('click', () =>
    sendFault({ type: 'refuse', status: faults.refuse === 503 ? 0 : 503 }),
  )
  $('fault-down').addEventListener('click', () => sendFault({ type: 'down', on: !faults.down }))
  $('fault-reset').addEventListener('click', () => sendFault({ type: 'reset' }))
  $('options-form').addEventListener('submit', (e) => {
    e.preventDefault()
    connectLocal()
  })
  $('preset-seed').addEventListener('click', () => {
    const seed = presets.seed
    setFields({
      'heartbeat.interval': String(seed.heartbeat.interval),
      'heartbeat.timeout': String(seed.heartbeat.timeout),
      'reconnect.initialDelay': String(seed.reconnect.initialDelay),
      'reconnect.maxDelay': String(seed.reconnect.maxDelay),
      'reconnect.factor': String(seed.reconnect.factor),
      'reconnect.jitter': seed.reconnect.jitter,
    })
    connectLocal()
  })
  $('preset-defaults').addEventListener('click', () => {
    setFields({})
    connectLocal()
  })
  $('export-json').addEventListener('click', exportTimeline)
  $('clear-timeline').addEventListener('click', () => {
    const s = sessions.get(current)
    if (s) {
      s.dropped += s.rows.length
      s.rows.length = 0
    }
    renderTimeline(true)
  })
  $('handshake-select').addEventListener('change', () => void renderHandshake())
}

async function main() {
  buildOptionsForm()
  buildKindFilter()
  wire()
  renderFaults()
  void renderHandshake()
  const chartHost = $('chart')
  try {
    const t0 = performance.now()
    chart = await drawChart(connectionMachine, chartHost)
    console.debug(`chart laid out in ${Math.round(performance.now() - t0)} ms`)
  } catch (error) {
    chartHost.textContent = `The chart could not be laid out: ${(error as Error).message}`
  }
  chartHost.setAttribute('aria-busy', 'false')
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="chart-view"]')) {
    input.addEventListener('change', async () => {
      chart = await drawChart(connectionMachine, chartHost, input.value === 'main' ? 'main' : 'all')
      const s = sessions.get(current)
      if (s) drawState(s, [])
    })
  }
  const session = sessions.get(current)
  if (session) drawState(session, [])
  openControl()
  setInterval(renderTimers, 200)
  setInterval(renderMetrics, 1000)
}

/** For tests and the curious: what the page has drawn. */
Object.assign(window, {
  __inspector: {
    sessions,
    shown,
    current: () => current,
    chart: () => chart?.graph,
    connection: () => conn,
  },
})

void main()
