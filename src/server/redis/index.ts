/**
 * A session store in Redis, so that any process of a fleet can continue any
 * session: a client that drops from process A resumes on process B behind a
 * load balancer, with no sticky sessions. Each session's unacknowledged server
 * messages live in a Redis stream; numbering and keeping a message is one Lua
 * script, and every write checks the caller's ownership epoch (fencing), so a
 * process that lost a session never writes to it.
 *
 * Bring your own client: `new Redis()` from `ioredis` (a standalone server or a
 * cluster: a session's keys share one hash tag).
 *
 * @module heartline/server/redis
 */
import { randomBytes } from 'node:crypto'
import {
  type ClaimedSession,
  type MissingSession,
  resolveStoreOptions,
  type SessionStore,
  type StoredMessage,
  type StoreOptions,
} from '../store.js'
import { ACKED, APPEND, CLAIM, COMMIT, CREATE, END, RECORD, TOUCH } from './scripts.js'

/** The part of an ioredis client the store uses. */
export interface RedisClientLike {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void
}

export interface RedisStoreOptions extends StoreOptions {
  /**
   * Prefix of every key the store writes.
   * @default 'heartline:'
   */
  prefix?: string
}

type Command = (...args: Array<string | number | Buffer>) => Promise<unknown>

const COMMANDS = {
  heartlineCreate: CREATE,
  heartlineClaim: CLAIM,
  heartlineAppend: APPEND,
  heartlineRecord: RECORD,
  heartlineCommit: COMMIT,
  heartlineAcked: ACKED,
  heartlineTouch: TOUCH,
  heartlineCommitted: "return redis.call('HGET', KEYS[1], 'in') or 0",
  heartlineEnd: END,
} as const

/** A Redis-backed store (`acceptSessions(wss, { store: redisStore(new Redis()) })`). */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SessionStore {
  if (typeof client?.defineCommand !== 'function') {
    throw new TypeError(
      'heartline/server/redis: `redisStore(client)` takes an ioredis client (`new Redis()` from the `ioredis` package).',
    )
  }
  const { ttl, maxBytes } = resolveStoreOptions('heartline/server/redis', options)
  const prefix = options.prefix ?? 'heartline:'
  if (typeof prefix !== 'string') {
    throw new TypeError(
      `heartline/server/redis: \`prefix\` must be a string; got ${typeof prefix}.`,
    )
  }
  const commands = client as unknown as Record<string, Command>
  for (const [name, lua] of Object.entries(COMMANDS)) {
    if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys: 3, lua })
  }
  const call = (
    name: keyof typeof COMMANDS,
    id: string,
    ...args: Array<string | number | Buffer>
  ) => (commands[name] as Command)(...keys(id), ...args)
  const callBuffer = (name: keyof typeof COMMANDS, id: string, ...args: Array<string | number>) =>
    (commands[`${name}Buffer`] as Command)(...keys(id), ...args)
  const keys = (id: string) => {
    const base = `${prefix}{${id}}`
    return [base, `${base}:out`, `${base}:lost`]
  }

  const claimed = (reply: unknown[]): ClaimedSession => {
    const [epoch, inSeq, mark, out, entries] = reply as [number, number, number, number, unknown[]]
    const replay: StoredMessage[] = []
    for (const entry of entries) {
      const [entryId, fields] = entry as [Buffer, Buffer[]]
      let kind = 't'
      let data: Buffer = Buffer.alloc(0)
      for (let i = 0; i < fields.length; i += 2) {
        const field = String(fields[i])
        if (field === 'k') kind = String(fields[i + 1])
        else if (field === 'd') data = fields[i + 1] as Buffer
      }
      const seq = Number(String(entryId).split('-')[0])
      replay.push({ seq, data: kind === 't' ? data.toString() : data })
    }
    return { epoch: Number(epoch), in: Number(inSeq), mark: Number(mark), out: Number(out), replay }
  }

  /**
   * 1 owned, 0 not (another epoch, or the session ended and its tombstone says
   * so). -1: the keys and the tombstone are gone, a failure of the store, not a move.
   */
  const owned = (reply: unknown, id: string): boolean => {
    const n = Number(reply)
    if (n === -1) {
      throw new Error(
        `heartline/server/redis: session ${id} is gone from Redis (restarted, flushed or evicted?)`,
      )
    }
    return n === 1
  }
  // Each append carries a token unique to this store, so a re-sent one is recognised.
  const nonce = randomBytes(9).toString('base64url')
  let appends = 0

  return {
    ttl,
    async create(id) {
      await call('heartlineCreate', id, ttl)
      return { epoch: 1, in: 0, mark: 0, out: 0, replay: [] }
    },
    async claim(id, ack): Promise<ClaimedSession | MissingSession> {
      const reply = (await callBuffer('heartlineClaim', id, ack, ttl)) as unknown[]
      const first = Number(reply[0])
      if (first === -1) return { epoch: 0, in: 0, mark: 0, out: -1, replay: [] }
      if (first === -2) return { lost: Math.max(0, Number(reply[1]) - ack), behind: true }
      if (first === 0) {
        const last = Number(reply[1])
        return { lost: last < 0 ? null : Math.max(0, last - ack) }
      }
      return claimed(reply)
    },
    async append(id, epoch, messages) {
      const args: Array<string | number | Buffer> = [epoch, maxBytes, ttl, `${nonce}.${++appends}`]
      for (const data of messages) args.push(typeof data === 'string' ? 't' : 'b', data)
      const seqs = (await call('heartlineAppend', id, ...args)) as number[] | number | null
      if (typeof seqs === 'number') owned(seqs, id)
      return Array.isArray(seqs) ? seqs.map(Number) : null
    },
    async received(id, epoch, seq) {
      return owned(await call('heartlineRecord', id, epoch, 'mark', seq, ttl), id)
    },
    async commit(id, epoch, seq) {
      return owned(await call('heartlineCommit', id, epoch, seq, ttl), id)
    },
    async committed(id) {
      return Number((await call('heartlineCommitted', id)) ?? 0)
    },
    async acked(id, epoch, seq) {
      return owned(await call('heartlineAcked', id, epoch, seq, ttl), id)
    },
    async touch(id, epoch) {
      owned(await call('heartlineTouch', id, epoch, ttl), id)
    },
    async expire(id, epoch) {
      // Not there (its keys expired in Redis, or it has no trace): nothing is left to hold.
      return Number(await call('heartlineEnd', id, epoch, ttl, 1)) !== 0
    },
    async remove(id, epoch) {
      await call('heartlineEnd', id, epoch, ttl, 0)
    },
  }
}

export type { SessionStore, StoreOptions } from '../store.js'
