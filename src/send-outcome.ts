/**
 * A message's outcome for a sender that asked (`send(data, outcome)`): the socket
 * slot keeps such a message as a `Tracked` entry in its queue and its tentative
 * list, and tells the listener each step; other messages stay plain data, so a
 * sender that does not ask pays nothing.
 */
import type { SendOutcome, SendOutcomeListener } from './events.js'
import type { SendData } from './options.js'
import { reportLater } from './report.js'

/** A message whose sender asked for its outcome (`send(data, outcome)`). */
export class Tracked {
  constructor(
    readonly data: SendData,
    readonly listener: SendOutcomeListener,
  ) {}
}

/** An entry of the queue or of the tentative list. */
export type Item = SendData | Tracked

export const dataOf = (item: Item): SendData => (item instanceof Tracked ? item.data : item)

export function tell(item: Item, outcome: SendOutcome): void {
  if (!(item instanceof Tracked)) return
  try {
    item.listener(outcome)
  } catch (error) {
    reportLater(error)
  }
}

export const QUEUED = { status: 'queued' } as const
export const WRITTEN = { status: 'written' } as const
