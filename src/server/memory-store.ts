/**
 * Sessions kept in this process's memory: they survive reconnects to this
 * process, not its death or a move to another process (use `redisStore` for a
 * fleet). Ownership epochs still fence a socket that was replaced.
 */
import { MESSAGE_OVERHEAD } from '../protocol/resume.js'
import {
  type ClaimedSession,
  type MissingSession,
  resolveStoreOptions,
  type SessionStore,
  type StoredMessage,
  type StoreOptions,
} from './store.js'

interface Record {
  epoch: number
  in: number
  mark: number
  out: number
  acked: number
  kept: StoredMessage[]
  head: number
  bytes: number
}

/** What a kept message counts for against `maxBytes`: its payload and the record around it. */
const sizeOf = (data: string | Buffer) =>
  MESSAGE_OVERHEAD + (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength)

/** A store in this process's memory (`acceptSessions(wss, { store: memoryStore() })`). */
export function memoryStore(options: StoreOptions = {}): SessionStore {
  const { ttl, maxBytes } = resolveStoreOptions('heartline/server memoryStore', options)
  const sessions = new Map<string, Record>()
  /**
   * Sessions that ended (expire or remove), kept for one ttl: what an expired
   * one lost (null once a claim read it, or when removed), and that it ended.
   */
  const ended = new Map<string, { lost: number | null }>()
  let epochs = 0

  const end = (id: string, lost: number | null) => {
    sessions.delete(id)
    const tombstone = { lost }
    ended.set(id, tombstone)
    const timer = setTimeout(() => {
      if (ended.get(id) === tombstone) ended.delete(id)
    }, ttl)
    timer.unref?.()
  }
  /**
   * The record `epoch` owns; undefined when another epoch owns it or it ended
   * (the caller lost it). A session with no trace at all is a failure.
   */
  const owned = (id: string, epoch: number) => {
    const record = sessions.get(id)
    if (record === undefined && !ended.has(id)) {
      throw new Error(
        `heartline/server memoryStore: session ${id} is not in this store and did not end within the last ttl (never created here?)`,
      )
    }
    return record !== undefined && record.epoch === epoch ? record : undefined
  }
  const claimed = (record: Record): ClaimedSession => ({
    epoch: record.epoch,
    in: record.in,
    mark: record.mark,
    out: record.out,
    replay: record.kept.slice(record.head),
  })
  const trim = (record: Record, seq: number) => {
    while (record.acked < seq && record.head < record.kept.length) {
      record.bytes -= sizeOf((record.kept[record.head] as StoredMessage).data)
      record.head++
      record.acked++
    }
    record.acked = Math.max(record.acked, Math.min(seq, record.out))
    if (record.head > 1024 && record.head * 2 > record.kept.length) {
      record.kept = record.kept.slice(record.head)
      record.head = 0
    }
  }

  return {
    ttl,
    async create(id) {
      ended.delete(id)
      const record: Record = {
        epoch: ++epochs,
        in: 0,
        mark: 0,
        out: 0,
        acked: 0,
        kept: [],
        head: 0,
        bytes: 0,
      }
      sessions.set(id, record)
      return claimed(record)
    },
    async claim(id, ack): Promise<ClaimedSession | MissingSession> {
      const record = sessions.get(id)
      if (record === undefined) {
        const tombstone = ended.get(id)
        const lost = tombstone?.lost ?? null
        // Told once; that the session ended is kept for the rest of the ttl.
        if (tombstone !== undefined) tombstone.lost = null
        return { lost: lost === null ? null : Math.max(0, lost - ack) }
      }
      // An ack beyond the last seq is the client's mistake: nothing changes hands.
      if (ack > record.out) return { epoch: 0, in: 0, mark: 0, out: -1, replay: [] }
      // Below what was acknowledged: the messages in between are gone, it cannot resume.
      if (ack < record.acked) return { lost: record.out - ack, behind: true }
      record.epoch = ++epochs
      trim(record, ack)
      return claimed(record)
    },
    async append(id, epoch, messages) {
      const record = owned(id, epoch)
      if (record === undefined) return null
      const seqs: number[] = []
      for (const data of messages) {
        const size = sizeOf(data)
        if (record.bytes + size > maxBytes) {
          seqs.push(0)
          continue
        }
        const seq = ++record.out
        record.kept.push({ seq, data })
        record.bytes += size
        seqs.push(seq)
      }
      return seqs
    },
    async received(id, epoch, seq) {
      const record = owned(id, epoch)
      if (record === undefined) return false
      record.mark = Math.max(record.mark, seq)
      return true
    },
    async commit(id, epoch, seq) {
      owned(id, epoch)
      const record = sessions.get(id)
      if (record === undefined) return false
      record.in = Math.max(record.in, Math.min(seq, record.mark))
      return record.epoch === epoch
    },
    async committed(id) {
      return sessions.get(id)?.in ?? 0
    },
    async acked(id, epoch, seq) {
      const record = owned(id, epoch)
      if (record === undefined) return false
      trim(record, seq)
      return true
    },
    async touch(id, epoch) {
      owned(id, epoch)
    },
    async expire(id, epoch) {
      const record = sessions.get(id)
      // Not there (ended, or no trace): nothing is left for the caller to hold.
      if (record === undefined) return true
      if (record.epoch !== epoch) return false
      // The client's hello carries its own ack; the tombstone keeps the seq it must be measured from.
      end(id, record.out)
      return true
    },
    async remove(id, epoch) {
      if (sessions.get(id)?.epoch === epoch) end(id, null)
    },
  }
}
