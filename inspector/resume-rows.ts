/**
 * What a resumable connection adds to a session, without the page around it:
 * rows for its `resumed`, `reset` and `drop` events and a line for its
 * `sessionOf(conn)`. The page (with `?resume=1`) and heartline/devtools use it.
 */
import type { Connection } from '../src/index.js'
import type { ResumeSession } from '../src/resume/index.js'
import type { Session } from './session.js'

export const shortId = (id: string | null) => (id === null ? 'none' : `${id.slice(0, 8)}…`)

/**
 * Adds a row to `session` for each `resumed`, `reset` and `drop` of `conn` while
 * `live()`; returns what removes the listeners.
 */
export function resumeRows(conn: Connection, session: Session, live: () => boolean): () => void {
  const ac = new AbortController()
  const { signal } = ac
  conn.addEventListener(
    'resumed',
    (e) => {
      if (!live()) return
      session.row(
        'resume',
        'client',
        `resumed ${shortId(e.session)}: replayed ${e.replayed.sent} sent, ${e.replayed.received} received`,
      )
    },
    { signal },
  )
  conn.addEventListener(
    'reset',
    (e) => {
      if (!live()) return
      session.row(
        'resume',
        'client',
        `reset: session ${shortId(e.previous)} gone, now ${shortId(e.session)}; lost ${e.lost.sent} sent, ${e.lost.received ?? 'unknown'} received`,
      )
    },
    { signal },
  )
  conn.addEventListener(
    'drop',
    (e) => {
      if (!live()) return
      session.row('resume', 'client', `drop (${e.reason}): ${String(e.data)}`)
    },
    { signal },
  )
  return () => ac.abort()
}

/** One line for a resume session's state, or null without one. */
export function resumeLine(s: ResumeSession | undefined): string | null {
  if (!s) return null
  return `${shortId(s.id)} · ${s.phase} · sent ${s.sent} · acknowledged ${s.acknowledged} · received ${s.received} · buffered ${s.buffered} (${s.bufferedBytes} B)`
}
