/**
 * vitest global setup: a scratch folder for this run's packed package (see
 * packed.ts), removed at the end. Nothing is packed here: only a test that asks
 * pays for it.
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
