/**
 * `npx heartline inspect` from the installed tarball (test/helpers/packed.ts):
 * it prints its URLs, serves the prebuilt page with no request beyond loopback,
 * and a Node app attached with inspectorBridge() shows in it, its state changes
 * drawn live in Chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/chromium.js'
import { shown, waitForShown } from './helpers/inspector-page.js'
import { type Packed, packed } from './helpers/packed.js'

let pkg: Packed
let browser: Browser
let page: Page
let inspector: ChildProcess | undefined
let app: ChildProcess | undefined
let printed = ''
const external: string[] = []
const pageErrors: string[] = []

/** Ends a child started here, and its own children (npx runs the bin in one). */
function stop(child: ChildProcess | undefined) {
  if (child?.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    child.kill('SIGTERM')
  }
}

/** Resolves with what the child printed once `pattern` matched it. */
function printedUntil(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (pattern.test(out)) resolve(out)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.once('exit', (code) => reject(new Error(`exited (${code}) having printed:\n${out}`)))
  })
}

beforeAll(async () => {
  pkg = await packed()
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  app?.stdin?.end()
  stop(app)
  stop(inspector)
  await browser?.close()
})

describe('npx heartline inspect, from the installed tarball', () => {
  it('prints its URLs and serves the prebuilt page, offline', async () => {
    inspector = spawn('npx', ['--no', 'heartline', 'inspect', '--port', '0'], {
      cwd: pkg.app,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    printed = await printedUntil(inspector, /Ctrl-C to stop\./)
    console.log(`npx heartline inspect --port 0 printed:\n${printed}`)
    expect(printed).toMatch(/page {9}http:\/\/127\.0\.0\.1:\d+\//)
    expect(printed).toMatch(/attach {7}inspectorBridge\('ws:\/\/127\.0\.0\.1:\d+\/attach'\)/)
    const url = /page {9}(\S+)/.exec(printed)?.[1] as string
    page = await browser.newPage()
    page.on('request', (request) => {
      const host = new URL(request.url()).hostname
      if (host !== '127.0.0.1' && !request.url().startsWith('data:')) external.push(request.url())
    })
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(url)
    // No demo server: the page says how to attach, and shows no fault controls.
    await page.locator('#attach-hint').waitFor({ state: 'visible', timeout: 20_000 })
    expect(await page.locator('#attach-hint').textContent()).toContain('/attach')
    expect(await page.locator('#fault-controls').isVisible()).toBe(false)
    await page.locator('#chart svg').waitFor({ timeout: 20_000 })
  })

  it('shows a Node app attached with inspectorBridge(), and its state changes', async () => {
    const attachUrl = /inspectorBridge\('([^']+)'\)/.exec(printed)?.[1] as string
    copyFileSync(
      new URL('./fixtures/packed-attach-app.mjs', import.meta.url),
      join(pkg.app, 'attach-app.mjs'),
    )
    app = spawn(process.execPath, ['attach-app.mjs', attachUrl], {
      cwd: pkg.app,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    await printedUntil(app, /open/)
    const option = page.locator('#session-select option', { hasText: 'packed-app' })
    await option.waitFor({ state: 'attached', timeout: 20_000 })
    // The only connection on a page without a demo: shown at once.
    await page.waitForSelector('#state-badge[data-state="open"]', { timeout: 20_000 })
    const from = (await shown(page)).length
    app.stdin?.write('close\n')
    await waitForShown(page, ['waitingToReconnect', 'connecting', 'open'], from)
    await page
      .locator('#timeline li.kind-close', { hasText: '4000' })
      .first()
      .waitFor({ timeout: 10_000 })
  })

  it('without ws installed, says to install it', async () => {
    // The installed package alone, in a project that has no ws.
    const bare = mkdtempSync(join(tmpdir(), 'heartline-no-ws-'))
    try {
      mkdirSync(join(bare, 'node_modules'))
      cpSync(join(pkg.app, 'node_modules/heartline'), join(bare, 'node_modules/heartline'), {
        recursive: true,
      })
      const child = spawn(
        process.execPath,
        ['node_modules/heartline/bin/heartline.js', 'inspect', '--port', '0'],
        { cwd: bare, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let out = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      child.stderr?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
      expect(code).toBe(1)
      expect(out).toContain('needs the `ws` package')
      expect(out).toContain('npm i ws')
      expect(out).not.toContain('    at ') // no stack trace
    } finally {
      rmSync(bare, { recursive: true, force: true })
    }
  })

  it('made no request beyond loopback and threw nothing', () => {
    expect(external).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
