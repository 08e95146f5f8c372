/**
 * Bad inputs for the production error codes (test/errors.test.ts and
 * test/errors-source.test.ts): the code each throws in production, what the code
 * concerns, and the call, run against a given copy of the main entry.
 */
import { SimulatedClock } from 'xstate'
import type * as development from '../../src/index.js'
import { SocketRegistry } from './scripted-socket.js'

export type Api = typeof development

const URL_OK = 'ws://errors.invalid/socket'
const notAConstructor = () => undefined

/** Each sample: the code production throws, and the call that throws it. */
export const SAMPLES: Array<
  [code: string, subject: string | undefined, run: (api: Api) => unknown]
> = [
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
  ['E29', undefined, (h) => connected(h).send('x', 5 as never)],
  [
    'E30',
    'bufferedAmountLowThreshold',
    (h) => {
      connected(h).bufferedAmountLowThreshold = -1
    },
  ],
  ['E30', 'level', (h) => connected(h).whenBufferedAmountLow(Number.NaN)],
]

/** Connections the samples opened; close them after the run. */
export const open: Array<{ close(): void }> = []

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

export function errorOf(run: () => unknown): Error {
  try {
    const made = run() as { close?: () => void } | undefined
    made?.close?.()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw, but the call succeeded')
}
