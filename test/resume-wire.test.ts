/**
 * The resume protocol's one wire module (src/protocol/resume.ts): the frames
 * docs/resume-protocol.md shows, byte for byte, both ways; and the two ends
 * import it rather than each other or a copy of their own.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  ackFrame,
  ackSeq,
  binaryMessage,
  binaryPayload,
  binarySeq,
  frameJson,
  helloFrame,
  messageFrame,
  readClientFrame,
  readTextMessage,
  welcomeFrame,
} from '../src/protocol/resume.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const sources = (folder: string): Array<[string, string]> =>
  readdirSync(join(root, folder), { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => [`${folder}/${name}`, readFileSync(join(root, folder, name), 'utf8')])

describe('one module for the wire', () => {
  it('the server never imports the client folder, nor the client the server', () => {
    const crossing = [
      ...sources('src/server').filter(([, text]) => /from '(\.\.\/)+resume\//.test(text)),
      ...sources('src/resume').filter(([, text]) => /from '\.\.\/server\//.test(text)),
    ].map(([name]) => name)
    expect(crossing).toEqual([])
  })

  it('no frame is encoded or decoded outside it (no frame letter before a template placeholder, no byte 0x4D of its own)', () => {
    const own = [...sources('src/server'), ...sources('src/resume')]
      .filter(([, text]) => /`[MAHW]\$\{|0x4d|\.subarray\(9\)|\.slice\(9\)/.test(text))
      .map(([name]) => name)
    expect(own).toEqual([])
    for (const side of ['src/server/session.ts', 'src/resume/client.ts']) {
      expect(readFileSync(join(root, side), 'utf8')).toContain("'../protocol/resume.js'")
    }
  })
})

describe('frames, as docs/resume-protocol.md writes them', () => {
  it('hello, welcome, message and ack text', () => {
    expect(helloFrame({ v: 1, ack: 0 })).toBe('H{"v":1,"ack":0}')
    const welcome = { v: 1, sid: 'rybOxGFMsnZ55z_DybItyA', ack: 0, resumed: false }
    expect(welcomeFrame(welcome)).toBe(
      'W{"v":1,"sid":"rybOxGFMsnZ55z_DybItyA","ack":0,"resumed":false}',
    )
    expect(frameJson(welcomeFrame(welcome))).toEqual(welcome)
    expect(frameJson('W{"v":')).toBeUndefined()
    expect(messageFrame(17, '{"op":"move","x":3}')).toBe('M17 {"op":"move","x":3}')
    expect(ackFrame(17)).toBe('A17')
    expect(ackSeq('A17')).toBe(17)
  })

  it('a binary message: 0x4D, the seq as u64 big-endian, the payload', () => {
    const seq = 2 ** 40 + 258
    const frame = messageFrame(seq, new Uint8Array([7, 8])) as Uint8Array
    expect([...frame]).toEqual([0x4d, 0, 0, 1, 0, 0, 0, 1, 2, 7, 8])
    const bytes = binaryMessage(frame.buffer) as Uint8Array
    expect(binarySeq(bytes)).toBe(seq)
    expect([...binaryPayload(bytes)]).toEqual([7, 8])
    expect(binaryMessage(new Uint8Array([0x4d, 0, 0]))).toBeNull()
    expect(binaryMessage(new Uint8Array(9))).toBeNull()
  })

  it('a text message: the seq read in one pass, the payload after the first space', () => {
    const slot = { seq: -1 }
    expect(readTextMessage('M17 a b', slot)).toBe(4)
    expect(slot.seq).toBe(17)
    expect(readTextMessage(`M${Number.MAX_SAFE_INTEGER} `, slot)).toBe(18)
    expect(slot.seq).toBe(Number.MAX_SAFE_INTEGER)
    for (const bad of ['M', 'M ', 'M17', 'M1x 2', `M${'1'.repeat(17)} x`, 'M-1 x']) {
      expect(readTextMessage(bad, slot), bad).toBe(-1)
    }
  })

  it('what the server reads after the welcome', () => {
    expect(readClientFrame('M3 hi')).toEqual({ kind: 'message', seq: 3, data: 'hi' })
    expect(readClientFrame('A9')).toEqual({ kind: 'ack', seq: 9 })
    expect(readClientFrame('A')).toEqual({ kind: 'error', reason: 'bad ack' })
    expect(readClientFrame('M3')).toEqual({ kind: 'error', reason: 'malformed message frame' })
    expect(readClientFrame('X')).toEqual({ kind: 'error', reason: 'unexpected frame "X"' })
    const buffer = Buffer.from(messageFrame(5, new Uint8Array([1])) as Uint8Array)
    const frame = readClientFrame(buffer)
    expect(frame).toMatchObject({ kind: 'message', seq: 5 })
    // The payload keeps the Buffer class the application receives.
    expect(Buffer.isBuffer((frame as { data: unknown }).data)).toBe(true)
    expect(readClientFrame(new Uint8Array([1, 2]))).toEqual({
      kind: 'error',
      reason: 'malformed binary frame',
    })
  })
})
