/**
 * The seeds a property suite runs under in `npm test`: a fixed one, so every
 * run checks the same inputs, and a fresh one, so every run also checks inputs
 * no run saw before. The runs are split between them, so the suite costs what a
 * single seed did. A failure names its seed and fast-check's path, and
 * `HEARTLINE_SEED=<seed> HEARTLINE_FUZZ_PATH=<path>` replays exactly that run
 * (`HEARTLINE_FUZZ_SEED` is the older name of HEARTLINE_SEED).
 */
import fc from 'fast-check'

export interface SeedRun {
  seed: number
  /** `fixed`, `fresh`, or `replay` (HEARTLINE_SEED given). */
  kind: 'fixed' | 'fresh' | 'replay'
  runs: number
}

/** The seeds for a suite whose fixed seed is `fixed` and that makes `runs` runs in all. */
export function seedRuns(fixed: number, runs: number): SeedRun[] {
  const given = process.env.HEARTLINE_SEED ?? process.env.HEARTLINE_FUZZ_SEED
  if (given !== undefined) return [{ seed: Number(given), kind: 'replay', runs }]
  const half = Math.ceil(runs / 2)
  // 31 bits, as fast-check takes them, different on every run.
  const fresh = (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) & 0x7fffffff
  return [
    { seed: fixed, kind: 'fixed', runs: half },
    { seed: fresh, kind: 'fresh', runs: runs - half },
  ]
}

/** Runs `property` under `run`; a failure throws with fast-check's report and how to replay it. */
export async function checkSeeded<T>(
  property: fc.IAsyncProperty<T>,
  run: SeedRun,
  file: string,
): Promise<void> {
  const path = process.env.HEARTLINE_FUZZ_PATH
  const result = await fc.check(property, {
    seed: run.seed,
    numRuns: run.runs,
    ...(path ? { path } : {}),
  })
  if (!result.failed) return
  const why = result.errorInstance instanceof Error ? result.errorInstance.message : ''
  const replay = `HEARTLINE_SEED=${run.seed} HEARTLINE_FUZZ_PATH=${result.counterexamplePath ?? ''} HEARTLINE_FUZZ_RUNS=${run.runs} npx vitest run ${file}`
  throw new Error(
    `${run.kind} seed ${run.seed} failed; replay with\n  ${replay}\n${fc.defaultReportMessage(result) ?? ''}\n${why}`,
  )
}
