/**
 * What a socket slot does with messages written to a socket whose server has
 * not yet shown that it reads them (its first inbound frame): it keeps the newest
 * of them, and when that socket is refused unread (1013 before any inbound
 * frame) puts them back at the front of the queue, in order. The rule, and what a
 * server must do for it to hold, is in docs/reliability.md ("When a message is
 * handed over"); src/socket-slot.ts owns the lists.
 */
import type { DropReason } from './events.js'
import { type Item, QUEUED, tell, WRITTEN } from './send-outcome.js'

export interface QueueLimits {
  max: number
  overflow: 'reject' | 'drop-oldest'
}

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

/**
 * Keeps a message written to a socket not yet heard from. Only the newest
 * `bound` can come back; older ones are handed over a batch at a time (no
 * shift per message on a busy socket).
 */
export function keepTentative(tentative: Item[], item: Item, bound: number): void {
  tentative.push(item)
  if (tentative.length < 2 * bound) return
  for (const old of tentative.splice(0, bound)) tell(old, WRITTEN)
}

/**
 * Puts what a refused socket never read (`returned`) back in front of `queued`,
 * in order: `adopt` takes the new queue before any outcome is told (a listener
 * may send again); what no longer fits is dropped as the queue drops (no queue:
 * `not-open`).
 */
export function requeue(
  returned: Item[],
  queued: Item[],
  limits: QueueLimits | false,
  adopt: (queue: Item[]) => void,
  drop: (item: Item, reason: DropReason) => void,
): void {
  const older = returned.length - tentativeBound(limits)
  if (older > 0) for (const item of returned.splice(0, older)) tell(item, WRITTEN)
  if (limits === false) {
    for (const item of returned) drop(item, 'not-open')
    return
  }
  const all = returned.concat(queued)
  const excess = Math.max(0, all.length - limits.max)
  // `reject` refuses the newest, `drop-oldest` pushes out the oldest.
  const reject = limits.overflow === 'reject'
  const out = excess === 0 ? [] : reject ? all.splice(limits.max) : all.splice(0, excess)
  adopt(all)
  const first = reject ? 0 : Math.min(excess, returned.length)
  const end = reject ? Math.min(returned.length, limits.max) : returned.length
  for (let i = first; i < end; i++) tell(returned[i] as Item, QUEUED)
  for (const item of out) drop(item, reject ? 'queue-full' : 'queue-overflow')
}
