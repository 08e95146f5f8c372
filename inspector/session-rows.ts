/**
 * Timeline rows: what the sequence diagram shows for each inspection event, for
 * the chart's own events and for the commands it sends its socket.
 */
import { eventLabel } from './chart-graph.js'

export type RowKind =
  | 'handshake'
  | 'open'
  | 'ping'
  | 'pong'
  | 'message'
  | 'close'
  | 'reconnect'
  | 'error'
  | 'timer'
  | 'fault'
  /** Which tab holds a socket shared across tabs (`leaderchange`). */
  | 'tabs'
  /** The resume protocol (`heartline/resume`): hello, welcome, acks, resumed / reset / drop. */
  | 'resume'

export const ROW_KINDS: readonly RowKind[] = [
  'handshake',
  'open',
  'ping',
  'pong',
  'message',
  'close',
  'reconnect',
  'error',
  'timer',
  'fault',
  'tabs',
  'resume',
]

/** One line of the sequence diagram. `dir`: to the server, to the client, or a note on one side. */
export interface Row {
  at: number
  kind: RowKind
  dir: 'to-server' | 'to-client' | 'client' | 'server'
  text: string
  /** Set on rows made from an inspection record: that record's sequence number. */
  seq?: number
  /** A message the resume protocol replayed, or a duplicate it dropped (not delivered). */
  tag?: 'replay' | 'duplicate'
}

type AnyEvent = { type: string; [key: string]: unknown }

/** The row for one event (`root`: received by the chart; else a command to its socket), or null. */
export function describeEvent(e: AnyEvent, root: boolean): Omit<Row, 'at'> | null {
  if (!root) {
    if (e.type === 'heartbeat.ping') return { kind: 'ping', dir: 'to-server', text: 'ping' }
    if (e.type === 'socket.close') {
      return {
        kind: 'close',
        dir: 'to-server',
        text: `close ${String(e.code)} “${String(e.reason)}”`,
      }
    }
    return null
  }
  switch (e.type) {
    case 'socket.open':
      return { kind: 'open', dir: 'to-client', text: '101 Switching Protocols · open' }
    case 'socket.close':
      return {
        kind: 'close',
        dir: 'to-client',
        text: `close ${String(e.code)}${e.reason ? ` “${String(e.reason)}”` : ''}${e.wasClean ? '' : ' (not clean)'}`,
      }
    case 'socket.error': {
      const err = e.error as { message?: string } | undefined
      // Browsers give no detail on a failed WebSocket (by design); Node's ws does.
      return {
        kind: 'error',
        dir: 'client',
        text: `socket error${err?.message ? `: ${err.message}` : ''}`,
      }
    }
    case 'heartbeat.alive':
      return {
        kind: 'pong',
        dir: 'to-client',
        text: `pong (first message after the ping) · rtt ${Number(e.rtt)} ms`,
      }
    case 'heartbeat.silence':
      return { kind: 'timer', dir: 'client', text: `silent for ${String(e.silentFor)} ms` }
    case 'app.close':
      return {
        kind: 'close',
        dir: 'client',
        text: `app close(${String(e.code)}, “${String(e.reason)}”)`,
      }
    case 'app.reconnect':
      return { kind: 'reconnect', dir: 'client', text: 'app reconnect()' }
    case 'network.offline':
    case 'network.online':
    case 'app.resume':
      return { kind: 'fault', dir: 'client', text: `chart event ${e.type}` }
    default:
      if (e.type.startsWith('xstate.after.')) {
        return {
          kind: 'timer',
          dir: 'client',
          text: `timer ${eventLabel(e.type).replace('after ', '')} elapsed`,
        }
      }
      return null
  }
}
