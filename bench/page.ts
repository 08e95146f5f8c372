/**
 * The Chromium side of the dead-link run (B3), bundled by esbuild and loaded
 * into a blank page: one client (heartline or the classic recipe) over the
 * browser's own WebSocket, reporting what happens to the Node side through the
 * exposed `report` binding, with wall-clock times (Date.now()).
 */
import { createConnection } from '../src/index.js'
import { type ClassicTimings, classicClient } from './classic.js'

declare global {
  interface Window {
    report(what: 'open' | 'construct' | 'detect', at: number): void
    startClient(
      kind: 'heartline' | 'classic',
      url: string,
      heartline: Record<string, unknown>,
      classic: ClassicTimings,
    ): void
  }
}

window.startClient = (kind, url, heartline, classic) => {
  class Recording extends WebSocket {
    constructor(u: string | URL, p?: string | string[]) {
      super(u, p)
      window.report('construct', Date.now())
    }
  }
  if (kind === 'heartline') {
    const conn = createConnection(url, { ...heartline, WebSocket: Recording })
    conn.addEventListener('open', () => window.report('open', Date.now()))
    conn.addEventListener('statechange', (e) => {
      if (e.to === 'waitingToReconnect') window.report('detect', Date.now())
    })
  } else {
    const client = classicClient(url, Recording as never, classic)
    client.onopen = () => window.report('open', Date.now())
    client.onclose = () => window.report('detect', Date.now())
  }
}
