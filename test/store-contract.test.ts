/**
 * One contract for every `SessionStore` (src/server/store.ts, docs/resume-protocol.md),
 * run against `memoryStore` and `redisStore` alike: numbering, fencing by epoch,
 * acks, commits, expiry and tombstones, `maxBytes`, binary entries; the Lua
 * scripts raced from two Node processes against one Redis (memoryStore: the
 * same races interleaved in this process); Redis's own ttl; a Redis outage.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { MESSAGE_OVERHEAD } from '../src/protocol/resume.js'
import { memoryStore } from '../src/server/memory-store.js'
import { redisStore } from '../src/server/redis/index.js'
import type {
  ClaimedSession,
  MissingSession,
  SessionStore,
  StoreOptions,
} from '../src/server/store.js'
import { type RedisServer, startRedis } from './helpers/redis.js'
import { type AppendRound, type ClaimRound, raceAppends, raceClaims } from './helpers/store-race.js'

/**
 * Bytes a kept message counts for beyond its payload: `MESSAGE_OVERHEAD`
 * (src/protocol/resume.ts), so empty messages count too. Every `maxBytes` case
 * below is written in `cost()`.
 */
const COUNTED_OVERHEAD = MESSAGE_OVERHEAD
const cost = (data: string | Buffer) =>
  (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength) + COUNTED_OVERHEAD

const RACER = fileURLToPath(new URL('./fixtures/store-racer.ts', import.meta.url))

type Task =
  | { kind: 'claims'; id: string; rounds: number; tag: string }
  | {
      kind: 'appends'
      id: string
      epoch: number
      tag: string
      batch: number
      max: number
      after: number
    }

interface Made {
  store: SessionStore
  prefix: string
}

type Start<T> = () => Promise<{ result: Promise<T> }>

interface Subject {
  name: string
  make(options?: StoreOptions): Made
  /**
   * A rival for a race, ready to start: another process on Redis, this one for
   * memory. `start()` resolves once the rival runs, with its result to come.
   */
  rival<T>(made: Made, task: Task, onAccepted?: (n: number) => void): Promise<Start<T>>
}

let redis: RedisServer
let client: Redis
let prefixes = 0
const children = new Set<ChildProcess>()

beforeAll(async () => {
  redis = await startRedis()
  client = new Redis({ ...redis.connection, lazyConnect: true })
  await client.connect()
})

afterAll(async () => {
  client?.disconnect()
  await redis?.stop()
})

afterEach(() => {
  vi.useRealTimers()
  for (const child of children) child.kill('SIGKILL')
  children.clear()
})

function inProcess<T>(made: Made, task: Task, onAccepted = (_: number) => {}): Start<T> {
  return async () => ({
    result: (task.kind === 'claims'
      ? raceClaims(made.store, task.id, task.rounds, task.tag)
      : raceAppends(made.store, task.id, task.epoch, task, onAccepted)) as Promise<T>,
  })
}

/** Spawns the racer process; resolves once it is connected, with the function that starts it. */
function inChild<T>(made: Made, task: Task, onAccepted = (_: number) => {}) {
  const config = JSON.stringify({ connection: redis.connection, prefix: made.prefix, task })
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, config], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  children.add(child)
  let settle: { resolve(value: T): void; reject(error: Error): void } | undefined
  const result = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject }
  })
  let started: (() => void) | undefined
  return new Promise<Start<T>>((ready, failed) => {
    // 'close', not 'exit': the result line is read before the pipes close.
    child.once('close', (code) => {
      const error = new Error(`store racer exited (${code}) without a result`)
      failed(error)
      settle?.reject(error)
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') {
        ready(() => {
          child.stdin.write('go\n')
          return new Promise((resolve) => {
            started = () => resolve({ result })
          })
        })
      } else if (line === 'started') started?.()
      else if (line.startsWith('accepted ')) onAccepted(Number(line.slice(9)))
      else if (line.startsWith('result ')) settle?.resolve(JSON.parse(line.slice(7)) as T)
    })
  })
}

const memorySubject: Subject = {
  name: 'memoryStore',
  make: (options) => ({ store: memoryStore(options), prefix: '' }),
  rival: async (made, task, onAccepted) => inProcess(made, task, onAccepted),
}
const redisSubject: Subject = {
  name: 'redisStore',
  make: (options) => {
    const prefix = `c${++prefixes}:`
    return { store: redisStore(client, { ...options, prefix }), prefix }
  },
  rival: (made, task, onAccepted) => inChild(made, task, onAccepted),
}
const subjects = [memorySubject, redisSubject]

function owned(result: ClaimedSession | MissingSession): ClaimedSession {
  if (!('epoch' in result))
    throw new Error(`expected a claimed session, got ${JSON.stringify(result)}`)
  return result
}

const texts = (session: ClaimedSession) => session.replay.map((m) => [m.seq, m.data])

/** Every write and touch on a session the store has no trace of fails, naming the session. */
async function expectGone(store: SessionStore, id: string, epoch: number): Promise<void> {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['append', () => store.append(id, epoch, ['a'])],
    ['received', () => store.received(id, epoch, 1)],
    ['commit', () => store.commit(id, epoch, 1)],
    ['acked', () => store.acked(id, epoch, 1)],
    ['touch', () => store.touch(id, epoch)],
  ]
  for (const [name, call] of calls) {
    const outcome = await call().then(
      (value) => ({ name, value }),
      (error: unknown) => ({ name, error: String(error) }),
    )
    expect(outcome).toEqual({ name, error: expect.stringMatching(new RegExp(`session ${id} `)) })
  }
}

/** Every write on a session that ended by the rules reports that the caller lost it, and none fails. */
async function expectEnded(store: SessionStore, id: string, epoch: number): Promise<void> {
  expect(await store.append(id, epoch, ['late'])).toBeNull()
  expect(await store.received(id, epoch, 1)).toBe(false)
  expect(await store.commit(id, epoch, 1)).toBe(false)
  expect(await store.acked(id, epoch, 1)).toBe(false)
  await expect(store.touch(id, epoch)).resolves.toBeUndefined()
  expect(await store.expire(id, epoch)).toBe(true)
  await expect(store.remove(id, epoch)).resolves.toBeUndefined()
  expect(await store.committed(id)).toBe(0)
}

describe.each(subjects)('$name: the store contract', (subject) => {
  describe('numbering, claims and fencing', () => {
    it('create starts every count at 0; appends are numbered from 1 in order and replayed by a claim', async () => {
      const { store } = subject.make()
      const created = await store.create('s')
      expect(created).toEqual({ epoch: created.epoch, in: 0, mark: 0, out: 0, replay: [] })
      expect(created.epoch).toBeGreaterThan(0)
      expect(await store.append('s', created.epoch, ['a', 'b'])).toEqual([1, 2])
      expect(await store.append('s', created.epoch, ['c'])).toEqual([3])
      expect(await store.append('s', created.epoch, [])).toEqual([])
      const claimed = owned(await store.claim('s', 0))
      expect(claimed.epoch).toBeGreaterThan(created.epoch)
      expect(claimed.out).toBe(3)
      expect(texts(claimed)).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ])
    })

    it('a claim drops what its ack covers; an older ack cannot bring dropped messages back', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a', 'b', 'c', 'd'])
      await store.received('s', epoch, 2)
      const owner = owned(await store.claim('s', 2))
      expect(texts(owner)).toEqual([
        [3, 'c'],
        [4, 'd'],
      ])
      // Below what was acknowledged: 2 was dropped, so it cannot resume (lost = out − ack)
      // and nothing changes: no new epoch, nothing dropped or brought back.
      expect(await store.claim('s', 1)).toEqual({ lost: 3, behind: true })
      expect(await store.claim('s', 0)).toEqual({ lost: 4, behind: true })
      expect(await store.append('s', owner.epoch, ['e'])).toEqual([5])
      const again = owned(await store.claim('s', 2))
      expect(again.epoch).toBeGreaterThan(owner.epoch)
      expect(again).toMatchObject({ in: 0, mark: 2, out: 5 })
      expect(texts(again)).toEqual([
        [3, 'c'],
        [4, 'd'],
        [5, 'e'],
      ])
      const all = owned(await store.claim('s', 5))
      expect(all.replay).toEqual([])
      expect(all.out).toBe(5)
      // Numbering goes on after everything was acknowledged.
      expect(await store.append('s', all.epoch, ['f'])).toEqual([6])
    })

    it('an ack beyond the last seq changes nothing: out -1, and the owner keeps the session', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a', 'b'])
      expect(await store.claim('s', 3)).toEqual({ epoch: 0, in: 0, mark: 0, out: -1, replay: [] })
      expect(await store.append('s', epoch, ['c'])).toEqual([3])
      expect(texts(owned(await store.claim('s', 0)))).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ])
    })

    it('every claim is a new epoch; an older epoch writes nothing and learns it moved', async () => {
      const { store } = subject.make()
      const first = await store.create('s')
      await store.append('s', first.epoch, ['a'])
      await store.received('s', first.epoch, 4)
      const second = owned(await store.claim('s', 0))
      expect(second.epoch).toBeGreaterThan(first.epoch)
      expect(await store.append('s', first.epoch, ['stale'])).toBeNull()
      expect(await store.received('s', first.epoch, 9)).toBe(false)
      expect(await store.acked('s', first.epoch, 1)).toBe(false)
      await store.touch('s', first.epoch)
      expect(await store.expire('s', first.epoch)).toBe(false)
      await store.remove('s', first.epoch)
      // None of that changed the session.
      const third = owned(await store.claim('s', 0))
      expect(third.epoch).toBeGreaterThan(second.epoch)
      expect(third).toMatchObject({ in: 0, mark: 4, out: 1 })
      expect(texts(third)).toEqual([[1, 'a']])
      expect(await store.append('s', second.epoch, ['stale'])).toBeNull()
      expect(await store.append('s', third.epoch, ['b'])).toEqual([2])
    })

    it('calls on a session the store has no trace of (never had it): claim reports nothing lost, writes and touch fail, expire ends the hold', async () => {
      const { store } = subject.make()
      expect(await store.claim('nobody', 5)).toEqual({ lost: null })
      await expectGone(store, 'nobody', 1)
      // Nothing left to hold: the caller's session ends as expired, and no record is made.
      expect(await store.expire('nobody', 1)).toBe(true)
      await expect(store.remove('nobody', 1)).resolves.toBeUndefined()
      expect(await store.committed('nobody')).toBe(0)
      expect(await store.claim('nobody', 0)).toEqual({ lost: null })
      await expectGone(store, 'nobody', 1)
    })
  })

  describe('received, commit and acked', () => {
    it('mark only rises; commit records up to mark, never beyond; committed reads it', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      expect(await store.received('s', epoch, 5)).toBe(true)
      expect(await store.received('s', epoch, 3)).toBe(true)
      expect(await store.commit('s', epoch, 2)).toBe(true)
      expect(await store.committed('s')).toBe(2)
      expect(await store.commit('s', epoch, 9)).toBe(true)
      expect(await store.committed('s')).toBe(5)
      expect(await store.commit('s', epoch, 1)).toBe(true)
      expect(await store.committed('s')).toBe(5)
      expect(owned(await store.claim('s', 0))).toMatchObject({ in: 5, mark: 5 })
    })

    it('a commit from an epoch that lost the session is still recorded (a fact for the next owner), and reports false', async () => {
      const { store } = subject.make()
      const old = await store.create('s')
      await store.received('s', old.epoch, 6)
      const next = owned(await store.claim('s', 0))
      expect(next).toMatchObject({ in: 0, mark: 6 })
      expect(await store.commit('s', old.epoch, 4)).toBe(false)
      expect(await store.committed('s')).toBe(4)
      expect(await store.commit('s', old.epoch, 99)).toBe(false)
      expect(await store.committed('s')).toBe(6)
      expect(owned(await store.claim('s', 0))).toMatchObject({ in: 6, mark: 6 })
    })

    it('acked drops what it covers; an ack past the last seq drops no more than there is', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a', 'b', 'c'])
      expect(await store.acked('s', epoch, 2)).toBe(true)
      // The store saw 2 acknowledged: a claim from below it is behind.
      expect(await store.claim('s', 0)).toEqual({ lost: 3, behind: true })
      const after = owned(await store.claim('s', 2))
      expect(texts(after)).toEqual([[3, 'c']])
      expect(await store.acked('s', after.epoch, 1)).toBe(true)
      expect(texts(owned(await store.claim('s', 2)))).toEqual([[3, 'c']])
      const last = owned(await store.claim('s', 2))
      await store.acked('s', last.epoch, 10)
      expect(await store.append('s', last.epoch, ['d'])).toEqual([4])
      expect(texts(owned(await store.claim('s', 3)))).toEqual([[4, 'd']])
    })
  })

  describe('expiry and removal', () => {
    it('expire keeps what was lost: the next claim learns it (measured from its ack), the one after nothing', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a', 'b', 'c', 'd', 'e'])
      expect(await store.expire('s', epoch)).toBe(true)
      expect(await store.committed('s')).toBe(0)
      expect(await store.append('s', epoch, ['f'])).toBeNull()
      expect(await store.claim('s', 2)).toEqual({ lost: 3 })
      expect(await store.claim('s', 2)).toEqual({ lost: null })
    })

    it('a session that ended (expire or remove) is not a failure: every write reports moved, before and after a claim reads its record', async () => {
      for (const end of ['expire', 'remove'] as const) {
        const { store } = subject.make()
        const { epoch } = await store.create(end)
        await store.append(end, epoch, ['a'])
        if (end === 'expire') expect(await store.expire(end, epoch)).toBe(true)
        else await store.remove(end, epoch)
        await expectEnded(store, end, epoch)
        await expectEnded(store, end, epoch + 1000)
        expect(await store.claim(end, 0)).toEqual({ lost: end === 'expire' ? 1 : null })
        await expectEnded(store, end, epoch)
        expect(await store.claim(end, 0)).toEqual({ lost: null })
      }
    })

    it('an ack beyond what the tombstone kept counts as nothing lost, not fewer than none', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a'])
      await store.expire('s', epoch)
      expect(await store.claim('s', 7)).toEqual({ lost: 0 })
    })

    it('remove forgets the session and keeps no tombstone; a stale remove or expire changes nothing', async () => {
      const { store } = subject.make()
      const old = await store.create('s')
      await store.append('s', old.epoch, ['a'])
      const current = owned(await store.claim('s', 0))
      await store.remove('s', old.epoch)
      expect(await store.expire('s', old.epoch)).toBe(false)
      expect(owned(await store.claim('s', 0)).out).toBe(1)
      const now = owned(await store.claim('s', 0))
      expect(now.epoch).toBeGreaterThan(current.epoch)
      await store.remove('s', now.epoch)
      expect(await store.claim('s', 0)).toEqual({ lost: null })
    })

    it('touch with the owner epoch or a stale one resolves and changes no content', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      await store.append('s', epoch, ['a'])
      await expect(store.touch('s', epoch)).resolves.toBeUndefined()
      await expect(store.touch('s', epoch + 1000)).resolves.toBeUndefined()
      expect(texts(owned(await store.claim('s', 0)))).toEqual([[1, 'a']])
    })
  })

  describe('maxBytes', () => {
    it('a message that would pass maxBytes is refused (seq 0) without using a seq; earlier ones are kept', async () => {
      const { store } = subject.make({ maxBytes: cost('12345') * 2 })
      const { epoch } = await store.create('s')
      expect(await store.append('s', epoch, ['12345', '123456', '12345'])).toEqual([1, 0, 2])
      expect(await store.append('s', epoch, ['x'])).toEqual([0])
      expect(texts(owned(await store.claim('s', 0)))).toEqual([
        [1, '12345'],
        [2, '12345'],
      ])
    })

    it('an ack frees room; text counts UTF-8 bytes, binary its byteLength', async () => {
      // 'é' is 2 UTF-8 bytes: 'éé' and a 4-byte Buffer each fill exactly one half.
      const half = cost('éé')
      expect(cost(Buffer.alloc(4))).toBe(half)
      const { store } = subject.make({ maxBytes: half * 2 })
      const { epoch } = await store.create('s')
      expect(await store.append('s', epoch, ['éé', Buffer.alloc(4), 'a'])).toEqual([1, 2, 0])
      expect(await store.acked('s', epoch, 1)).toBe(true)
      expect(await store.append('s', epoch, ['ééé'])).toEqual([0])
      expect(await store.append('s', epoch, ['éé'])).toEqual([3])
      const claimed = owned(await store.claim('s', 2))
      expect(texts(claimed)).toEqual([[3, 'éé']])
      expect(await store.append('s', claimed.epoch, ['éé'])).toEqual([4])
      expect(await store.append('s', claimed.epoch, ['é'])).toEqual([0])
    })

    it('a message of exactly maxBytes fits an empty session; one byte more never does', async () => {
      const { store } = subject.make({ maxBytes: cost('abcdefgh') })
      const { epoch } = await store.create('s')
      expect(await store.append('s', epoch, ['abcdefghi'])).toEqual([0])
      expect(await store.append('s', epoch, ['abcdefgh'])).toEqual([1])
      expect(await store.append('s', epoch, [''])).toEqual([cost('') === 0 ? 2 : 0])
    })
  })

  describe('binary entries', () => {
    it('Buffers (every byte value, invalid UTF-8, empty) come back byte-exact and as Buffers; text as text', async () => {
      const { store } = subject.make()
      const { epoch } = await store.create('s')
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
      const sent: Array<string | Buffer> = [
        everyByte,
        Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
        Buffer.alloc(0),
        '',
        'ünïcødé 🎈',
        Buffer.from('text-looking bytes'),
        Buffer.alloc(70_000, 0xab),
      ]
      expect(await store.append('s', epoch, sent)).toEqual([1, 2, 3, 4, 5, 6, 7])
      const { replay } = owned(await store.claim('s', 0))
      expect(replay.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
      for (const [i, data] of sent.entries()) {
        const back = replay[i]?.data
        if (typeof data === 'string') {
          expect(back).toBe(data)
        } else {
          expect(Buffer.isBuffer(back)).toBe(true)
          expect((back as Buffer).equals(data)).toBe(true)
        }
      }
    })
  })

  describe('races', () => {
    it('two claimers racing, each appending with its new epoch: one owner per epoch, seqs follow epochs, none lost or doubled', async () => {
      const made = subject.make()
      const { store } = made
      await store.create('race')
      const rounds = 150
      const start = await subject.rival<ClaimRound[]>(made, {
        kind: 'claims',
        id: 'race',
        rounds,
        tag: 'theirs',
      })
      // This side starts once the rival runs: the two loops overlap.
      const { result } = await start()
      const [theirs, mine] = await Promise.all([result, raceClaims(store, 'race', rounds, 'mine')])
      const all = [...theirs, ...mine].sort((a, b) => a.epoch - b.epoch)
      // One owner per epoch.
      expect(new Set(all.map((r) => r.epoch)).size).toBe(all.length)
      // The race happened: the two sides' epochs interleave, and some appends were fenced off.
      const switches = all.filter((r, i) => i > 0 && r.tag[0] !== all[i - 1]?.tag[0]).length
      const fenced = all.filter((r) => r.seqs === null).length
      console.log(`${subject.name}: ${switches} switches of owner, ${fenced} appends fenced off`)
      expect(switches).toBeGreaterThan(10)
      expect(fenced).toBeGreaterThan(0)
      // An append succeeds only while its epoch is the newest: seqs rise with epochs, from 1, no gaps.
      const accepted = all.filter((r) => r.seqs !== null)
      expect(accepted.map((r) => r.seqs)).toEqual(accepted.map((_, i) => [i + 1]))
      const final = owned(await store.claim('race', 0))
      expect(final.out).toBe(accepted.length)
      expect(texts(final)).toEqual(accepted.map((r, i) => [i + 1, r.tag]))
    })

    it('a stale-epoch appender racing a claim: nothing lands after the claim, the new owner numbers on', async () => {
      const made = subject.make()
      const { store } = made
      const { epoch } = await store.create('race')
      let claim: Promise<ClaimedSession> | undefined
      const start = await subject.rival<AppendRound[]>(
        made,
        { kind: 'appends', id: 'race', epoch, tag: 'old', batch: 3, max: 5000, after: 20 },
        (count) => {
          if (count === 10) claim = store.claim('race', 0).then(owned)
        },
      )
      const rounds = await (await start()).result
      if (claim === undefined) throw new Error('the appender never got 10 batches in')
      const taken = await claim
      const firstRefused = rounds.findIndex((r) => r.seqs === null)
      // The claim fenced the appender off mid-stream, and for good.
      expect(firstRefused).toBeGreaterThanOrEqual(10)
      expect(rounds.slice(firstRefused).every((r) => r.seqs === null)).toBe(true)
      expect(rounds.length - firstRefused).toBe(21)
      const landed = rounds.slice(0, firstRefused).flatMap((r) => r.messages)
      expect(rounds.slice(0, firstRefused).flatMap((r) => r.seqs)).toEqual(
        landed.map((_, i) => i + 1),
      )
      // What the claim saw is exactly what landed: nothing after it.
      expect(taken.out).toBe(landed.length)
      expect(await store.append('race', taken.epoch, ['new-0', 'new-1'])).toEqual([
        landed.length + 1,
        landed.length + 2,
      ])
      expect(texts(owned(await store.claim('race', 0)))).toEqual(
        [...landed, 'new-0', 'new-1'].map((data, i) => [i + 1, data]),
      )
    })
  })
})

describe('memoryStore: tombstone lifetime', () => {
  it('what an expired session lost is kept for one ttl, then forgotten', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = memoryStore({ ttl: 1000 })
    for (const id of ['early', 'late']) {
      const { epoch } = await store.create(id)
      await store.append(id, epoch, ['a', 'b'])
      await store.expire(id, epoch)
    }
    vi.advanceTimersByTime(999)
    expect(await store.claim('early', 0)).toEqual({ lost: 2 })
    vi.advanceTimersByTime(1)
    expect(await store.claim('late', 0)).toEqual({ lost: null })
  })

  it('a session that ended is remembered for one ttl (writes report moved), then has no trace (writes fail)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = memoryStore({ ttl: 1000 })
    const expired = await store.create('expired')
    await store.expire('expired', expired.epoch)
    const removed = await store.create('removed')
    await store.remove('removed', removed.epoch)
    vi.advanceTimersByTime(999)
    await expectEnded(store, 'expired', expired.epoch)
    await expectEnded(store, 'removed', removed.epoch)
    vi.advanceTimersByTime(1)
    await expectGone(store, 'expired', expired.epoch)
    await expectGone(store, 'removed', removed.epoch)
  })

  it('a session ended again within a ttl is remembered for a full ttl from its last end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const store = memoryStore({ ttl: 1000 })
    const first = await store.create('s')
    await store.remove('s', first.epoch)
    vi.advanceTimersByTime(600)
    const second = await store.create('s')
    await store.expire('s', second.epoch)
    vi.advanceTimersByTime(600)
    await expectEnded(store, 's', second.epoch)
    vi.advanceTimersByTime(400)
    await expectGone(store, 's', second.epoch)
  })
})

describe('redisStore: ttl on Redis’s clock', () => {
  const key = (prefix: string, id: string, suffix = '') => `${prefix}{${id}}${suffix}`
  /** Polls Redis (bounded) until `key` is gone: Redis's clock, not ours, decides. */
  async function gone(name: string): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      if ((await client.exists(name)) === 0) return
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error(`${name} still exists after 2000 polls`)
  }

  it('every write and touch sets the ttl on the session’s keys; the tombstone outlives them by a ttl', async () => {
    const ttl = 60_000
    const { store, prefix } = redisSubject.make({ ttl })
    const { epoch } = await store.create('s')
    const hash = key(prefix, 's')
    const stream = key(prefix, 's', ':out')
    const lost = key(prefix, 's', ':lost')
    const ttlOf = async (name: string) => Number(await client.pttl(name))
    expect(await ttlOf(hash)).toBeGreaterThan(ttl - 5000)
    expect(await ttlOf(hash)).toBeLessThanOrEqual(ttl)
    await store.append('s', epoch, ['a', 'b'])
    expect(await ttlOf(stream)).toBeGreaterThan(ttl - 5000)
    expect(await ttlOf(stream)).toBeLessThanOrEqual(ttl)
    expect(await ttlOf(lost)).toBeGreaterThan(2 * ttl - 5000)
    expect(await ttlOf(lost)).toBeLessThanOrEqual(2 * ttl)
    const writes: Array<[string, (epoch: number) => Promise<unknown>, string[]]> = [
      ['touch', (e) => store.touch('s', e), [hash, stream]],
      ['append', (e) => store.append('s', e, ['c']), [hash, stream]],
      ['received', (e) => store.received('s', e, 1), [hash]],
      ['commit', (e) => store.commit('s', e, 1), [hash]],
      ['acked', (e) => store.acked('s', e, 1), [hash, stream]],
    ]
    for (const [name, write, refreshed] of writes) {
      for (const k of [hash, stream]) await client.pexpire(k, 1000)
      await write(epoch + 1)
      for (const k of [hash, stream])
        expect(await ttlOf(k), `${name} with a stale epoch`).toBeLessThanOrEqual(1000)
      await write(epoch)
      for (const k of refreshed)
        expect(await ttlOf(k), `${name} refreshes ${k}`).toBeGreaterThan(ttl - 5000)
    }
    // expire(): the keys go at once, the tombstone stays for one more ttl.
    expect(await store.expire('s', epoch)).toBe(true)
    expect(await client.exists(hash, stream)).toBe(0)
    expect(await ttlOf(lost)).toBeGreaterThan(ttl - 5000)
    expect(await ttlOf(lost)).toBeLessThanOrEqual(ttl)
  })

  it('the ttl running out on Redis’s clock ends the session; the tombstone tells the next claim what was lost', async () => {
    const { store, prefix } = redisSubject.make({ ttl: 60_000 })
    const { epoch } = await store.create('s')
    await store.append('s', epoch, ['a', 'b', 'c'])
    // Redis expires the keys itself: the ttl is cut to 1 ms instead of waiting 60 s.
    for (const suffix of ['', ':out']) await client.pexpire(key(prefix, 's', suffix), 1)
    await gone(key(prefix, 's'))
    await gone(key(prefix, 's', ':out'))
    // Ended by the rules, not lost by Redis: every write reports moved, none fails.
    await expectEnded(store, 's', epoch)
    expect(await store.claim('s', 1)).toEqual({ lost: 2 })
    await expectEnded(store, 's', epoch)
  })

  it('a session with no messages whose ttl runs out, after writes that refreshed it: ended, nothing lost', async () => {
    const ttl = 60_000
    const { store, prefix } = redisSubject.make({ ttl })
    const { epoch } = await store.create('s')
    const lost = key(prefix, 's', ':lost')
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['received', () => store.received('s', epoch, 1)],
      ['commit', () => store.commit('s', epoch, 1)],
      ['acked', () => store.acked('s', epoch, 0)],
      ['touch', () => store.touch('s', epoch)],
      ['claim', () => store.claim('s', 0)],
    ]
    // Each write refreshes the tombstone with the session, so it outlives the keys by a ttl.
    for (const [name, write] of writes) {
      await client.pexpire(lost, 1000)
      await write()
      expect(Number(await client.pttl(lost)), name).toBeGreaterThan(2 * ttl - 5000)
    }
    await client.pexpire(key(prefix, 's'), 1)
    await gone(key(prefix, 's'))
    await expectEnded(store, 's', epoch)
    expect(await store.claim('s', 0)).toEqual({ lost: 0 })
  })

  it('keys gone with their tombstone (flushed, or Redis restarted empty) under an owner: every write and touch fails, naming the session', async () => {
    const { store, prefix } = redisSubject.make()
    const { epoch } = await store.create('s')
    await store.append('s', epoch, ['a'])
    expect(
      await client.del(key(prefix, 's'), key(prefix, 's', ':out'), key(prefix, 's', ':lost')),
    ).toBe(3)
    await expectGone(store, 's', epoch)
    // The owner's hold ends (expire never fails); a client coming back learns nothing lost is known.
    expect(await store.expire('s', epoch)).toBe(true)
    expect(await store.claim('s', 0)).toEqual({ lost: null })
  })

  it('a short ttl: the session goes with no call from anyone', async () => {
    const ttl = 300
    const { store, prefix } = redisSubject.make({ ttl })
    const { epoch } = await store.create('s')
    await store.append('s', epoch, ['a', 'b', 'c'])
    await gone(key(prefix, 's'))
    expect(await store.append('s', epoch, ['d'])).toBeNull()
    expect(await store.claim('s', 0)).toEqual({ lost: 3 })
    await gone(key(prefix, 's', ':lost'))
    // A ttl after the end the store has no trace of it.
    await expectGone(store, 's', epoch)
  })
})

describe('redisStore: Redis going down and coming back', () => {
  /** Fails the test if `promise` has not settled within `ms`: a bound, not a wait. */
  function settled<T>(promise: Promise<T>, what: string, ms = 5000) {
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)
    })
    const outcome = promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    )
    return Promise.race([outcome, bound]).finally(() => clearTimeout(timer))
  }

  it('every call rejects with an error while Redis is down (none hangs or reports success); after it returns the store works again', async () => {
    const down = await startRedis({ socket: true })
    // The application bounds how long a call may wait for Redis through its client's options.
    const outage = new Redis({
      ...down.connection,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 20,
    })
    outage.on('error', () => {})
    try {
      await outage.connect()
      const store = redisStore(outage, { prefix: 'outage:' })
      const { epoch } = await store.create('s')
      expect(await store.append('s', epoch, ['a', 'b'])).toEqual([1, 2])

      // Killed with calls in flight (sent to a frozen server, so none can have run): each rejects.
      down.freeze()
      const inFlight = Array.from({ length: 40 }, (_, i) => store.append('s', epoch, [`f${i}`]))
      await down.kill()
      const outcomes = await Promise.all(
        inFlight.map((p, i) => settled(p, `in-flight append ${i}`)),
      )
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false)
        if (!outcome.ok) expect(outcome.error).toBeInstanceOf(Error)
      }

      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => store.create('t')],
        ['claim', () => store.claim('s', 0)],
        ['append', () => store.append('s', epoch, ['x'])],
        ['received', () => store.received('s', epoch, 1)],
        ['commit', () => store.commit('s', epoch, 1)],
        ['committed', () => store.committed('s')],
        ['acked', () => store.acked('s', epoch, 1)],
        ['touch', () => store.touch('s', epoch)],
        ['expire', () => store.expire('s', epoch)],
        ['remove', () => store.remove('s', epoch)],
      ]
      for (const [name, call] of calls) {
        const outcome = await settled(call(), `${name} while Redis is down`)
        expect([name, outcome.ok]).toEqual([name, false])
        if (!outcome.ok) expect(outcome.error).toBeInstanceOf(Error)
      }

      // Back, empty (no persistence): the old session is gone, honestly reported; new ones work.
      await down.restart()
      const back = await settled(
        (async () => {
          for (let i = 0; i < 500; i++) {
            const ok = await outage.ping().then(
              () => true,
              () => false,
            )
            if (ok) return
          }
          throw new Error('Redis did not answer after 500 pings')
        })(),
        'reconnect',
        10_000,
      )
      expect(back.ok).toBe(true)
      expect(await store.claim('s', 0)).toEqual({ lost: null })
      const fresh = await store.create('u')
      expect(await store.append('u', fresh.epoch, ['y', Buffer.from([1, 2])])).toEqual([1, 2])
      const claimed = owned(await store.claim('u', 0))
      expect(claimed.replay.map((m) => m.data)).toEqual(['y', Buffer.from([1, 2])])
    } finally {
      outage.disconnect()
      await down.stop()
    }
  })
})
