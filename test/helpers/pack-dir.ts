/**
 * vitest global setup: a scratch folder for what this run makes once and shares
 * between test files (once-per-run.ts: the packed package of packed.ts, the
 * inspector page of built-inspector.ts), removed at the end. Nothing is made
 * here: only a run with a test that asks pays for it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    packDir: string
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'heartline-packed-'))
  project.provide('packDir', dir)
  return () => rmSync(dir, { recursive: true, force: true })
}
