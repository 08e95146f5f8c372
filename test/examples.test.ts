/**
 * Smoke tests of examples/: each is started the way its npm script starts it and
 * driven to a real reconnect (the browser ones in headless Chromium).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/chromium.js'
import { freshDist } from './helpers/dist.js'

const root = new URL('..', import.meta.url).pathname
/** Waits for an event, never for a fixed time: a generous ceiling, not a delay. */
const POLL = { timeout: 15_000 }

let browser: Browser
beforeAll(async () => {
  // The examples import the built package: never an old build of the code.
  await freshDist(root)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

/** Runs a node script; resolves with its output once it exits. */
function runNode(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, output }))
  })
}

/** Starts a long-running node script and resolves with the URL it prints. */
function startNode(args: string[], env: Record<string, string>) {
  return new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } })
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1]
      if (url) resolve({ child, url })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) =>
      reject(new Error(`exited with ${code} before listening:\n${output}`)),
    )
  })
}

/** Collects page errors and console errors, which must stay empty. */
function watch(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(String(error)))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  return problems
}

describe('examples/node', () => {
  it('the client/server pair connects, detects the frozen link, reconnects and closes', async () => {
    const { code, output } = await runNode(['examples/node/pair.js'], {
      HEARTBEAT_INTERVAL: '200',
      HEARTBEAT_TIMEOUT: '1000',
    })
    expect(code, output).toBe(0)
    const transitions = [...output.matchAll(/ms {2}(\w+ → \w+)/g)].map((m) => m[1])
    expect(transitions).toEqual([
      'connecting → open',
      'open → awaitingPong',
      'awaitingPong → closing',
      'closing → waitingToReconnect',
      'waitingToReconnect → connecting',
      'connecting → open',
      'open → closing',
      'closing → closed',
    ])
    expect(output).toContain('[client] message: echo: hello')
    expect(output).toContain('[client] message: echo: hello again')
    expect(output).toContain('socket ended: heartbeat-timeout, reconnect: true')
  })
})

describe('examples/browser', () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill()
  })

  it('the page connects, echoes, and recovers from a frozen server', async () => {
    const started = await startNode(['examples/browser/server.js'], { PORT: '0' })
    child = started.child
    const page = await browser.newPage()
    const problems = watch(page)
    await page.goto(`${started.url}?interval=200&timeout=1000`)
    const state = page.locator('#state')
    await expect.poll(() => state.textContent(), POLL).toBe('open')
    await page.fill('#text', 'from the page')
    await page.click('button[type=submit]')
    await expect
      .poll(() => page.locator('#log').textContent(), POLL)
      .toContain('echo: from the page')
    await page.click('#freeze')
    await expect
      .poll(() => page.locator('#log').textContent(), POLL)
      .toContain('awaitingPong → closing')
    await expect
      .poll(() => page.locator('#log').textContent(), POLL)
      .toContain('waitingToReconnect → connecting\n')
    await expect.poll(() => state.textContent(), POLL).toBe('open')
    expect(problems).toEqual([])
    await page.close()
  })
})

describe('examples/react', () => {
  let vite: ViteDevServer | undefined
  afterAll(async () => {
    await vite?.close()
  })

  it('the Vite app opens one socket under StrictMode, echoes, and recovers', async () => {
    vite = await createServer({
      configFile: join(root, 'examples/react/vite.config.js'),
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    })
    await vite.listen()
    const url = vite.resolvedUrls?.local[0]
    if (!url) throw new Error('vite printed no URL')
    const page = await browser.newPage()
    const problems = watch(page)
    const sockets: string[] = []
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).pathname === '/ws') sockets.push(ws.url())
    })
    await page.goto(`${url}?interval=200&timeout=1000`)
    const state = page.getByTestId('state')
    await expect.poll(() => state.textContent(), { timeout: 20_000 }).toBe('open')
    // StrictMode mounted the hook's effect twice; one socket was opened.
    expect(sockets).toHaveLength(1)
    await page.getByLabel('message').fill('from react')
    await page.getByRole('button', { name: 'Send' }).click()
    await expect
      .poll(() => page.getByTestId('messages').textContent())
      .toContain('echo: from react')
    await page.getByRole('button', { name: "Freeze the server's end" }).click()
    await expect.poll(() => state.textContent(), POLL).not.toBe('open')
    await expect.poll(() => state.textContent(), POLL).toBe('open')
    expect(sockets.length).toBeGreaterThanOrEqual(2)
    expect(problems).toEqual([])
    await page.close()
  })
})
