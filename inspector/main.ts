/**
 * The inspector page: runs a real heartline connection against the demo server
 * (with the browser's WebSocket), feeds its inspection events to a Session, and
 * draws the session, one module per panel. Attached apps' sessions come in over
 * /control and are drawn the same way, read-only.
 */
import { connectionMachine } from '../machines/connection.js'
import { initChartPanel } from './chart-panel.js'
import { initContextPanel } from './context-panel.js'
import { initControlsPanel } from './controls-panel.js'
import { initFaultsPanel, openControl, setFaults } from './faults-panel.js'
import { addHandshake, initHandshakePanel } from './handshake-panel.js'
import { initLessons } from './lessons.js'
import { initMetricsPanel } from './metrics-panel.js'
import { initOptionsPanel } from './options-panel.js'
import { connectLocal } from './page-connection.js'
import { initResumeToggle, resumeChart, resumeMode } from './page-resume.js'
import { initSharedToggle, sharedMode, tabChart } from './page-shared.js'
import { page } from './page-state.js'
import type { ServerMessage } from './protocol.js'
import { initRecordings } from './recordings.js'
import { Session } from './session.js'
import { initSessionsPanel } from './sessions-panel.js'
import { initTimelinePanel } from './timeline-panel.js'
import { initTimersPanel } from './timers-panel.js'

let wsUrl = ''

function onServerMessage(message: ServerMessage) {
  switch (message.type) {
    case 'status':
      if (!message.demo) {
        attachOnly(message.attachUrl)
        return
      }
      setFaults(message.faults)
      if (wsUrl === '') {
        wsUrl = resumeMode() && !sharedMode() ? message.resumeUrl : message.wsUrl
        connectLocal(wsUrl)
      }
      return
    case 'fault-error':
      document.getElementById('fault-error')?.replaceChildren(message.message)
      return
    case 'handshake': {
      const status = message.handshake.response.line
      if (!status.includes(' 101 ')) {
        page.sessions
          .get('local')
          ?.row(
            'handshake',
            'to-client',
            `${status.slice(9)} (handshake refused)`,
            message.handshake.at,
          )
      }
      addHandshake(message.handshake)
      return
    }
    case 'attach-hello': {
      if (page.sessions.has(message.bridge)) return
      const target = message.hello.target ? ` ${message.hello.target}` : ''
      const session = new Session(
        message.bridge,
        `${message.hello.name ?? 'app'}${target} (attached)`,
        connectionMachine,
        true,
      )
      session.note = 'read-only: streamed by inspectorBridge from another process'
      page.add(session)
      if (!page.session()) page.select(session.id)
      return
    }
    case 'attach-record':
      page.sessions.get(message.bridge)?.ingest(message.record)
      return
    case 'attach-end':
      page.sessions.get(message.bridge)?.row('fault', 'client', 'bridge disconnected: stream ended')
      return
  }
}

/** No demo server (`heartline inspect` without --demo): the page shows attached apps only. */
function attachOnly(attachUrl: string) {
  document.body.dataset.mode = 'attach'
  const hint = document.getElementById('attach-hint')
  if (hint) {
    hint.hidden = false
    hint.textContent = `Attach an app: createConnection(url, { inspect: inspectorBridge('${attachUrl}') }) from 'heartline/inspector'`
  }
}

/** The charts of the layers switched on, drawn beside the connection's (resume stays off when shared). */
function layerCharts() {
  if (sharedMode()) return [tabChart()]
  return resumeMode() ? [resumeChart()] : []
}

async function main() {
  initSessionsPanel()
  initSharedToggle()
  initResumeToggle()
  initOptionsPanel(() => connectLocal())
  initControlsPanel()
  initFaultsPanel()
  initTimelinePanel()
  initTimersPanel()
  initMetricsPanel()
  initContextPanel()
  initHandshakePanel()
  initRecordings(connectionMachine)
  initLessons(connectionMachine)
  await initChartPanel(connectionMachine, layerCharts())
  openControl(onServerMessage)
}

/** For tests and the curious: what the page has drawn. */
Object.assign(window, {
  __inspector: {
    sessions: page.sessions,
    shown: page.shown,
    current: () => page.current,
    connection: () => page.conn,
  },
})

void main()
