/**
 * Runs the resume protocol's conformance list (interop/conformance.json, listed
 * in docs/resume-protocol.md) against any server that speaks the protocol: raw
 * `ws` sockets send each case's frames and compare, frame by frame, what comes
 * back (text, binary, welcome fields, close code and reason).
 */
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import WebSocket from 'ws'
import { waitFor } from '../harness/wait.js'

export type Step =
  | { open: string }
  | { send: string; text?: string; hex?: string }
  | { expect: string; text?: string; hex?: string; welcome?: WelcomeSpec; absent?: string[] }
  | { expectAll: string; frames: string[] }
  | { expectClose: string; code: number; reason?: string; reasonStartsWith?: string }
  | { close: string }
  | { await: 'expired'; session: string }

type WelcomeSpec = Record<string, unknown> & { sid?: { new: string } | { same: string } }

export interface ConformanceCase {
  id: number
  title: string
  steps: Step[]
}

export interface ConformanceList {
  protocol: number
  revision: string
  server: { ttl: number; ackDelay: number; ackEvery: number; ping: string; pong: string }
  cases: ConformanceCase[]
}

export const conformanceList = (): ConformanceList =>
  JSON.parse(
    readFileSync(new URL('../../interop/conformance.json', import.meta.url), 'utf8'),
  ) as ConformanceList

/** A server under test. */
export interface ConformanceTarget {
  url: string
  /** Resolves once the server reported that the session `sid` expired. */
  expired(sid: string): Promise<void>
}

/** What arrived on a socket, in order: a text frame, binary frame (as `hex:`…) or the close. */
type Arrival = { frame: string } | { code: number; reason: string }

const shown = (a: Arrival | undefined) =>
  a === undefined
    ? 'nothing'
    : 'frame' in a
      ? JSON.stringify(a.frame)
      : `close ${a.code} ${JSON.stringify(a.reason)}`

class Peer {
  readonly ws: WebSocket
  readonly arrived: Arrival[] = []
  readonly #wake = new Set<() => void>()

  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      this.arrived.push({ frame: binary ? `hex:${data.toString('hex')}` : data.toString() })
      this.#changed()
    })
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.arrived.push({ code, reason: reason.toString() })
      this.#changed()
    })
    this.ws.on('error', () => undefined)
    this.ws.on('open', () => this.#changed())
  }

  until<T>(check: () => T | undefined | false, what: string): Promise<T> {
    return waitFor(check, what, 10_000, (wake) => {
      this.#wake.add(wake)
      return () => this.#wake.delete(wake)
    })
  }

  next(what: string): Promise<Arrival> {
    return this.until(() => this.arrived.shift(), what)
  }

  #changed(): void {
    for (const wake of this.#wake) wake()
  }
}

/** Runs one case; throws an error naming the case, the step and what arrived instead. */
export async function runCase(c: ConformanceCase, target: ConformanceTarget): Promise<void> {
  const peers = new Map<string, Peer>()
  const ids = new Map<string, string>()
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (_, name) => ids.get(name) ?? `{${name}}`)
  const peer = (name: string) => {
    const p = peers.get(name)
    if (p === undefined) throw new Error(`case ${c.id}: socket ${name} was never opened`)
    return p
  }
  try {
    for (const [index, step] of c.steps.entries()) {
      const fail = (what: string, got: Arrival | undefined) => {
        throw new Error(
          `case ${c.id} (${c.title}), step ${index + 1}: expected ${what}, got ${shown(got)}`,
        )
      }
      if ('open' in step) {
        const p = new Peer(target.url)
        peers.set(step.open, p)
        await p.until(() => p.ws.readyState === WebSocket.OPEN, `socket ${step.open} open`)
      } else if ('send' in step) {
        const p = peer(step.send)
        p.ws.send(step.hex !== undefined ? Buffer.from(step.hex, 'hex') : fill(step.text ?? ''))
      } else if ('expectAll' in step) {
        const p = peer(step.expectAll)
        const got: Arrival[] = []
        for (const _ of step.frames) got.push(await p.next(`${step.frames.length} frames`))
        const frames = got.map((a) => ('frame' in a ? a.frame : shown(a))).sort()
        if (!isDeepStrictEqual(frames, [...step.frames].sort())) {
          fail(`the frames ${JSON.stringify(step.frames)} in any order`, {
            frame: frames.join(' | '),
          })
        }
      } else if ('expectClose' in step) {
        const a = await peer(step.expectClose).next(`close ${step.code}`)
        const ok =
          'code' in a &&
          a.code === step.code &&
          (step.reason === undefined || a.reason === step.reason) &&
          (step.reasonStartsWith === undefined || a.reason.startsWith(step.reasonStartsWith))
        if (!ok)
          fail(
            `close ${step.code} ${JSON.stringify(step.reason ?? `${step.reasonStartsWith ?? ''}…`)}`,
            a,
          )
      } else if ('expect' in step) {
        const a = await peer(step.expect).next('a frame')
        if (!('frame' in a))
          return fail(step.welcome ? 'a welcome' : JSON.stringify(step.text ?? step.hex), a)
        if (step.hex !== undefined && a.frame !== `hex:${step.hex}`) fail(`hex:${step.hex}`, a)
        if (step.text !== undefined && a.frame !== fill(step.text))
          fail(JSON.stringify(fill(step.text)), a)
        if (step.welcome !== undefined) {
          const problem = welcomeMismatch(a.frame, step.welcome, step.absent ?? [], ids)
          if (problem !== null) fail(`a welcome (${problem})`, a)
        }
      } else if ('close' in step) {
        const p = peer(step.close)
        p.ws.close(1000)
        const a = await p.next('the close')
        if (!('code' in a)) fail('nothing more before the close', a)
      } else if ('await' in step) {
        await target.expired(ids.get(step.session) ?? step.session)
      }
    }
    // Nothing may have arrived that the case did not expect.
    for (const [name, p] of peers) {
      const extra = p.arrived.find((a) => 'frame' in a)
      if (extra !== undefined) {
        throw new Error(`case ${c.id} (${c.title}): unexpected on socket ${name}: ${shown(extra)}`)
      }
    }
  } finally {
    for (const p of peers.values()) p.ws.terminate()
  }
}

/** Why `frame` is not the welcome `spec` describes, or null. Captures new session ids. */
function welcomeMismatch(
  frame: string,
  spec: WelcomeSpec,
  absent: string[],
  ids: Map<string, string>,
): string | null {
  if (!frame.startsWith('W')) return 'not a W frame'
  let w: Record<string, unknown>
  try {
    w = JSON.parse(frame.slice(1)) as Record<string, unknown>
  } catch {
    return 'not JSON'
  }
  for (const [key, want] of Object.entries(spec)) {
    if (key === 'sid') {
      const sid = w.sid
      if (typeof sid !== 'string') return 'sid not a string'
      const name = want as { new?: string; same?: string }
      if (name.new !== undefined) {
        if (!/^[A-Za-z0-9_-]{22}$/.test(sid)) return 'sid not 22 base64url characters'
        if ([...ids.values()].includes(sid)) return 'sid not new'
        ids.set(name.new, sid)
      } else if (name.same !== undefined && sid !== ids.get(name.same)) {
        return `sid not ${name.same}`
      }
    } else if (!isDeepStrictEqual(w[key], want)) {
      return `${key} ${JSON.stringify(w[key])}, expected ${JSON.stringify(want)}`
    }
  }
  for (const key of absent) if (key in w) return `${key} present`
  return null
}
