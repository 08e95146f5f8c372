/**
 * The types of `heartline/devtools` (its code is bundled at pack time, with the
 * inspector's panels, into dist/src/devtools/index.js; see src/devtools/index.ts).
 *
 * @module heartline/devtools
 */
import type { Connection } from '../connection.js'
import type { SharedConnection } from '../shared/index.js'

/** What the panel can show: a connection, or a tab's view of a shared one. */
export type InspectableConnection = Connection | SharedConnection

export interface MountInspectorOptions {
  /**
   * The name the panel lists this connection under.
   * @default the connection's URL
   */
  name?: string
  /**
   * The element the panel's host is appended to (the panel lives in its own
   * shadow root there). Every connection mounted in one page shares one panel;
   * the first call decides where it goes.
   * @default document.body
   */
  parent?: ParentElement
}

/**
 * Where the panel goes: an element (`document.body`, a container of the app's).
 * Declared by the one method used, so these types compile without the DOM lib.
 */
export interface ParentElement {
  append(...nodes: never[]): void
}

export interface MountedInspector {
  /** Stops showing this connection; the panel goes away with the last one. */
  close(): void
}

/**
 * Shows `connection` in an inspector panel inside the page: the chart with its
 * live state and armed timers, and the timeline. Several connections share one
 * panel (a list); a `SharedConnection` shows whether this tab leads; a
 * connection using `resume()` adds its session's rows. Load it on demand,
 * `const { mountInspector } = await import('heartline/devtools')`, so an app
 * that never opens it does not ship it.
 */
export declare function mountInspector(
  connection: InspectableConnection,
  options?: MountInspectorOptions,
): MountedInspector
