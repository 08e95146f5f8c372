/**
 * What the inspector page and its demo server say to each other over `/control`,
 * declared once for both sides.
 */
import type { InspectionRecord } from '../src/inspector/index.js'

export interface Faults {
  /** The server no longer answers app-level pings (everything else still works). */
  silentPings: boolean
  /** The proxy keeps every TCP connection but forwards nothing, either way. */
  frozen: boolean
  /** New handshakes are refused with this HTTP status (0: accepted). */
  refuse: 0 | 401 | 503
  /** The server is down: its port refuses connections. */
  down: boolean
}

export const HEALTHY: Readonly<Faults> = {
  silentPings: false,
  frozen: false,
  refuse: 0,
  down: false,
}

/** A handshake as the server saw it: the upgrade request and its answer. */
export interface HandshakeCapture {
  id: number
  at: number
  request: { line: string; headers: [string, string][] }
  response: { line: string; headers: [string, string][] }
}

/** Page → server. */
export type FaultCommand =
  | { type: 'silent-pings'; on: boolean }
  | { type: 'freeze'; on: boolean }
  | { type: 'drop' }
  | { type: 'close'; code: number; reason: string }
  | { type: 'refuse'; status: 0 | 401 | 503 }
  | { type: 'down'; on: boolean }
  | { type: 'reset' }

/** Server → page. */
export type ServerMessage =
  | {
      type: 'status'
      /** A demo server runs (the page's own connection and the fault controls); false: attached apps only. */
      demo: boolean
      faults: Faults
      wsUrl: string
      resumeUrl: string
      attachUrl: string
    }
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
