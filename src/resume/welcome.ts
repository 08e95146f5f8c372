/**
 * The client's check of a welcome frame (docs/resume-protocol.md, "What the
 * client checks"): every field and every count a server reports is checked
 * against what this client knows before any of it reaches the application. A
 * welcome that fails is a protocol error; the session stays as it was, so the
 * next socket asks for it again.
 */
import { MAX_SEQ, PROTOCOL_VERSION } from '../protocol/resume.js'

/** Longest session id the client keeps and repeats in its hellos. */
export const MAX_SESSION_ID = 128

/** Printable ASCII without space: what a session id may contain. */
const SESSION_ID = /^[\x21-\x7e]+$/

/** What the client knows when the welcome arrives. */
export interface WelcomeContext {
  /** The session this client asked for (null: a new one). */
  sid: string | null
  /** Last seq this client numbered. */
  sent: number
  /** Seq up to which the server had acknowledged. */
  acknowledged: number
  /** Last server seq delivered to the application. */
  received: number
}

/** A short, printable picture of a value a server sent, for a close reason. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? typeof value)
  return text.length > 24 ? `${text.slice(0, 21)}...` : text
}

/** A count: a whole number in [0, max]. */
function count(value: unknown, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max
}

/**
 * Why the welcome `w` cannot be taken, or null when it can. A count is out of
 * range when it is not a whole number ≥ 0 or when the server could not have
 * numbered that many messages after what this client received (seqs end at
 * 2^53 − 1).
 */
export function welcomeProblem(w: unknown, at: WelcomeContext): string | null {
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return 'welcome is not an object'
  const { v, sid, ack, resumed, replay, reset } = w as Record<string, unknown>
  if (v !== PROTOCOL_VERSION) return `welcome.v ${shown(v)}, expected ${PROTOCOL_VERSION}`
  if (typeof sid !== 'string' || sid.length > MAX_SESSION_ID || !SESSION_ID.test(sid)) {
    return `welcome.sid ${shown(sid)} (1-${MAX_SESSION_ID} printable ASCII characters)`
  }
  if (typeof resumed !== 'boolean') return `welcome.resumed ${shown(resumed)} (true or false)`
  const unseen = MAX_SEQ - at.received
  if (resumed) {
    if (sid !== at.sid) return 'welcome resumes a session this client did not ask for'
    if (!count(ack, at.sent) || (ack as number) < at.acknowledged) {
      return `welcome.ack ${shown(ack)} out of range [${at.acknowledged}, ${at.sent}]`
    }
    if (replay !== undefined && !count(replay, unseen)) {
      return `welcome.replay out of range (got ${shown(replay)}; a whole number in [0, ${unseen}])`
    }
    if (reset !== undefined) return 'welcome both resumed and reset'
    return null
  }
  // A new session: both directions start at seq 1.
  if (ack !== 0) return `welcome.ack ${shown(ack)} on a new session (0)`
  if (replay !== undefined && replay !== 0) {
    return `welcome.replay out of range (got ${shown(replay)} on a new session; 0 or none)`
  }
  if (at.sid !== null && sid === at.sid) return 'welcome resets to the same session id'
  if (reset !== undefined) {
    if (typeof reset !== 'object' || reset === null) return `welcome.reset ${shown(reset)}`
    const lost = (reset as { lost?: unknown }).lost
    if (lost !== null && !count(lost, unseen)) {
      return `reset.lost out of range (got ${shown(lost)}; null or a whole number in [0, ${unseen}])`
    }
  }
  return null
}
