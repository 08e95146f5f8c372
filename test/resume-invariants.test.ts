/**
 * Property-based invariants with `resume` on (helpers/resume-model.ts): the real
 * adapter and resume layer against a scripted resume server, under random
 * sends, acks, replays, drops, forgotten sessions and clock moves. Seeded like
 * invariants.test.ts: HEARTLINE_FUZZ_SEED / HEARTLINE_FUZZ_PATH / HEARTLINE_FUZZ_RUNS.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  emptyResumeTotals,
  type ResumeConfig,
  resumeProperty,
  runResumeScenario,
} from './helpers/resume-model.js'

const SEED = Number(process.env.HEARTLINE_FUZZ_SEED ?? 20261130)
const PATH = process.env.HEARTLINE_FUZZ_PATH
const RUNS = Number(process.env.HEARTLINE_FUZZ_RUNS ?? 1000)

const config: ResumeConfig = {
  heartbeat: false,
  maxBytes: 4 * 64 + 40, // room for a few messages of a few bytes, 64 bytes of overhead each
  ackDelay: 0,
  ackEvery: 1,
  initialDelay: 0,
}

describe('resume invariants under random faults', () => {
  it(`hold over ${RUNS} random command sequences (seed ${SEED})`, async () => {
    const totals = emptyResumeTotals()
    const result = await fc.check(resumeProperty(totals), {
      seed: SEED,
      numRuns: RUNS,
      ...(PATH ? { path: PATH } : {}),
    })
    if (result.failed) {
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : ''
      throw new Error(`${fc.defaultReportMessage(result) ?? `seed ${SEED}`}\n${why}`)
    }
    console.log(`resume invariants: ${JSON.stringify(totals)}`)
    expect(totals.scenarios).toBe(RUNS)
    // The sequences really exercise the paths that matter.
    expect(totals.acknowledged).toBeGreaterThan(RUNS / 10)
    expect(totals.resets).toBeGreaterThan(0)
    expect(totals.resumes).toBeGreaterThan(0)
  })

  it('a scripted resume: acknowledged only by the server, replayed, nothing twice', async () => {
    await expect(
      runResumeScenario(config, [
        { t: 'send' },
        { t: 'open' },
        { t: 'read' },
        { t: 'welcome' },
        { t: 'send' },
        { t: 'read' },
        { t: 'ack' },
        { t: 'serverSend' },
        { t: 'drop', code: 1006 },
        { t: 'send' },
        { t: 'advance', ms: 1 },
        { t: 'open' },
        { t: 'read' },
        { t: 'welcome' },
        { t: 'read' },
        { t: 'replay', from: 3 },
        { t: 'ack' },
      ]),
    ).resolves.toBeUndefined()
  })

  // The model must be able to fail.
  it('notices a layer that counts a written message as delivered', async () => {
    const { ResumeLayer } = await import('../src/resume/client.js')
    const original = Object.getOwnPropertyDescriptor(ResumeLayer.prototype, 'session')
    if (!original?.get) throw new Error('no session getter')
    const get = original.get
    Object.defineProperty(ResumeLayer.prototype, 'session', {
      configurable: true,
      get(this: InstanceType<typeof ResumeLayer>) {
        const s = get.call(this)
        return { ...s, acknowledged: s.sent }
      },
    })
    try {
      await expect(
        runResumeScenario(config, [{ t: 'open' }, { t: 'read' }, { t: 'welcome' }, { t: 'send' }]),
      ).rejects.toThrow(/the client counts 1 acknowledged, the server confirmed 0/)
    } finally {
      Object.defineProperty(ResumeLayer.prototype, 'session', original)
    }
  })
})
