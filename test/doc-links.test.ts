/**
 * The prose points at things that exist: every relative link in the README, the
 * changelog, docs/ and the inspector's README resolves to a file; every source
 * path a page names in backticks (`src/…`, `bench/…`) exists; every benchmark in
 * bench/RESULTS.md has a row in docs/benchmarks.md; and no page says a Node
 * version lacks an API it has.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const pages = [
  'README.md',
  'CHANGELOG.md',
  'inspector/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]
const read = (page: string) => readFileSync(join(root, page), 'utf8')

describe('documentation', () => {
  it('every relative link resolves to a file', () => {
    const broken: string[] = []
    for (const page of pages) {
      for (const match of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (match[1] as string).split('#')[0] as string
        if (target === '' || /^[a-z]+:/.test(target)) continue
        const path = join(root, dirname(page), target)
        if (!existsSync(path)) broken.push(`${page} → ${target}`)
      }
    }
    expect(broken).toEqual([])
  })

  it('every repository path named in backticks exists', () => {
    const missing: string[] = []
    const path =
      /`((?:src|machines|bench|scripts|inspector|test|examples)\/[\w./-]+\.(?:ts|tsx|js|mjs|md|json|html))`/g
    for (const page of pages) {
      for (const match of read(page).matchAll(path)) {
        if (!existsSync(join(root, match[1] as string))) missing.push(`${page}: ${match[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('docs/benchmarks.md has a row for every benchmark in bench/RESULTS.md', () => {
    const results = read('bench/RESULTS.md')
    const ids = new Set([...results.matchAll(/^## (B\d+[A-Z]?)\b/gm)].map((m) => m[1] as string))
    expect(ids.size).toBeGreaterThan(5)
    const table = read('docs/benchmarks.md')
    const rows = new Set([...table.matchAll(/^\| (B\d+[A-Z]*)\s/gm)].map((m) => m[1] as string))
    expect([...ids].filter((id) => !rows.has(id))).toEqual([])
  })

  it('no page says Node 20 lacks BroadcastChannel (a global since Node 18)', () => {
    expect(typeof BroadcastChannel).toBe('function')
    for (const page of pages) {
      const text = read(page).replace(/\s+/g, ' ')
      expect(text, relative(root, join(root, page))).not.toMatch(
        /BroadcastChannel.{0,160}not at all in Node 20|Node 20 has no BroadcastChannel/,
      )
    }
  })
})
