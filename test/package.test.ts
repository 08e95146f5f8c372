/**
 * The published package, checked as a user receives it: packed once with
 * `npm pack`, unpacked into a scratch project's node_modules (dependencies linked
 * from this checkout, so nothing touches the network), then linted, imported in
 * Node and bundled for the browser.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { build, type Rollup } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packed } from './helpers/packed.js'

const run = promisify(execFile)
const root = new URL('..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>
}

/** Every entry point of the exports map but ./package.json. */
const ENTRIES = Object.keys(pkg.exports).filter((entry) => entry !== './package.json')

let scratch: string
let tarball: string
let packed_: Array<{ path: string; size: number }>

/** A project with heartline unpacked from the tarball and the given packages linked in. */
function consumer(name: string, links: string[]): string {
  const dir = join(scratch, name)
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n')
  for (const link of links) {
    const target = join(root, 'node_modules', link)
    const at = join(dir, 'node_modules', link)
    mkdirSync(join(at, '..'), { recursive: true })
    symlinkSync(target, at, 'dir')
  }
  return dir
}

async function unpackInto(dir: string): Promise<void> {
  const at = join(dir, 'node_modules', 'heartline')
  mkdirSync(at, { recursive: true })
  await run('tar', ['-xzf', tarball, '-C', at, '--strip-components=1'])
}

async function node(dir: string, script: string, flags: string[] = []) {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, script)
  return run(process.execPath, [...flags, file], { cwd: dir, timeout: 20_000 })
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'heartline-package-'))
  // Packed once per run for every test file that needs the tarball.
  const pkg = await packed()
  tarball = pkg.tarball
  packed_ = pkg.files
}, 240_000)

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

describe('npm pack', () => {
  it('holds dist/, the bin, README, LICENSE and package.json, nothing else', () => {
    const paths = packed_.map((file) => file.path)
    for (const path of paths) {
      expect(path).toMatch(
        /^(dist\/.+\.(js|d\.ts)|dist\/inspector\/page\/.+\.(html|css)|bin\/heartline\.js|README\.md|LICENSE|package\.json)$/,
      )
    }
    // The repository's own directories (their sources), not their builds under dist/:
    // dist/inspector/ is the inspector as `heartline inspect` serves it.
    expect(paths.filter((p) => /^(dist\/)?(test|examples|scripts|bench)\//.test(p))).toEqual([])
    expect(
      paths.filter((p) => /^inspector\//.test(p) || /\.ts$/.test(p.replace(/\.d\.ts$/, ''))),
    ).toEqual([])
    expect(paths).toContain('dist/inspector/page/index.html')
    expect(paths).toContain('dist/inspector/cli.js')
    for (const required of ['README.md', 'LICENSE', 'package.json']) {
      expect(paths).toContain(required)
    }
  })

  it('holds every file the exports map points to', () => {
    const paths = new Set(packed_.map((file) => file.path))
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const targets = typeof target === 'string' ? [target] : [target.types, target.default]
      for (const file of targets) expect(paths, `${subpath} → ${file}`).toContain(file.slice(2))
    }
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining([
        '.',
        './server',
        './react',
        './resume',
        './server/redis',
        './shared',
        './inspector',
        './devtools',
        './streams',
        './package.json',
      ]),
    )
  })
})

describe('package linters', () => {
  it('publint reports nothing, suggestions included', async () => {
    const data = readFileSync(tarball)
    const { messages } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
      level: 'suggestion',
      strict: true,
    })
    expect(messages).toEqual([])
  })

  it('are the types wrong: no problem for any entry point (ESM-only profile)', {
    timeout: 120_000,
  }, async () => {
    const analysis = await checkPackage(createPackageFromTarballData(readFileSync(tarball)))
    if (!('entrypoints' in analysis)) throw new Error('attw found no types')
    expect(Object.keys(analysis.entrypoints)).toEqual(expect.arrayContaining(ENTRIES))
    // An ESM-only package (type: module, Node ≥ 20): CommonJS `require` and the
    // pre-exports node10 resolution are out of scope, as attw's esm-only profile says.
    const ignored = new Set(['node10', 'node16-cjs'])
    const problems = analysis.problems.filter(
      (problem) => !('resolutionKind' in problem) || !ignored.has(problem.resolutionKind),
    )
    expect(problems).toEqual([])
    for (const subpath of ENTRIES) {
      const esm = analysis.entrypoints[subpath]?.resolutions['node16-esm']
      expect(esm?.resolution?.fileName, subpath).toMatch(/\.d\.ts$/)
      const bundler = analysis.entrypoints[subpath]?.resolutions.bundler
      expect(bundler?.resolution?.fileName, subpath).toMatch(/\.d\.ts$/)
    }
  })
})

/** Starts a `ws` server with heartline/server's heartbeat and an echo, connects, and reports. */
const roundTrip = (clientOptions: string) => `
import { WebSocketServer } from 'ws'
import { createConnection } from 'heartline'
import { attachHeartbeat } from 'heartline/server'
${clientOptions.includes('WebSocket') ? "import WebSocket from 'ws'" : ''}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
await new Promise((resolve) => wss.once('listening', resolve))
const detach = attachHeartbeat(wss, { sweepInterval: 0 })
wss.on('connection', (s) => s.on('message', (d) => { if (String(d) !== 'ping') s.send('echo: ' + d) }))
const conn = createConnection('ws://127.0.0.1:' + wss.address().port, ${clientOptions})
const states = []
conn.addEventListener('statechange', (e) => states.push(e.to))
const echo = new Promise((resolve) => conn.addEventListener('message', (e) => resolve(String(e.data))))
conn.send('hello')
const message = await echo
// One heartbeat round trip: a ping after 50 ms of silence, answered by the server half.
await new Promise((resolve) => conn.subscribe((e) => { if (e.from === 'awaitingPong' && e.to === 'open') resolve() }))
conn.close()
await new Promise((resolve) => conn.subscribe((e) => { if (e.to === 'closed') resolve() }))
detach()
wss.close()
console.log(JSON.stringify({ message, states, global: typeof globalThis.WebSocket }))
`

/**
 * open, at least one heartbeat round trip, then the close. More than one round
 * trip happens when the process is slow enough for 50 ms of silence to pass before
 * the echo arrives (a loaded machine gave 7 states instead of 5).
 */
const HEARTBEAT_THEN_CLOSE = /^open( awaitingPong open)+ closing closed$/

describe('the packed package in Node', () => {
  let bare: string
  let full: string
  beforeAll(async () => {
    bare = consumer('bare', ['xstate'])
    full = consumer('full', ['xstate', 'ws', 'react'])
    await Promise.all([unpackInto(bare), unpackInto(full)])
  })

  it('imports heartline and its subpaths with no optional peer installed', async () => {
    const { stdout } = await node(
      bare,
      `
      const core = await import('heartline')
      const server = await import('heartline/server')
      const shared = await import('heartline/shared')
      const inspector = await import('heartline/inspector')
      let react
      try { await import('heartline/react') } catch (error) { react = error.code }
      console.log(JSON.stringify({
        core: typeof core.createConnection, server: typeof server.attachHeartbeat,
        shared: typeof shared.createSharedConnection, react,
        bridge: typeof inspector.inspectorBridge, record: typeof inspector.toRecord,
        accept: typeof inspector.computeAccept,
        // The inspector's side stays out of the main entry.
        inCore: ['inspectorBridge', 'toRecord', 'redactUrl', 'acceptSteps', 'computeAccept']
          .filter((name) => name in core),
      }))
      `,
    )
    expect(JSON.parse(stdout)).toEqual({
      core: 'function',
      server: 'function',
      shared: 'function',
      react: 'ERR_MODULE_NOT_FOUND',
      bridge: 'function',
      record: 'function',
      accept: 'function',
      inCore: [],
    })
  })

  it('connects with ws as the WebSocket (Node 20), heartbeat answered by heartline/server', async () => {
    const { stdout } = await node(full, roundTrip('{ WebSocket, heartbeat: { interval: 50 } }'))
    const result = JSON.parse(stdout)
    expect(result.message).toBe('echo: hello')
    expect(result.states.join(' ')).toMatch(HEARTBEAT_THEN_CLOSE)
  })

  it("connects with Node's own WebSocket (--experimental-websocket)", async () => {
    const { stdout } = await node(full, roundTrip('{ heartbeat: { interval: 50 } }'), [
      '--experimental-websocket',
    ])
    const result = JSON.parse(stdout)
    expect(result.global).toBe('function')
    expect(result.message).toBe('echo: hello')
    expect(result.states.join(' ')).toMatch(HEARTBEAT_THEN_CLOSE)
  })

  it('says how to fix a missing WebSocket', async () => {
    const { stdout } = await node(
      full,
      `
      import { createConnection } from 'heartline'
      try { createConnection('ws://127.0.0.1:9') } catch (error) { console.log(error.message) }
      `,
      ['--no-experimental-websocket'],
    )
    expect(stdout).toContain('WebSocket implementation missing')
    expect(stdout).toContain('`ws`')
  })

  it('imports heartline/react with react installed', async () => {
    const { stdout } = await node(
      full,
      `
      const { useConnection } = await import('heartline/react')
      const { Connection } = await import('heartline')
      console.log(typeof useConnection, typeof Connection)
      `,
    )
    expect(stdout.trim()).toBe('function function')
  })

  describe('bundled for the browser by Vite', () => {
    async function bundle(name: string, source: string) {
      const entry = join(full, `${name}.js`)
      writeFileSync(entry, source)
      const warnings: string[] = []
      const result = (await build({
        root: full,
        configFile: false,
        logLevel: 'silent',
        customLogger: {
          info: () => {},
          warn: (msg) => warnings.push(msg),
          warnOnce: (msg) => warnings.push(msg),
          error: (msg) => warnings.push(msg),
          clearScreen: () => {},
          hasErrorLogged: () => false,
          hasWarned: false,
        },
        build: {
          write: false,
          minify: true,
          lib: { entry, formats: ['es'], fileName: name },
          rollupOptions: { onwarn: (warning) => warnings.push(String(warning.message)) },
        },
      })) as Rollup.RollupOutput[]
      const chunks = result
        .flatMap((output) => output.output)
        .filter((item): item is Rollup.OutputChunk => item.type === 'chunk')
      const modules = chunks.flatMap((chunk) => Object.keys(chunk.modules))
      const code = chunks.map((chunk) => chunk.code).join('\n')
      return { warnings, modules, code, gzip: gzipSync(code).length, bytes: code.length }
    }

    const nodeOnly = (id: string) =>
      id.includes('vite-browser-external') ||
      id.startsWith('node:') ||
      builtinModules.includes(id) ||
      /\/node_modules\/ws\//.test(id)

    it('bundles heartline without pulling in any Node module', async () => {
      const out = await bundle(
        'core',
        "import { createConnection, presets } from 'heartline'\nexport const start = (url) => createConnection(url, presets.seed)\n",
      )
      expect(out.warnings).toEqual([])
      expect(out.modules.some((id) => id.includes('/heartline/dist/src/connection.js'))).toBe(true)
      expect(out.modules.filter(nodeOnly)).toEqual([])
      // No import of a Node module survives in the output either.
      expect(out.code).not.toMatch(/(^|[;\n])\s*import\b[^'"`;]*["'](node:[^'"]+|ws)["']/)
      console.log(`browser bundle of heartline: ${out.bytes} B minified, ${out.gzip} B gzip`)
    })

    it('bundles heartline/shared without pulling in any Node module', async () => {
      const out = await bundle(
        'shared',
        "export { createSharedConnection } from 'heartline/shared'\n",
      )
      expect(out.warnings).toEqual([])
      expect(
        out.modules.some((id) => id.includes('/heartline/dist/src/shared/shared-connection.js')),
      ).toBe(true)
      expect(out.modules.filter(nodeOnly)).toEqual([])
    })

    it('bundles heartline/react with React without pulling in any Node module', async () => {
      const out = await bundle('react', "export { useConnection } from 'heartline/react'\n")
      expect(out.warnings).toEqual([])
      expect(out.modules.some((id) => id.includes('/heartline/dist/src/react/index.js'))).toBe(true)
      expect(out.modules.filter(nodeOnly)).toEqual([])
    })
  })
})
