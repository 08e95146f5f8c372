// Runs in the test page, after the heartline bundle (global `heartline`). It drives
// one connection with the browser's own WebSocket, wrapped by a recorder that
// checks "never two live sockets", and reports every event to the test through
// the `report` binding the test exposes.
const report = (record) => window.report(record)

const sockets = []
const violations = []
const live = (except) =>
  sockets.filter(
    (s) => s !== except && s.closedAt === undefined && s.closeRequestedAt === undefined,
  )

class RecordedWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols)
    const record = { index: sockets.length }
    const others = live(record)
    if (others.length > 0) {
      violations.push(`socket #${record.index} created while #${others.map((s) => s.index)} live`)
    }
    sockets.push(record)
    report({ type: 'socket', event: 'created', index: record.index })
    const close = this.close.bind(this)
    this.close = (code, reason) => {
      record.closeRequestedAt ??= performance.now()
      close(code, reason)
    }
    this.addEventListener('open', () => {
      record.openedAt = performance.now()
      const open = live(record).filter((s) => s.openedAt !== undefined)
      if (open.length > 0) {
        violations.push(`socket #${record.index} opened while #${open.map((s) => s.index)} open`)
      }
      report({ type: 'socket', event: 'opened', index: record.index })
    })
    this.addEventListener('close', (event) => {
      record.closedAt = performance.now()
      report({ type: 'socket', event: 'closed', index: record.index, code: event.code })
    })
  }
}

/** Real timers, counted, so the test can check close() left none of the controller's. */
const pendingTimers = new Set()
const clock = {
  setTimeout(fn, ms) {
    const id = setTimeout(() => {
      pendingTimers.delete(id)
      fn()
    }, ms)
    pendingTimers.add(id)
    return id
  },
  clearTimeout(id) {
    pendingTimers.delete(id)
    clearTimeout(id)
  },
}

let conn = null
let received = 0
/** What the pump sent, kept in the page and read once at the end. */
const pumped = []

window.start = (url, options) => {
  conn = heartline.createConnection(url, { ...options, WebSocket: RecordedWebSocket, clock })
  report({ type: 'state', to: conn.state, event: 'start' })
  conn.addEventListener('statechange', (e) =>
    report({ type: 'state', from: e.from, to: e.to, event: e.event }),
  )
  conn.addEventListener('close', (e) =>
    report({
      type: 'close',
      code: e.code,
      cause: e.cause,
      wasClean: e.wasClean,
      willReconnect: e.willReconnect,
    }),
  )
  conn.addEventListener('drop', (e) => report({ type: 'drop', data: e.data, reason: e.reason }))
  conn.addEventListener('error', () => report({ type: 'error' }))
  // Counted, reported every tenth: one binding call per message would flood the test.
  conn.addEventListener('message', () => {
    received++
    if (received % 10 === 0) report({ type: 'messages', count: received })
  })
}

/** Queues `n` messages when the connection first leaves open (during the fault). */
window.queueOnFault = (prefix, n) => {
  const onChange = (e) => {
    const up = (s) => s === 'open' || s === 'awaitingPong'
    if (!up(e.from) || up(e.to)) return
    conn.removeEventListener('statechange', onChange)
    for (let i = 1; i <= n; i++) {
      const before = conn.queued
      const accepted = conn.send(`${prefix}${i}`)
      report({ type: 'sent', data: `${prefix}${i}`, accepted, queued: conn.queued === before + 1 })
    }
  }
  conn.addEventListener('statechange', onChange)
}

/** Sends `m0, m1, …` every `every` ms, reporting whether each was written or queued. */
let pump = null
window.startPump = (every) => {
  let n = 0
  pump = setInterval(() => {
    const data = `m${n++}`
    const before = conn.queued
    const accepted = conn.send(data)
    pumped.push({ data, accepted, queued: conn.queued > before })
    if (pumped.length % 10 === 0) report({ type: 'pumped', count: pumped.length })
  }, every)
}
window.stopPump = () => {
  clearInterval(pump)
  return pumped
}

window.send = (data) => conn.send(data)
window.closeConnection = () => conn.close()

window.summary = () => ({
  state: conn.state,
  pendingTimers: pendingTimers.size,
  violations,
  sockets: sockets.length,
  unclosed: sockets.filter((s) => s.closedAt === undefined).map((s) => s.index),
})

report({ type: 'ready' })
