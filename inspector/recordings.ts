/**
 * Recordings: a session saved as a file (its inspection records, timeline rows
 * and the fingerprint of the chart it ran), and opened again in the page (file
 * picker or drag and drop, no network) to replay with time travel. A stream
 * saved from `inspectorBridge()` (its hello and record messages, one JSON per
 * line or as an array) opens the same way, so a bug report can carry one.
 */
import type { AnyStateMachine } from 'xstate'
import type { InspectionRecord } from '../src/inspector/index.js'
import { chartGraph } from './chart-graph.js'
import { $, download } from './dom.js'
import { page } from './page-state.js'
import { type Row, Session } from './session.js'

export const RECORDING_FORMAT = 'heartline-recording'

export interface Recording {
  format: typeof RECORDING_FORMAT
  version: 1
  /** The chart the records were made with: its id and a fingerprint of its states and transitions. */
  machine: { id: string; fingerprint: string }
  label: string
  savedAt: string
  /** Sequence number of the first record (earlier ones were no longer kept). */
  firstSeq: number
  records: InspectionRecord[]
  rows: Row[]
}

/** FNV-1a over the chart's node and edge ids and labels: changes whenever the chart does. */
export function machineFingerprint(machine: AnyStateMachine): string {
  const graph = chartGraph(machine)
  const text = JSON.stringify([
    graph.nodes.map((n) => n.id),
    graph.edges.map((e) => [e.id, e.target, e.label, e.guard]),
  ])
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

export function toRecording(session: Session, machine: AnyStateMachine): Recording {
  return {
    format: RECORDING_FORMAT,
    version: 1,
    machine: { id: machine.id, fingerprint: machineFingerprint(machine) },
    label: session.label,
    savedAt: new Date().toISOString(),
    firstSeq: session.recordsSeen() - session.records.length,
    records: [...session.records],
    rows: [...session.rows],
  }
}

interface Parsed {
  label: string
  records: InspectionRecord[]
  rows: Row[] | null
  fingerprint: string | null
  firstSeq: number
}

/** Reads a saved recording, or a saved `inspectorBridge()` stream. Throws a clear error otherwise. */
export function parseRecording(text: string, fileName: string): Parsed {
  let messages: unknown[]
  try {
    const whole = JSON.parse(text) as unknown
    if (
      typeof whole === 'object' &&
      whole !== null &&
      (whole as { format?: unknown }).format === RECORDING_FORMAT
    ) {
      const r = whole as Recording
      if (!Array.isArray(r.records)) throw new Error('its `records` is not an array')
      return {
        label: r.label,
        records: r.records,
        rows: Array.isArray(r.rows) ? r.rows : null,
        fingerprint: r.machine?.fingerprint ?? null,
        firstSeq: Number.isInteger(r.firstSeq) ? r.firstSeq : 0,
      }
    }
    messages = Array.isArray(whole) ? whole : [whole]
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('its ')) {
      throw new Error(`${fileName}: not a heartline recording: ${error.message}`)
    }
    // One JSON message per line: the bridge's stream as it was sent.
    messages = []
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue
      try {
        messages.push(JSON.parse(line))
      } catch {
        throw new Error(
          `${fileName}: line ${i + 1} is not JSON; expected a heartline recording or an inspectorBridge stream (one message per line)`,
        )
      }
    }
  }
  let label = fileName
  const records: InspectionRecord[] = []
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue
    const message = m as { kind?: unknown; name?: unknown; target?: unknown; record?: unknown }
    if (message.kind === 'hello' && typeof message.name === 'string') {
      label = `${message.name}${typeof message.target === 'string' ? ` ${message.target}` : ''}`
    } else if (message.kind === 'record' && typeof message.record === 'object') {
      records.push(message.record as InspectionRecord)
    }
  }
  if (records.length === 0) {
    throw new Error(
      `${fileName}: no inspection records found; expected a heartline recording or an inspectorBridge stream`,
    )
  }
  return { label, records, rows: null, fingerprint: null, firstSeq: 0 }
}

let opened = 0

/** Replays `parsed` into a new read-only session and shows it. */
export function openRecording(parsed: Parsed, fileName: string, machine: AnyStateMachine): Session {
  opened += 1
  const session = new Session(`recording-${opened}`, `${parsed.label} (recording)`, machine, true)
  session.seqBase = parsed.firstSeq
  for (const record of parsed.records) session.ingest(record)
  if (parsed.rows) {
    session.rows.length = 0
    session.rows.push(...parsed.rows)
  }
  const other = parsed.fingerprint !== null && parsed.fingerprint !== machineFingerprint(machine)
  session.note = `read-only: recording from ${fileName}${other ? ' (made with a different chart: some edges may not be drawn)' : ''}`
  page.add(session)
  page.select(session.id)
  return session
}

async function openFile(file: File, machine: AnyStateMachine) {
  $('recording-error').textContent = ''
  try {
    openRecording(parseRecording(await file.text(), file.name), file.name, machine)
  } catch (error) {
    $('recording-error').textContent = (error as Error).message
  }
}

export function initRecordings(machine: AnyStateMachine): void {
  $('save-recording').addEventListener('click', () => {
    const session = page.session()
    if (!session) return
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    download(`heartline-recording-${stamp}.json`, JSON.stringify(toRecording(session, machine)))
  })
  const input = $<HTMLInputElement>('open-recording')
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file) void openFile(file, machine)
    input.value = ''
  })
  document.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault()
  })
  document.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0]
    if (!file) return
    event.preventDefault()
    void openFile(file, machine)
  })
}
