/**
 * XState inspection events turned into plain, serialisable records: what the
 * inspector page draws, whether the events come from its own connection or are
 * streamed from another tab or process by `inspectorBridge`. Records hold ids and
 * values only (no actor refs, no state nodes, no functions), so they survive
 * `JSON.stringify` and carry no more than the page needs.
 */
import type { InspectionEvent } from 'xstate'

/** One transition taken in a microstep: enough to find its edge in `toDirectedGraph`. */
export interface TransitionRecord {
  /** The source state node's id, for example `heartline.live.connecting`. */
  source: string
  /** Position of the transition in its source's flattened transition list (the edge id's middle part). */
  index: number
  /** Target state node ids (the source itself for a targetless transition, as `toDirectedGraph` draws it). */
  targets: string[]
  eventType: string
  reenter: boolean
}

export interface RecordBase {
  /** Milliseconds since the epoch, when the record was made. */
  at: number
  /** The actor's session id. */
  actor: string
  /** True for the connection's chart itself, false for its children (the socket actor). */
  root: boolean
}

export type InspectionRecord =
  | (RecordBase & {
      kind: 'snapshot'
      value: unknown
      context: unknown
      status: string
      event: string
    })
  | (RecordBase & {
      kind: 'microstep'
      event: string
      value: unknown
      transitions: TransitionRecord[]
    })
  | (RecordBase & {
      kind: 'event'
      /** The sender's session id, when an actor sent it. */
      source: string | null
      event: { type: string; [key: string]: unknown }
    })
  | (RecordBase & { kind: 'action'; action: { type: string; params: unknown } })
  | (RecordBase & { kind: 'actor'; id: string })

export interface RecordOptions {
  /** Keep URLs as they are (credentials and query values are redacted otherwise). */
  revealUrls?: boolean
  /** The clock for `at`. */
  now?: () => number
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi

/**
 * A URL with its credentials and query values replaced by `***` (query keys are
 * kept, they say what was sent without saying its value). Text that is not an
 * absolute URL comes back unchanged.
 */
export function redactUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  if (url.username !== '') url.username = '***'
  if (url.password !== '') url.password = '***'
  if (url.search !== '') {
    const parts = url.search
      .slice(1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        return eq === -1 ? pair : `${pair.slice(0, eq)}=***`
      })
    url.search = `?${parts.join('&')}`
  }
  return url.href.replaceAll('%2A%2A%2A', '***')
}

/** Every URL found inside `text`, redacted (see `redactUrl`). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => redactUrl(match))
}

/**
 * A JSON-safe copy of `value`: errors become `{ name, message }`, DOM events
 * `{ type }`, functions and actor refs are left out, cycles and depth are cut, and
 * URLs inside strings are redacted unless `reveal`.
 */
export function toPlain(value: unknown, reveal = false, depth = 0, seen = new WeakSet()): unknown {
  if (typeof value === 'string') return reveal ? value : redactUrls(value)
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return String(value)
  if (typeof value !== 'object') return undefined
  if (seen.has(value) || depth > 6) return '[…]'
  seen.add(value)
  if (value instanceof Error) {
    return {
      name: value.name,
      message: reveal ? value.message : redactUrls(value.message),
    }
  }
  if (typeof Event !== 'undefined' && value instanceof Event) return { type: value.type }
  if ('sessionId' in value && 'send' in value) return undefined // an actor ref
  if (Array.isArray(value)) return value.map((item) => toPlain(item, reveal, depth + 1, seen))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const plain = toPlain(item, reveal, depth + 1, seen)
    if (plain !== undefined) out[key] = plain
  }
  return out
}

interface NodeLike {
  id: string
  transitions: Map<string, unknown[]>
}
interface TransitionLike {
  source: NodeLike
  target?: readonly { id: string }[] | undefined
  eventType: string
  reenter?: boolean
}

function transitionRecord(t: TransitionLike): TransitionRecord {
  const all = [...t.source.transitions.values()].flat()
  return {
    source: t.source.id,
    index: all.indexOf(t),
    targets: t.target && t.target.length > 0 ? t.target.map((n) => n.id) : [t.source.id],
    eventType: t.eventType,
    reenter: t.reenter === true,
  }
}

/** The record for one inspection event, or null for events the page does not use. */
export function toRecord(
  event: InspectionEvent,
  options: RecordOptions = {},
): InspectionRecord | null {
  const reveal = options.revealUrls === true
  const base: RecordBase = {
    at: (options.now ?? Date.now)(),
    actor: event.actorRef.sessionId,
    root: event.actorRef.sessionId === event.rootId,
  }
  switch (event.type) {
    case '@xstate.snapshot': {
      const snapshot = event.snapshot as unknown as {
        value?: unknown
        context?: unknown
        status?: string
      }
      if (!base.root) return null
      return {
        ...base,
        kind: 'snapshot',
        value: toPlain(snapshot.value, reveal),
        context: toPlain(snapshot.context, reveal),
        status: String(snapshot.status ?? ''),
        event: event.event.type,
      }
    }
    case '@xstate.microstep': {
      const snapshot = event.snapshot as unknown as { value?: unknown }
      const transitions = (event._transitions as unknown as TransitionLike[]).map(transitionRecord)
      return {
        ...base,
        kind: 'microstep',
        event: event.event.type,
        value: toPlain(snapshot.value, reveal),
        transitions,
      }
    }
    case '@xstate.event':
      return {
        ...base,
        kind: 'event',
        source: event.sourceRef?.sessionId ?? null,
        event: toPlain(event.event, reveal) as { type: string },
      }
    case '@xstate.action':
      return {
        ...base,
        kind: 'action',
        action: { type: event.action.type, params: toPlain(event.action.params, reveal) },
      }
    case '@xstate.actor':
      return { ...base, kind: 'actor', id: String((event.actorRef as { id?: unknown }).id ?? '') }
    default:
      return null
  }
}
