/**
 * The refusal rule's terms (docs/reliability.md, "When a message is handed
 * over"): the close code that counts as a refusal before reading, and how many
 * messages written to a socket not yet heard from can come back. The slot
 * (src/socket-slot.ts) keeps those messages and applies the rule; the queue
 * (src/out-queue.ts) takes them back.
 */
import type { QueueLimits } from './out-queue.js'

/**
 * The close code of a server that refused a socket without reading it: 1013 Try
 * Again Later (RFC 6455 §7.4.1 registry), as `admission()` sends it. Not 1012
 * (Service Restart): a restarting server has usually read what it was sent.
 */
export const REFUSED = 1013

/** With `queue: false`, how many refused messages are reported: the default queue's size. */
const TENTATIVE_WITHOUT_QUEUE = 1000

/** How many tentative messages can come back: as many as the queue holds. */
export function tentativeBound(limits: QueueLimits | false): number {
  return limits === false ? TENTATIVE_WITHOUT_QUEUE : limits.max
}
