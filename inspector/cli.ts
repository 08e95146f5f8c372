/**
 * `heartline inspect`: the inspector page, prebuilt at pack time, with the
 * `/attach` endpoint `inspectorBridge()` streams to, and with `--demo` the demo
 * server and its fault controls. Runs from an installed package: Node and `ws`
 * only, nothing fetched from the network.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const USAGE = `Usage: heartline inspect [--port N] [--host ADDRESS] [--demo] [--ws-port N] [--verbose]

  Serves the heartline inspector: attach an app with
  createConnection(url, { inspect: inspectorBridge('ws://HOST:PORT/attach') })
  from 'heartline/inspector', and watch its chart, timers and timeline.

  --port      the page and its /attach endpoint (0 picks a free one)     default 5180
  --host      the interface to bind; anything but loopback exposes the
              page (and with --demo the fault controls) to the network   default 127.0.0.1
  --demo      also run the demo server (ws + heartline/server behind a
              fault proxy) and show the page's own connection, the
              fault controls and the lessons
  --ws-port   the demo server's port, with --demo                        default 5181
  --verbose   log every fault and handshake (with --demo)`

/** What the process should do: print and exit with a code, or keep serving. */
type Outcome = { exit: number } | { serving: () => Promise<void> }

function fail(message: string): Outcome {
  console.error(`${message}\n\n${USAGE}`)
  return { exit: 2 }
}

function portOf(name: string, value: string | undefined, fallback: number): number | string {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535 || value.trim() === '') {
    return `--${name} must be a port number 0–65535; got ${JSON.stringify(value)}.`
  }
  return n
}

/** Runs `heartline <args>`. */
export async function main(argv: string[]): Promise<Outcome> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return { exit: command === undefined ? 2 : 0 }
  }
  if (command !== 'inspect') return fail(`heartline: unknown command ${JSON.stringify(command)}.`)
  let values: ReturnType<typeof parse>
  function parse() {
    return parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        'ws-port': { type: 'string' },
        host: { type: 'string' },
        demo: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  }
  try {
    values = parse()
  } catch (error) {
    return fail(`heartline inspect: ${(error as Error).message}`)
  }
  if (values.help) {
    console.log(USAGE)
    return { exit: 0 }
  }
  const port = portOf('port', values.port, 5180)
  if (typeof port === 'string') return fail(`heartline inspect: ${port}`)
  const wsPort = portOf('ws-port', values['ws-port'], 5181)
  if (typeof wsPort === 'string') return fail(`heartline inspect: ${wsPort}`)
  const demo = values.demo === true
  const host = values.host ?? '127.0.0.1'

  // `ws` is an optional peer of heartline: the inspector's server needs it.
  try {
    await import('ws')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error
    console.error(
      'heartline inspect needs the `ws` package (an optional peer dependency of heartline), which is not installed.\nInstall it beside heartline: npm i ws',
    )
    return { exit: 1 }
  }
  const pageDir = fileURLToPath(new URL('./page/', import.meta.url))
  if (!existsSync(`${pageDir}index.html`)) {
    console.error(
      `heartline inspect: the prebuilt page is missing (${pageDir}index.html). It is built when the package is packed (npm pack runs prepack); in a clone of the repository, run npm start instead.`,
    )
    return { exit: 1 }
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.warn(
      `warning: binding to ${host}: the page${demo ? ' and the fault controls' : ''} are reachable from the network.`,
    )
  }
  const { serveInspector } = await import('./serve.js')
  const { staticPage } = await import('./static-page.js')
  let server: Awaited<ReturnType<typeof serveInspector>>
  try {
    server = await serveInspector({
      host,
      port,
      wsPort,
      demo,
      verbose: values.verbose === true,
      page: async () => staticPage(pageDir),
    })
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') {
      console.error(
        `heartline inspect: port in use (${e.message}). Pick another: heartline inspect --port 0${demo ? ' --ws-port 0' : ''}`,
      )
      return { exit: 1 }
    }
    throw error
  }
  const lines = [
    'heartline inspector',
    '',
    `  page         ${server.url}`,
    `  attach       inspectorBridge('${server.attachUrl}')   from 'heartline/inspector'`,
  ]
  if (demo) {
    lines.push(
      `  demo server  ${server.wsUrl}   (ws + heartline/server, behind the fault proxy)`,
      `  resumable    ${server.resumeUrl}   (acceptSessions; the page's "resume" switch)`,
    )
  }
  lines.push('', 'Ctrl-C to stop.')
  console.log(lines.join('\n'))
  return { serving: () => server.close() }
}
