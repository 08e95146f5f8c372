/**
 * The racing halves of the store contract's concurrency cases. Each runs
 * against any `SessionStore`: in this process (memoryStore, interleaved at its
 * awaits) or in a child process against the same Redis (`store-racer.ts`), so
 * two Node processes run the Lua scripts at once.
 */
import type { SessionStore } from '../../src/server/store.js'

/** One round of `claims`: the epoch a claim got, and what an append with it returned. */
export interface ClaimRound {
  tag: string
  epoch: number
  /** The seqs of the append made right after the claim, or null when fenced off. */
  seqs: number[] | null
}

/** Claims the session and appends one message with the new epoch, `rounds` times over. */
export async function raceClaims(
  store: SessionStore,
  id: string,
  rounds: number,
  tag: string,
): Promise<ClaimRound[]> {
  const results: ClaimRound[] = []
  for (let i = 0; i < rounds; i++) {
    const claimed = await store.claim(id, 0)
    if (!('epoch' in claimed)) throw new Error(`session ${id} went missing in round ${i}`)
    const message = `${tag}-${i}`
    const seqs = await store.append(id, claimed.epoch, [message])
    results.push({ tag: message, epoch: claimed.epoch, seqs })
  }
  return results
}

/** One append of `appends`: the messages and what the store returned for them. */
export interface AppendRound {
  messages: string[]
  seqs: number[] | null
}

/**
 * Appends batches with one epoch until the store fences it off, then `after`
 * more batches (each must be refused too), at most `max` batches in all.
 * `onAccepted` hears the count of accepted batches after each one.
 */
export async function raceAppends(
  store: SessionStore,
  id: string,
  epoch: number,
  options: { tag: string; batch: number; max: number; after: number },
  onAccepted: (count: number) => void,
): Promise<AppendRound[]> {
  const rounds: AppendRound[] = []
  let accepted = 0
  let refusedAt = -1
  for (let i = 0; i < options.max; i++) {
    if (refusedAt >= 0 && i - refusedAt > options.after) break
    const messages = Array.from({ length: options.batch }, (_, k) => `${options.tag}-${i}-${k}`)
    const seqs = await store.append(id, epoch, messages)
    rounds.push({ messages, seqs })
    if (seqs === null) {
      if (refusedAt < 0) refusedAt = i
    } else {
      onAccepted(++accepted)
    }
  }
  return rounds
}
