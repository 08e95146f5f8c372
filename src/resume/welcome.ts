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
  /** Last server seq delivered to the application (the hello's `ack`). */
  received: number
  /**
   * Server seqs this session is known to have numbered: `ack + replay` of its
   * last resumed welcome (0 when none). A reset cannot have lost fewer than
   * those of them this client did not receive.
   */
  numbered?: number
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
  if (at.sid === null) {
    // Rule 12: a reset answers a hello that named a session, and only that.
    return reset === undefined ? null : 'welcome.reset on a new session the hello did not name'
  }
  if (sid === at.sid) return 'welcome resets to the same session id'
  if (reset === undefined) return 'welcome without reset, not resuming the session the hello named'
  if (typeof reset !== 'object' || reset === null) return `welcome.reset ${shown(reset)}`
  const lost = (reset as { lost?: unknown }).lost
  // reset.lost counts the server messages after the hello's ack (rule 1): at least
  // those this session is known to have numbered and this client never received.
  const least = Math.max(0, (at.numbered ?? 0) - at.received)
  if (lost !== null && (!count(lost, unseen) || (lost as number) < least)) {
    return `reset.lost out of range (got ${shown(lost)}; null or a whole number in [${least}, ${unseen}])`
  }
  return null
}

/**
 * The welcome check of one connection, with what earlier welcomes of its
 * session told: `ack + replay` of a resumed welcome is a floor for a later
 * reset's count.
 */
export class WelcomeCheck {
  #numbered = 0

  /** Why the welcome `w` cannot be taken, or null (and what it tells is kept). */
  problem(w: unknown, at: Omit<WelcomeContext, 'numbered'>): string | null {
    const problem = welcomeProblem(w, { ...at, numbered: this.#numbered })
    if (problem !== null) return problem
    const { resumed, replay } = w as { resumed: boolean; replay?: number }
    this.#numbered = resumed ? Math.max(this.#numbered, at.received + (replay ?? 0)) : 0
    return null
  }
}
