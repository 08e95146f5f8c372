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
import { SimulatedClock } from 'xstate'
import { appBuild } from '../bench/size.js'
import * as development from '../src/index.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

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

type Api = typeof development

const URL_OK = 'ws://errors.invalid/socket'
const notAConstructor = () => undefined

/** Each sample: the code production throws, and the call that throws it. */
const SAMPLES: Array<[code: string, subject: string | undefined, run: (api: Api) => unknown]> = [
  ['E01', undefined, (h) => h.createConnection(URL_OK, 5 as never)],
  [
    'E02',
    'heartbeat.intervall',
    (h) => h.createConnection(URL_OK, options({ heartbeat: { intervall: 1 } })),
  ],
  ['E03', 'heartbeat', (h) => h.createConnection(URL_OK, options({ heartbeat: 5 }))],
  [
    'E04',
    'heartbeat.interval',
    (h) => h.createConnection(URL_OK, options({ heartbeat: { interval: 'x' } })),
  ],
  [
    'E04',
    'heartbeat.interval',
    (h) => h.createConnection(URL_OK, options({ heartbeat: { interval: Number.NaN } })),
  ],
  [
    'E05',
    'heartbeat.interval',
    (h) => h.createConnection(URL_OK, options({ heartbeat: { interval: -1 } })),
  ],
  ['E05', 'binaryType', (h) => h.createConnection(URL_OK, options({ binaryType: 'text' }))],
  ['E07', undefined, (h) => h.createConnection(URL_OK, options({ WebSocket: notAConstructor }))],
  [
    'E08',
    undefined,
    (h) =>
      h.createConnection(URL_OK, options({ reconnect: { initialDelay: 5000, maxDelay: 100 } })),
  ],
  ['E09', undefined, (h) => h.createConnection(URL_OK, options({ protocols: ['a b'] }))],
  ['E10', undefined, (h) => h.createConnection(URL_OK, options({ protocols: ['a', 'a'] }))],
  ['E11', undefined, (h) => h.createConnection(URL_OK, options({ lifecycle: 5 }))],
  [
    'E12',
    'lifecycle.window',
    (h) => h.createConnection(URL_OK, options({ lifecycle: { window: {} } })),
  ],
  ['E13', undefined, (h) => connected(h).send(Symbol('x') as never)],
  ['E14', 'url', (h) => h.createConnection(8080 as never, options({}))],
  ['E15', 'url', (h) => h.createConnection('socket', options({}))],
  ['E16', 'url', (h) => h.createConnection('ftp://errors.invalid/', options({}))],
  ['E15', 'url', (h) => h.createConnection('wss://:8080/path', options({}))],
  ['E18', 'url', (h) => h.createConnection(`${URL_OK}#top`, options({}))],
  ['E19', undefined, (h) => h.checkClose(Symbol('x'), undefined)],
  ['E20', undefined, (h) => h.checkClose(1006, undefined)],
  ['E21', undefined, (h) => h.checkClose(1000, Symbol('x'))],
  ['E22', undefined, (h) => h.checkClose(undefined, 'bye')],
  ['E23', undefined, (h) => h.checkClose(1000, 'x'.repeat(124))],
  ['E24', undefined, (h) => connected(h).subscribe(5 as never)],
]

const open: Array<{ close(): void }> = []
afterAll(() => {
  for (const conn of open) conn.close()
})

/** Valid options with `extra` on top: a scripted socket that never opens, a simulated clock. */
function options(extra: Record<string, unknown>): never {
  return {
    WebSocket: new SocketRegistry().WebSocket,
    clock: new SimulatedClock(),
    ...extra,
  } as never
}

function connected(h: Api): development.Connection {
  const conn = h.createConnection(URL_OK, options({}))
  open.push(conn)
  return conn
}

function errorOf(run: () => unknown): Error {
  try {
    const made = run() as { close?: () => void } | undefined
    made?.close?.()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw, but the call succeeded')
}

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
    runInNewContext(code, { module, exports: module.exports, ...context })
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
