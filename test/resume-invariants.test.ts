/**
 * Property-based invariants with `resume` on (helpers/resume-model.ts): the real
 * adapter and resume layer against a scripted resume server, under random
 * sends, acks, replays, drops, forgotten sessions and clock moves. Seeded like
 * invariants.test.ts (a fixed seed and a fresh one, helpers/seeds.ts):
 * HEARTLINE_SEED / HEARTLINE_FUZZ_PATH / HEARTLINE_FUZZ_RUNS replay a failure.
 */
import { describe, expect, it } from 'vitest'
import {
  emptyResumeTotals,
  type ResumeConfig,
  resumeProperty,
  runResumeScenario,
} from './helpers/resume-model.js'
import { checkSeeded, seedRuns } from './helpers/seeds.js'

const RUNS = Number(process.env.HEARTLINE_FUZZ_RUNS ?? 1000)

const config: ResumeConfig = {
  heartbeat: false,
  maxBytes: 4 * 64 + 40, // room for a few messages of a few bytes, 64 bytes of overhead each
  ackDelay: 0,
  ackEvery: 1,
  initialDelay: 0,
}

describe('resume invariants under random faults', () => {
  it.each(seedRuns(20261130, RUNS))(
    'hold over $runs random command sequences ($kind seed $seed)',
    async (run) => {
      const totals = emptyResumeTotals()
      await checkSeeded(resumeProperty(totals), run, 'test/resume-invariants.test.ts')
      console.log(`resume invariants (${run.kind} seed ${run.seed}): ${JSON.stringify(totals)}`)
      expect(totals.scenarios).toBe(run.runs)
      // The sequences really exercise the paths that matter.
      expect(totals.acknowledged).toBeGreaterThan(run.runs / 10)
      expect(totals.resets).toBeGreaterThan(0)
      expect(totals.resumes).toBeGreaterThan(0)
    },
  )

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
