/**
 * The size budget (B6): heartline's own code in an app's production build
 * (bench/size.ts `appBuild`: esbuild, NODE_ENV "production", xstate external),
 * minified and gzipped at level 9. Sizes are deterministic, so unlike the timings
 * of `npm run bench` this one is a test.
 */
import { describe, expect, it } from 'vitest'
import { HEARTLINE_ENTRY, measure, measureApp, SIZE_BUDGET, SIZE_TARGET } from '../bench/size.js'

describe('size budget', () => {
  it(`keeps heartline's own code within ${SIZE_BUDGET} bytes min+gzip`, async () => {
    const own = await measureApp('production')
    expect(own.gzip).toBeGreaterThan(0)
    expect(
      own.gzip,
      `heartline is ${own.gzip} B min+gzip; the budget is ${SIZE_BUDGET} B`,
    ).toBeLessThanOrEqual(SIZE_BUDGET)
  })

  it('measures with xstate left out (bundling it in is far larger)', async () => {
    const own = await measure(HEARTLINE_ENTRY, ['xstate'])
    const whole = await measure(HEARTLINE_ENTRY)
    // xstate's core alone is over 10 KB min+gzip: if it were not external, the two would match.
    expect(whole.gzip - own.gzip).toBeGreaterThan(10_000)
  })

  it('keeps the budget a ratchet: at most 10 % above the measured size, or the target', async () => {
    const own = await measureApp('production')
    // The target of an app's production build (issue 21); 4096 B was that of the sources' bundle.
    expect(SIZE_TARGET).toBe(8192)
    // Lower SIZE_BUDGET as the code shrinks (bench/size.ts), so a regression cannot hide in slack.
    expect(SIZE_BUDGET).toBeLessThanOrEqual(Math.max(SIZE_TARGET, Math.ceil(own.gzip * 1.1)))
  })
})
