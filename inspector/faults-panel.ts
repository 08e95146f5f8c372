/**
 * The demo server's fault controls. Commands go to the server over `/control`;
 * the buttons show the fault state the server reports back, and every change is
 * noted on the page connection's timeline.
 */
import type { Connection } from '../src/index.js'
import { createConnection } from '../src/index.js'
import { $ } from './dom.js'
import { page } from './page-state.js'
import { type FaultCommand, type Faults, HEALTHY, type ServerMessage } from './protocol.js'

let faults: Faults = { ...HEALTHY }
let control: Connection | null = null

export function sendFault(command: FaultCommand): void {
  $('fault-error').textContent = ''
  control?.send(JSON.stringify(command))
}

function render() {
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

function describeChange(before: Faults, after: Faults): string[] {
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

/** The server's fault state arrived. */
export function setFaults(next: Faults): void {
  const before = faults
  faults = next
  render()
  const local = page.sessions.get('local')
  for (const text of describeChange(before, faults)) local?.row('fault', 'server', text)
}

/** Opens `/control` (itself a heartline connection) and hands every server message to `onMessage`. */
export function openControl(onMessage: (message: ServerMessage) => void): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/control`
  control = createConnection(url, {
    heartbeat: false,
    reconnect: { initialDelay: 250, maxDelay: 2000 },
  })
  control.onmessage = (event) => {
    try {
      onMessage(JSON.parse(String(event.data)) as ServerMessage)
    } catch (error) {
      console.error('inspector: bad control message', error)
    }
  }
}

export function initFaultsPanel(): void {
  $('fault-pings').addEventListener('click', () =>
    sendFault({ type: 'silent-pings', on: !faults.silentPings }),
  )
  $('fault-freeze').addEventListener('click', () =>
    sendFault({ type: 'freeze', on: !faults.frozen }),
  )
  $('fault-drop').addEventListener('click', () => {
    page.sessions.get('local')?.row('fault', 'server', 'drops the TCP connection (RST)')
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
  render()
}
