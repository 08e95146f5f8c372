/**
 * The production side of every error, run from the sources: `#dev` replaced by a
 * production switch (`DEV` false), as an app's production bundle has it. Each
 * sample throws its short code with the class of the development build, so the
 * production branches of src/ run (and count) in the test process too;
 * test/errors.test.ts checks the same on a real production bundle.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as production from '../src/index.js'
import { errorOf, open, SAMPLES } from './helpers/error-samples.js'

vi.mock('#dev', async (original) => ({ ...(await original<object>()), DEV: false }))

afterAll(() => {
  for (const conn of open) conn.close()
})

describe('the sources with DEV false', () => {
  it.each(SAMPLES.map(([c, subject, run], i) => [`${i + 1}: ${c}`, c, subject, run] as const))(
    'sample %s throws the short code',
    (_label, expected, subject, run) => {
      const error = errorOf(() => run(production))
      expect(error.message).toBe(
        `heartline error ${expected}${subject === undefined ? '' : ` \`${subject}\``} (docs/errors.md#${expected.toLowerCase()})`,
      )
    },
  )

  it('reports a bad close-policy answer with its code (E25, E26)', async () => {
    const { checkReconnectDecision } = await import('../src/close-policy.js')
    expect(checkReconnectDecision(-1)?.message).toBe('heartline error E25 (docs/errors.md#e25)')
    expect(checkReconnectDecision('yes')?.message).toBe('heartline error E26 (docs/errors.md#e26)')
  })

  it('refuses a bad retry hint with its code (E27, E28)', async () => {
    const { formatRetryHint } = await import('../src/retry-hint.js')
    expect(errorOf(() => formatRetryHint(-1)).message).toBe(
      'heartline error E27 (docs/errors.md#e27)',
    )
    expect(errorOf(() => formatRetryHint(1, 'x'.repeat(120))).message).toBe(
      'heartline error E28 (docs/errors.md#e28)',
    )
  })
})
