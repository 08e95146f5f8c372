/**
 * What the page knows about one connection, built only from inspection records:
 * the page's own connection and an attached one go through the same code. No DOM
 * here.
 */
import type { AnyStateMachine } from 'xstate'
import { stateNameOf } from '../machines/connection.js'
import { type ConnectionStateName, STATE_NAMES } from '../src/index.js'
import type { InspectionRecord } from '../src/inspector/index.js'
import { describeEvent, type Row, type RowKind } from './session-rows.js'

export { ROW_KINDS, type Row, type RowKind } from './session-rows.js'

export interface Timer {
  /** The delay's name in `setup()`, which is also the option it comes from. */
  name: string
  /** The state node that owns it. */
  state: string
  total: number
  deadline: number
}

/** The ids of the state nodes active for `value`, root first. */
export function activeIds(rootId: string, value: unknown): string[] {
  const out = [rootId]
  const walk = (prefix: string, v: unknown) => {
    if (typeof v === 'string') {
      out.push(`${prefix}.${v}`)
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        out.push(`${prefix}.${key}`)
        walk(`${prefix}.${key}`, child)
      }
    }
  }
  walk(rootId, value)
  return out
}

interface StateNodeTree {
  key: string
  states: Record<string, StateNodeTree>
}

/** The state value of the leaf named `name` (the public state names are leaf keys). */
export function leafValue(machine: AnyStateMachine, name: string): unknown {
  const walk = (node: StateNodeTree, path: string[]): string[] | null => {
    const children = Object.values(node.states)
    if (children.length === 0) return node.key === name ? path : null
    for (const child of children) {
      const found = walk(child, [...path, child.key])
      if (found) return found
    }
    return null
  }
  const leaf = walk(machine.root as unknown as StateNodeTree, [])
  if (!leaf) return null
  return leaf
    .slice(0, -1)
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf[leaf.length - 1])
}

/** What the chart looked like after one record: what time travel shows. */
export interface Frame {
  at: number
  value: unknown
  context: Record<string, unknown>
  state: ConnectionStateName
  active: string[]
  /** When each active state node was entered (for the timers armed then). */
  entered: [string, number][]
  /** Edge ids taken to get here. */
  edges: string[]
  /** Sequence number of the record that made it. */
  seq: number
  /** Made by a snapshot record: the end of a macrostep (what a row's event led to). */
  settled: boolean
}

/** Records and frames kept per session (the oldest go first). */
const KEEP = 5000

interface DelayedTransition {
  delay: string | number
}
interface StateNodeLike {
  after?: DelayedTransition[]
}

export class Session {
  readonly rows: Row[] = []
  /** Every inspection record ingested, for recordings (the last 5000). */
  readonly records: InspectionRecord[] = []
  /** The chart after each record that changed it, oldest first (the last 5000). */
  readonly frames: Frame[] = []
  /** Rows trimmed from the front of `rows` so far (absolute index = dropped + i). */
  dropped = 0
  active = new Set<string>()
  value: unknown = null
  context: Record<string, unknown> = {}
  state: ConnectionStateName = 'connecting'
  /** The public state names in the order the chart showed them. */
  readonly history: ConnectionStateName[] = []
  /** Edge ids of the last microstep. */
  lastEdges: string[] = []
  readonly rtts: number[] = []
  socketsOpened = 0
  retries = 0
  readonly timeIn: Record<string, number> = Object.fromEntries(STATE_NAMES.map((n) => [n, 0]))
  #since = 0
  readonly #entered = new Map<string, number>()
  readonly #rootId: string
  /** Shown beside the session's name (why it is read-only). */
  note: string | null = null
  /** Called after every record that changed what is drawn. */
  onChange: (edges: string[]) => void = () => undefined
  onRow: () => void = () => undefined

  constructor(
    readonly id: string,
    readonly label: string,
    readonly machine: AnyStateMachine,
    readonly readOnly: boolean,
  ) {
    this.#rootId = machine.root.id
  }

  row(
    kind: RowKind,
    dir: Row['dir'],
    text: string,
    at = Date.now(),
    extra: Pick<Row, 'tag'> = {},
  ): void {
    const row: Row =
      this.#seq === null ? { at, kind, dir, text } : { at, kind, dir, text, seq: this.#seq }
    if (extra.tag !== undefined) row.tag = extra.tag
    this.rows.push(row)
    if (this.rows.length > 3000) {
      this.rows.splice(0, 1000)
      this.dropped += 1000
    }
    this.onRow()
  }

  #setValue(value: unknown, at: number, enteredByTransition: string[] | null) {
    const next = new Set(activeIds(this.#rootId, value))
    for (const id of next) {
      const isNew = !this.active.has(id)
      const reentered = enteredByTransition?.some((t) => id === t || id.startsWith(`${t}.`))
      if (isNew || reentered) this.#entered.set(id, at)
    }
    this.active = next
    this.value = value
    const name = stateNameOf(value)
    if (this.#since === 0) this.#since = at
    if (name !== this.state || this.history.length === 0) {
      this.timeIn[this.state] = (this.timeIn[this.state] ?? 0) + (at - this.#since)
      this.#since = at
      this.state = name
      this.history.push(name)
      if (name === 'waitingToReconnect') this.#pendingRetryRow = true
    }
  }
  #pendingRetryRow = false

  /** Time spent in each state so far, the current one included. */
  timeSpent(now = Date.now()): Record<string, number> {
    const out = { ...this.timeIn }
    if (this.#since !== 0) out[this.state] = (out[this.state] ?? 0) + (now - this.#since)
    return out
  }

  /** The delayed transitions armed in the active states (now, or in `frame`), each with its deadline. */
  timers(frame?: Frame): Timer[] {
    const active = frame ? frame.active : [...this.active]
    const context = frame ? frame.context : this.context
    const entered = frame ? new Map(frame.entered) : this.#entered
    const delays = (this.machine.implementations.delays ?? {}) as Record<
      string,
      number | ((args: { context: unknown; event: unknown }) => number)
    >
    const out: Timer[] = []
    for (const id of active) {
      let node: StateNodeLike
      try {
        node = this.machine.getStateNodeById(id) as unknown as StateNodeLike
      } catch {
        continue
      }
      const names = new Set<string>()
      for (const t of node.after ?? []) {
        if (typeof t.delay === 'string') names.add(t.delay)
      }
      for (const name of names) {
        const d = delays[name]
        let total: number
        try {
          total = typeof d === 'function' ? Number(d({ context, event: { type: '' } })) : Number(d)
        } catch {
          total = Number.NaN
        }
        // A delay read from a context this session never saw (a tab following
        // another tab's socket hears states, not context): no countdown to show.
        if (!Number.isFinite(total)) continue
        const since = entered.get(id) ?? frame?.at ?? Date.now()
        out.push({ name, state: id, total, deadline: since + total })
      }
    }
    return out
  }

  /** Records ingested before the first one kept (a replayed recording starts where its records did). */
  seqBase = 0
  #ingested = 0
  /** The sequence number of the record being ingested; null outside `ingest`. */
  #seq: number | null = null

  #frame(at: number, edges: string[], settled: boolean) {
    this.frames.push({
      seq: this.#seq ?? this.seqBase + this.#ingested,
      settled,
      at,
      value: this.value,
      context: this.context,
      state: this.state,
      active: [...this.active],
      entered: [...this.#entered],
      edges,
    })
    if (this.frames.length > KEEP) this.frames.splice(0, this.frames.length - KEEP)
  }

  /** Records ingested so far, the ones no longer kept included. */
  recordsSeen(): number {
    return this.seqBase + this.#ingested
  }

  /** What the chart looked like once `row` had happened. */
  frameOf(row: Row): Frame | undefined {
    if (row.seq !== undefined) {
      // The end of the macrostep the row's record started (or was part of).
      const seq = row.seq
      const settled = this.frames.find((f) => f.settled && f.seq >= seq)
      if (settled) return settled
    }
    return this.frameAt(row.at)
  }

  /** The last frame at or before `at` (the first one if none is). */
  frameAt(at: number): Frame | undefined {
    let found: Frame | undefined
    for (const f of this.frames) {
      if (f.at > at) break
      found = f
    }
    return found ?? this.frames[0]
  }

  /**
   * Shows the state `value` without an inspection record: for a tab that follows
   * a socket held by another tab and hears only its `statechange` events (no
   * edges, no context; timers count from when this tab heard the change).
   */
  follow(value: unknown, at = Date.now()): void {
    this.#setValue(value, at, null)
    this.#pendingRetryRow = false
    this.lastEdges = []
    this.#frame(at, [], true)
    this.onChange([])
  }

  ingest(record: InspectionRecord): void {
    this.#seq = this.seqBase + this.#ingested++
    try {
      this.#ingest(record)
    } finally {
      this.#seq = null
    }
  }

  #ingest(record: InspectionRecord): void {
    this.records.push(record)
    if (this.records.length > KEEP) this.records.splice(0, this.records.length - KEEP)
    switch (record.kind) {
      case 'snapshot': {
        if (!record.root) return
        const first = this.history.length === 0
        this.context = (record.context ?? {}) as Record<string, unknown>
        this.#setValue(record.value, record.at, first ? [this.#rootId] : null)
        this.#frame(record.at, [], true)
        if (this.#pendingRetryRow) {
          this.#pendingRetryRow = false
          this.retries += 1
          this.row(
            'reconnect',
            'client',
            `reconnect #${String(this.context.attempt)} in ${String(this.context.retryDelay)} ms (reconnectDelay)`,
            record.at,
          )
        }
        this.onChange([])
        return
      }
      case 'microstep': {
        if (!record.root) return
        const targets = record.transitions.flatMap((t) => t.targets)
        this.#setValue(record.value, record.at, targets)
        this.lastEdges = record.transitions.flatMap((t) =>
          t.targets.map((_target, i) => `${t.source}:${t.index}:${i}`),
        )
        this.#frame(record.at, this.lastEdges, false)
        this.onChange(this.lastEdges)
        return
      }
      case 'event': {
        const e = record.event
        if (record.root && e.type === 'socket.open') this.socketsOpened += 1
        if (record.root && e.type === 'heartbeat.alive') {
          this.rtts.push(Number(e.rtt))
          if (this.rtts.length > 50) this.rtts.shift()
        }
        const row = describeEvent(e, record.root)
        if (row) this.row(row.kind, row.dir, row.text, record.at)
        return
      }
      default:
        return
    }
  }
}
