/** The rule that keeps the package and example tests off an old build: any source newer than dist/ makes it stale. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { staleDist } from './helpers/dist.js'

let root = ''
afterEach(() => rmSync(root, { recursive: true, force: true }))

function file(path: string, seconds: number) {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), '')
  utimesSync(join(root, path), seconds, seconds)
}

it('dist/ is stale when missing or older than any source, fresh otherwise', () => {
  root = mkdtempSync(join(tmpdir(), 'heartline-dist-'))
  file('src/index.ts', 1000)
  file('machines/connection.ts', 1000)
  expect(staleDist(root)).toBe('no dist/')
  file('dist/src/index.js', 2000)
  file('dist/machines/connection.js', 2000)
  expect(staleDist(root)).toBeUndefined()
  // One source edited after the build, deep in a folder.
  file('src/server/session.ts', 3000)
  expect(staleDist(root)).toBe(`${join(root, 'src/server/session.ts')} is newer than dist/`)
})
