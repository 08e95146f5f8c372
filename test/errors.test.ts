/**
 * Production error codes (docs/errors.md). Every code the main entry's modules
 * throw has its entry, and every entry its code. An app's production build
 * (esbuild, `process.env.NODE_ENV` = "production", bundled through the package's
 * own `#dev` import as bench/size.ts `appBuild` does) throws the same error
 * classes with the short code and holds none of the full messages; for each sample
 * below, the development message matches the entry of the code production throws.
 * And the development switch reads no `process` where there is none.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { transform } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appBuild } from '../bench/size.js'
import * as development from '../src/index.js'
import { type Api, errorOf, open, SAMPLES } from './helpers/error-samples.js'

const root = new URL('..', import.meta.url).pathname
const docs = readFileSync(join(root, 'docs/errors.md'), 'utf8')

/** Each `## Exx` section of docs/errors.md: its message templates (the `> heartline:` lines). */
const entries = new Map<string, string[]>()
for (const section of docs.split(/^## /m).slice(1)) {
  const [heading = '', ...body] = section.split('\n')
  entries.set(
    heading.trim(),
    body
      .filter((line) => line.startsWith('> heartline:'))
      .map((line) => line.slice(2).replaceAll('\\`', '`')),
  )
}

/** A template as a pattern: each ‹placeholder› stands for any text, possibly none. */
function matches(template: string, message: string): boolean {
  const pattern = template
    .split(/‹[^›]+›/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${pattern}$`, 's').test(message)
}

/** The codes the main entry's modules name (`coded('E07')`, and the two of the option template). */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const dir of ['src', 'machines']) {
    for (const file of readdirSync(join(root, dir))) {
      if (!file.endsWith('.ts')) continue
      const text = readFileSync(join(root, dir, file), 'utf8')
      for (const [, code] of text.matchAll(/'(E\d{2})'/g)) {
        found.set(code as string, [...(found.get(code as string) ?? []), `${dir}/${file}`])
      }
    }
  }
  return found
}

describe('docs/errors.md', () => {
  it('has an entry for every code in the source, and no entry without one', () => {
    const inSource = [...codesInSource().keys()].sort()
    const documented = [...entries.keys()].sort()
    expect(inSource.length).toBeGreaterThan(20)
    expect(documented).toEqual(inSource)
  })

  it('gives every entry its full message, and numbers the entries in order', () => {
    const headings = [...entries.keys()]
    headings.forEach((code, i) => {
      expect(code).toBe(`E${String(i + 1).padStart(2, '0')}`)
      expect(entries.get(code)?.length, code).toBeGreaterThan(0)
    })
  })
})

afterAll(() => {
  for (const conn of open) conn.close()
})

describe("an app's production build", () => {
  let scratch: string
  let production: Api
  let code: string

  beforeAll(async () => {
    const bundle = await appBuild({ mode: 'production', external: [] })
    code = new TextDecoder().decode(bundle)
    scratch = mkdtempSync(join(tmpdir(), 'heartline-errors-'))
    const file = join(scratch, 'app.mjs')
    writeFileSync(file, bundle)
    production = (await import(file)) as Api
  }, 60_000)

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('holds none of the full messages, only the codes', async () => {
    expect(code).not.toContain('heartline: ')
    expect(code).toContain('heartline error ')
    // The development build of the same modules holds them.
    const dev = new TextDecoder().decode(await appBuild({ mode: 'development', external: [] }))
    expect(dev).toContain('heartline: unknown option')
  }, 60_000)

  it.each(SAMPLES.map(([c, subject, run], i) => [`${i + 1}: ${c}`, c, subject, run] as const))(
    'sample %s: production throws the code, development the message of its entry',
    (_label, expected, subject, run) => {
      const short = errorOf(() => run(production))
      const full = errorOf(() => run(development))
      expect(short.name).toBe(full.name)
      expect(short.constructor.name).toBe(full.constructor.name)
      expect(short.message).toBe(
        `heartline error ${expected}${subject === undefined ? '' : ` \`${subject}\``} (docs/errors.md#${expected.toLowerCase()})`,
      )
      const templates = entries.get(expected) ?? []
      expect(
        templates.some((template) => matches(template, full.message)),
        `${full.message}\ndoes not match an entry of ${expected}:\n${templates.join('\n')}`,
      ).toBe(true)
    },
  )
})

describe('the development switch (src/dev.ts)', () => {
  async function devIn(context: Record<string, unknown>): Promise<unknown> {
    const source = readFileSync(join(root, 'src/dev.ts'), 'utf8')
    const { code } = await transform(source, { loader: 'ts', format: 'cjs' })
    const module = { exports: {} as { DEV?: unknown } }
    // The module also re-exports the message path (src/inbound.ts, ...): only DEV is read here.
    const require = () => ({})
    runInNewContext(code, { module, exports: module.exports, require, ...context })
    return module.exports.DEV
  }

  it('reads no process where there is none (a page without a bundler): full messages', async () => {
    expect(await devIn({})).toBe(true)
  })

  it('follows NODE_ENV where there is a process', async () => {
    expect(await devIn({ process: { env: { NODE_ENV: 'production' } } })).toBe(false)
    expect(await devIn({ process: { env: {} } })).toBe(true)
  })
})
