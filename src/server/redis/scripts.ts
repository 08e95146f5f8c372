/**
 * The Lua scripts of the Redis session store. Each runs atomically in Redis, so
 * numbering a message and keeping it, or checking ownership and writing, is one
 * step that no other process can interleave with.
 *
 * Keys per session (one hash tag, so a cluster keeps them on one slot):
 * KEYS[1] hash `epoch in mark out total ackedBytes acked`, KEYS[2] stream of
 * unacknowledged server messages (entry id `<seq>-0`, fields k = t|b, d = data,
 * o = bytes appended up to and including it), KEYS[3] tombstone: the last
 * server seq (or `x` once a claim read it, or after a remove), its ttl 2 × ttl
 * refreshed with the session's, so it outlives the session by one ttl: a late
 * client learns what it lost, and a late write learns the session ended.
 *
 * A write on a session whose hash is gone answers as for a lost session (0 or
 * nil) while the tombstone says it ended, and -1 when the tombstone is gone too
 * (Redis restarted or flushed): the store reports that as a failure, not a move.
 */
import { MESSAGE_OVERHEAD } from '../../protocol/resume.js'

/**
 * Lua, inside a script: the client acknowledged every server message up to the
 * seq held by the Lua local named `seq`; their entries go, and the byte count appended up to
 * the last of them is kept (the bytes still buffered are `total - ackedBytes`).
 */
/** Lua: the hash is gone; `moved` when the tombstone says the session ended, else -1 (no trace). */
function gone(moved: string): string {
  return `if redis.call('EXISTS', KEYS[3]) == 1 then return ${moved} end
  return -1`
}

/** Lua: the tombstone outlives the session's keys by one ttl (`ARGV[ttl]` holds the ttl). */
function keepTombstone(ttl: number): string {
  return `redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[${ttl}]))`
}

function forgetAcked(seq: string): string {
  return `  local entry = redis.call('XRANGE', KEYS[2], ${seq} .. '-0', ${seq} .. '-0')
  if entry[1] then
    local fields = entry[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'o' then redis.call('HSET', KEYS[1], 'ackedBytes', fields[i + 1]) end
    end
  end
  redis.call('HSET', KEYS[1], 'acked', ${seq})
  redis.call('XTRIM', KEYS[2], 'MINID', (${seq} + 1) .. '-0')`
}

/** ARGV: ttl. */
export const CREATE = `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'epoch', 1, 'in', 0, 'mark', 0, 'out', 0, 'total', 0, 'ackedBytes', 0, 'acked', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], 0, 'PX', 2 * tonumber(ARGV[1]))
return 1
`

/**
 * ARGV: the client's ack, ttl. Returns {epoch, in, mark, out, entries} or
 * {0, tombstone or -1} when the session is gone (the count is told once; that
 * it ended is kept), {-1} for an ack beyond out, {-2, out} for one below acked.
 */
export const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local last = redis.call('GET', KEYS[3])
  if last and last ~= 'x' then
    redis.call('SET', KEYS[3], 'x', 'KEEPTTL')
    return {0, tonumber(last)}
  end
  return {0, -1}
end
local ack = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'in', 'mark', 'out', 'acked')
local out = tonumber(h[3])
if ack > out then return {-1} end
-- Below what was acknowledged: the messages in between are gone; nothing changes.
if ack < tonumber(h[4]) then return {-2, out} end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
if ack > tonumber(h[4]) then
${forgetAcked('ack')}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
${keepTombstone(2)}
return {epoch, tonumber(h[1]), tonumber(h[2]), out, redis.call('XRANGE', KEYS[2], '-', '+')}
`

/**
 * ARGV: epoch, maxBytes, ttl, the call's token, then kind and data per message.
 * Returns the seq of each message (0 when refused for maxBytes), or nil when
 * epoch lost ownership or the session ended, -1 when it has no trace. Each
 * message counts its bytes plus ${MESSAGE_OVERHEAD}.
 * Idempotent: the last call's token and reply are kept (fields at, ar), and a
 * call with the same token (a client re-sending it after a lost reply) gets
 * the same reply without storing anything again.
 */
export const APPEND = `
local h = redis.call('HMGET', KEYS[1], 'epoch', 'out', 'total', 'ackedBytes', 'at', 'ar')
if not h[1] then
  ${gone('nil')}
end
if tonumber(h[1]) ~= tonumber(ARGV[1]) then return nil end
if h[5] == ARGV[4] then
  local again = {}
  for seq in string.gmatch(h[6], '[^,]+') do again[#again + 1] = tonumber(seq) end
  return again
end
local out = tonumber(h[2])
local total = tonumber(h[3])
local ackedBytes = tonumber(h[4])
local max = tonumber(ARGV[2])
local seqs = {}
for i = 5, #ARGV, 2 do
  local size = #ARGV[i + 1] + ${MESSAGE_OVERHEAD}
  if total - ackedBytes + size > max then
    seqs[#seqs + 1] = 0
  else
    out = out + 1
    total = total + size
    redis.call('XADD', KEYS[2], out .. '-0', 'k', ARGV[i], 'd', ARGV[i + 1], 'o', total)
    seqs[#seqs + 1] = out
  end
end
redis.call('HSET', KEYS[1], 'out', out, 'total', total, 'at', ARGV[4], 'ar', table.concat(seqs, ','))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], out, 'PX', 2 * tonumber(ARGV[3]))
return seqs
`

/**
 * ARGV: epoch, seq, ttl. Records that client messages up to seq (at most mark)
 * were handed out, even for an epoch that lost ownership: the next owner reads
 * it. Returns 1, or 0 when epoch no longer owns the session.
 */
export const COMMIT = `
local h = redis.call('HMGET', KEYS[1], 'epoch', 'in', 'mark')
if not h[1] then
  ${gone('0')}
end
local seq = math.min(tonumber(ARGV[2]), tonumber(h[3]))
if seq > tonumber(h[2]) then redis.call('HSET', KEYS[1], 'in', seq) end
if tonumber(h[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
${keepTombstone(3)}
return 1
`

/** ARGV: epoch, field (mark or in), seq, ttl. Returns 1, or 0 when epoch lost ownership. */
export const RECORD = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  ${gone('0')}
end
if tonumber(epoch) ~= tonumber(ARGV[1]) then return 0 end
local seq = tonumber(ARGV[3])
if seq > tonumber(redis.call('HGET', KEYS[1], ARGV[2])) then redis.call('HSET', KEYS[1], ARGV[2], seq) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
${keepTombstone(4)}
return 1
`

/** ARGV: epoch, seq, ttl. The client acknowledged up to seq: those entries go. */
export const ACKED = `
local h = redis.call('HMGET', KEYS[1], 'epoch', 'acked', 'out')
if not h[1] then
  ${gone('0')}
end
if tonumber(h[1]) ~= tonumber(ARGV[1]) then return 0 end
local seq = tonumber(ARGV[2])
if seq > tonumber(h[2]) and seq <= tonumber(h[3]) then
${forgetAcked('seq')}
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
${keepTombstone(3)}
return 1
`

/** ARGV: epoch, ttl. Refreshes the ttl while the owner is alive. */
export const TOUCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  ${gone('0')}
end
if tonumber(epoch) ~= tonumber(ARGV[1]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
${keepTombstone(2)}
return 1
`

/**
 * ARGV: epoch, ttl, keep what was lost (1: expire) or only that it ended (0:
 * remove). Returns 1, 0 when epoch lost ownership, -1 when gone already.
 */
export const END = `
local h = redis.call('HMGET', KEYS[1], 'epoch', 'out')
if not h[1] then return -1 end
if tonumber(h[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('SET', KEYS[3], ARGV[3] == '1' and h[2] or 'x', 'PX', ARGV[2])
return 1
`
