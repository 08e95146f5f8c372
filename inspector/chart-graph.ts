/**
 * What the chart draws, computed from the machine definition alone: its nodes,
 * its edges (as `toDirectedGraph` names them, which is how inspection records
 * find them), and the arrows the page draws for them. Nothing here names a state:
 * a state or transition added under `machines/` appears on the page as it is.
 */
import type { AnyStateMachine } from 'xstate'
import { type DirectedGraphEdge, type DirectedGraphNode, toDirectedGraph } from 'xstate/graph'

/** The short label an edge carries: the event, with `after` for delayed transitions. */
export function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType)
  return after ? `after ${after[1]}` : eventType
}

function guardText(guard: unknown): string {
  if (guard === undefined || guard === null) return ''
  if (typeof guard === 'string') return guard
  if (typeof guard === 'function') {
    const g = guard as { name?: string; guards?: unknown[] }
    const parts = (g.guards ?? []).map(guardText)
    if (g.name === 'not') return `¬${parts.join('')}`
    if (g.name === 'and') return parts.join(' ∧ ')
    if (g.name === 'or') return parts.join(' ∨ ')
    return g.name ?? 'guard'
  }
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type)
  return 'guard'
}

function actionText(action: unknown): string {
  if (typeof action === 'string') return action
  if (typeof action === 'function') return (action as { name?: string }).name || 'action'
  if (typeof action === 'object' && action !== null && 'type' in action) {
    return String((action as { type: unknown }).type)
  }
  return 'action'
}

export interface ChartNode {
  id: string
  key: string
  parent: string | null
  leaf: boolean
}

export interface ChartEdge {
  id: string
  source: string
  target: string
  /** The event (`after <delay>` for a delayed transition). */
  label: string
  guard: string
  actions: string[]
  /** A transition back to its own source that exits and re-enters it. */
  reenter: boolean
}

export interface ChartGraph {
  nodes: ChartNode[]
  edges: ChartEdge[]
}

/** Nodes and edges of the machine, flattened (what the page draws, and what a test compares). */
export function chartGraph(machine: AnyStateMachine): ChartGraph {
  const graph = toDirectedGraph(machine)
  const out: ChartGraph = { nodes: [], edges: [] }
  const walk = (node: DirectedGraphNode, parent: string | null) => {
    out.nodes.push({
      id: node.id,
      key: node.stateNode.key,
      parent,
      leaf: node.children.length === 0,
    })
    for (const edge of node.edges as DirectedGraphEdge[]) {
      const t = edge.transition as unknown as {
        guard?: unknown
        actions?: readonly unknown[]
        reenter?: boolean
      }
      out.edges.push({
        id: edge.id,
        source: edge.source.id,
        target: edge.target.id,
        label: eventLabel(edge.transition.eventType),
        guard: guardText(t.guard),
        actions: (t.actions ?? []).map(actionText),
        reenter: t.reenter === true,
      })
    }
    for (const child of node.children) walk(child, node.id)
  }
  walk(graph, null)
  return out
}

/**
 * One arrow per (source, target) pair: guarded alternatives and different events
 * between the same two states share it, with one label line per event. A
 * transition back to its own state is no arrow but a line inside that state (as
 * UML draws internal transitions), so no loop crowds its neighbours.
 */
export interface Arrow {
  id: string
  source: string
  target: string
  /** Machine edge ids this arrow stands for. */
  edgeIds: string[]
  /** One line per distinct event. */
  lines: string[]
  /** Drawn inside its state, not as an arrow. */
  internal: boolean
}

/**
 * The events of the classic browser recipe (open; silence → ping; the pong or any
 * message; no pong → close; close or error → wait → reconnect): the "main path"
 * view keeps only transitions on these, between two different states. A socket
 * end (its `socket.close`, a deadline's too) is decided on its own edge.
 */
export const MAIN_PATH_EVENTS: readonly string[] = [
  'socket.open',
  'socket.close',
  'socket.error',
  'heartbeat.silence',
  'heartbeat.alive',
  'after pongTimeout',
  'after closeTimeout',
  'after reconnectDelay',
  'app.close',
]

export type ChartView = 'all' | 'main'

export function arrowsOf(graph: ChartGraph, view: ChartView = 'all'): Arrow[] {
  const arrows = new Map<string, Arrow>()
  for (const e of graph.edges) {
    const internal = e.source === e.target
    if (view === 'main' && (internal || !MAIN_PATH_EVENTS.includes(e.label))) continue
    const key = `${e.source}|${e.target}`
    let arrow = arrows.get(key)
    if (!arrow) {
      arrow = {
        id: `arrow-${arrows.size}`,
        source: e.source,
        target: e.target,
        edgeIds: [],
        lines: [],
        internal,
      }
      arrows.set(key, arrow)
    }
    arrow.edgeIds.push(e.id)
    const line = internal ? `↻ ${e.label}` : e.label
    if (!arrow.lines.includes(line)) arrow.lines.push(line)
  }
  return [...arrows.values()]
}

/** What the hover shows for one machine edge: event, guard, actions, target. */
export function edgeTitle(e: ChartEdge): string {
  const guard = e.guard ? ` [${e.guard}]` : ''
  const actions = e.actions.length ? ` / ${e.actions.join(', ')}` : ''
  const target =
    e.source === e.target ? (e.reenter ? ' (re-enters)' : ' (stays)') : ` → ${e.target}`
  return `${e.label}${guard}${actions}${target}`
}
