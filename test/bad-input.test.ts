/**
 * The bad-input table: every option with a wrong type or an out-of-range value,
 * bad URLs, refused close codes and reasons, and send() data with no string form
 * (other values convert to a string, as WebSocket.send converts them). Each
 * must fail at once with an error naming what was wrong, what arrived and what is
 * allowed; the exact messages are pinned in __snapshots__/bad-input.test.ts.snap.
 * A refused close() or send() changes nothing: same state, same queue, and the
 * queued messages still go out, in order, when the socket opens.
 */
import { describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, type DropEvent } from '../src/index.js'
import { SocketRegistry } from './helpers/scripted-socket.js'

const URL_OK = 'ws://bad-input.invalid/socket'

function errorOf(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw, but the call succeeded')
}

/** Sets `path` (a.b) to `value` on top of otherwise valid options. */
function withOption(path: string, value: unknown): Record<string, unknown> {
  const registry = new SocketRegistry()
  const options: Record<string, unknown> = {
    WebSocket: registry.WebSocket,
    clock: new SimulatedClock(),
  }
  const [head, sub] = path.split('.') as [string, string | undefined]
  if (sub === undefined) options[head] = value
  else options[head] = { [sub]: value }
  return options
}

const arrow = () => undefined
const notAClock = { setTimeout: () => 0 }

/** [option path, bad value]: each alone on top of valid options. */
const OPTION_ROWS: Array<[string, unknown]> = [
  ['WebSocket', 42],
  ['WebSocket', 'ws'],
  ['WebSocket', null],
  ['WebSocket', {}],
  ['WebSocket', arrow],
  ['WebSocket', Date],
  ['startClosed', 'yes'],
  ['protocols', 42],
  ['protocols', [1, 2]],
  ['protocols', { chat: true }],
  ['protocols', 'two words'],
  ['protocols', ''],
  ['protocols', ['chat', 'chat']],
  ['protocols', ['a,b']],
  ['binaryType', 'text'],
  ['binaryType', 1],
  ['heartbeat', 'yes'],
  ['heartbeat', 15000],
  ['heartbeat', ['ping']],
  ['heartbeat', null],
  ['heartbeat.interval', -1],
  ['heartbeat.interval', 0],
  ['heartbeat.interval', Number.NaN],
  ['heartbeat.interval', Number.POSITIVE_INFINITY],
  ['heartbeat.interval', '15000'],
  ['heartbeat.timeout', 0],
  ['heartbeat.timeout', -5],
  ['heartbeat.timeout', Number.POSITIVE_INFINITY],
  ['heartbeat.timeout', '10s'],
  ['heartbeat.ping', 42],
  ['heartbeat.ping', null],
  ['heartbeat.ping', { type: 'ping' }],
  ['heartbeat.isPong', 'pong'],
  ['heartbeat.isPong', /pong/],
  ['heartbeat.deliverPongs', 'yes'],
  ['heartbeat.deliverPongs', 1],
  ['heartbeat.intervall', 1000],
  ['reconnect', 'always'],
  ['reconnect', 5],
  ['reconnect', null],
  ['reconnect.initialDelay', -1],
  ['reconnect.initialDelay', Number.NaN],
  ['reconnect.initialDelay', Number.POSITIVE_INFINITY],
  ['reconnect.initialDelay', '1000'],
  ['reconnect.maxDelay', -1],
  ['reconnect.maxDelay', Number.POSITIVE_INFINITY],
  ['reconnect.maxDelay', '30s'],
  ['reconnect.factor', 0.5],
  ['reconnect.factor', 0],
  ['reconnect.factor', Number.NaN],
  ['reconnect.factor', Number.POSITIVE_INFINITY],
  ['reconnect.factor', '2'],
  ['reconnect.jitter', 'half'],
  ['reconnect.jitter', true],
  ['reconnect.maxAttempts', -1],
  ['reconnect.maxAttempts', 1.5],
  ['reconnect.maxAttempts', Number.NaN],
  ['reconnect.maxAttempts', '3'],
  ['reconnect.stableAfter', -1],
  ['reconnect.stableAfter', Number.POSITIVE_INFINITY],
  ['reconnect.stableAfter', 'soon'],
  ['reconnect.delay', 1000],
  ['connectTimeout', 0],
  ['connectTimeout', -1],
  ['connectTimeout', Number.POSITIVE_INFINITY],
  ['connectTimeout', Number.NaN],
  ['connectTimeout', '5s'],
  ['closeTimeout', -1],
  ['closeTimeout', Number.POSITIVE_INFINITY],
  ['closeTimeout', Number.NaN],
  ['closeTimeout', '1s'],
  ['queue', 100],
  ['queue', 'unbounded'],
  ['queue', null],
  ['queue.max', 0],
  ['queue.max', -1],
  ['queue.max', 1.5],
  ['queue.max', Number.POSITIVE_INFINITY],
  ['queue.max', '10'],
  ['queue.overflow', 'drop-newest'],
  ['queue.overflow', 1],
  ['queue.size', 10],
  ['shouldReconnect', true],
  ['shouldReconnect', 'never'],
  ['clock', 42],
  ['clock', {}],
  ['clock', notAClock],
  ['clock', null],
  ['random', 0.5],
  ['random', 'Math.random'],
  ['inspect', 42],
  ['inspect', 'console'],
  ['heartBeat', { interval: 1000 }],
  ['reconnectDelay', 1000],
  ['timeout', 1000],
]

describe('bad options', () => {
  it.each(OPTION_ROWS)(
    '%s = %o is refused, naming the option, the value and the rule',
    (path, value) => {
      const options = withOption(path, value)
      const registry = new SocketRegistry()
      if (path !== 'WebSocket') options.WebSocket = registry.WebSocket
      const error = errorOf(() => createConnection(URL_OK, options))
      expect(error).toBeInstanceOf(Error)
      expect(['TypeError', 'RangeError', 'SyntaxError']).toContain(error.name)
      expect(error.message).toContain(`\`${path}\``)
      expect(error.message).toMatch(/; got |got .* twice|did you mean|known/)
      expect(error.message).toMatch(/must|known .*options are/)
      expect(`${error.name}: ${error.message}`).toMatchSnapshot()
      // Refused before anything was created.
      expect(registry.sockets).toHaveLength(0)
    },
  )

  it('maxDelay < initialDelay names both', () => {
    const registry = new SocketRegistry()
    const error = errorOf(() =>
      createConnection(URL_OK, {
        WebSocket: registry.WebSocket,
        reconnect: { initialDelay: 5000, maxDelay: 1000 },
      }),
    )
    expect(error.message).toMatchInlineSnapshot(
      `"heartline: \`reconnect.maxDelay\` (1000) must be ≥ \`reconnect.initialDelay\` (5000)."`,
    )
  })

  it.each([
    ['a number', 42],
    ['a string', 'options'],
    ['an array', []],
    ['null', null],
  ])('options as %s is refused', (_label, value) => {
    const error = errorOf(() => createConnection(URL_OK, value as never))
    expect(error.message).toMatch(/^heartline: options must be an object; got /)
    expect(`${error.name}: ${error.message}`).toMatchSnapshot()
  })

  it('the edge values that are allowed are accepted', () => {
    const registry = new SocketRegistry()
    const clock = new SimulatedClock()
    const conn = createConnection('http://edge.invalid/x', {
      WebSocket: registry.WebSocket,
      clock,
      protocols: ['chat.v2', 'x-1'],
      binaryType: 'arraybuffer',
      heartbeat: { interval: 1, timeout: 1, ping: new Uint8Array([1]), deliverPongs: true },
      reconnect: {
        initialDelay: 0,
        maxDelay: 0,
        factor: 1,
        jitter: 'none',
        maxAttempts: Number.POSITIVE_INFINITY,
        stableAfter: 0,
      },
      connectTimeout: 1,
      closeTimeout: 0,
      queue: { max: 1, overflow: 'drop-oldest' },
      inspect: { next: () => undefined },
    })
    // http: is mapped to ws: as browsers do.
    expect(conn.url).toBe('ws://edge.invalid/x')
    expect(registry.sockets[0]?.protocols).toEqual(['chat.v2', 'x-1'])
    conn.close()
    // closeTimeout 0: closing lasts no simulated time at all.
    clock.increment(0)
    expect(conn.state).toBe('closed')
  })
})

const URL_ROWS: Array<[string, unknown]> = [
  ['ftp scheme', 'ftp://example.invalid/'],
  ['file scheme', 'file:///tmp/socket'],
  ['javascript scheme', 'javascript:alert(1)'],
  ['data scheme', 'data:text/plain,hi'],
  ['no host', 'ws://'],
  ['no host, port only', 'wss://:8080/path'],
  ['relative path', '/socket'],
  ['relative name', 'socket'],
  ['empty', ''],
  ['fragment', 'ws://example.invalid/socket#top'],
  ['empty fragment', 'ws://example.invalid/socket#'],
  ['broken IPv6', 'ws://[::1/socket'],
  ['a number', 8080],
  ['null', null],
  ['an object', { host: 'example.invalid' }],
]

describe('bad URLs', () => {
  it.each(URL_ROWS)('%s is refused', (_label, url) => {
    const registry = new SocketRegistry()
    const error = errorOf(() => createConnection(url as string, { WebSocket: registry.WebSocket }))
    expect(error.message).toContain('`url`')
    expect(error.message).toMatch(/got /)
    expect(`${error.name}: ${error.message}`).toMatchSnapshot()
    expect(registry.sockets).toHaveLength(0)
  })

  it.each([
    ['http://example.invalid/a?b=1', 'ws://example.invalid/a?b=1'],
    ['https://example.invalid/a', 'wss://example.invalid/a'],
    ['ws://example.invalid', 'ws://example.invalid/'],
  ])('%s is accepted as %s (http(s) mapped as browsers do)', (url, expected) => {
    const registry = new SocketRegistry()
    const conn = createConnection(url, { WebSocket: registry.WebSocket, reconnect: false })
    expect(conn.url).toBe(expected)
    expect(registry.sockets[0]?.url).toBe(expected)
    conn.close()
  })

  it('a url function returning a bad URL is reported as an error event, not thrown', async () => {
    const registry = new SocketRegistry()
    const errors: unknown[] = []
    const conn = createConnection(() => 'ftp://example.invalid/', {
      WebSocket: registry.WebSocket,
      reconnect: false,
      clock: new SimulatedClock(),
    })
    conn.addEventListener('error', (e) => errors.push(e.error))
    // Failures of the url function are reported on a microtask, so the listener
    // added after the constructor sees the first attempt's.
    await Promise.resolve()
    expect(String(errors[0])).toMatch(/`url` must use ws: or wss:.*"ftp:"/)
    expect(registry.sockets).toHaveLength(0)
    conn.close()
  })
})

/** 62 × 'é' (2 bytes each) = 124 bytes, one over the limit. */
const E_ACUTE_124 = 'é'.repeat(62)
/** 41 × '€' (3 bytes each) + 1 byte = 124 bytes. */
const EURO_124 = `${'€'.repeat(41)}!`

const CLOSE_ROWS: Array<[string, unknown, unknown]> = [
  ['code 0', 0, undefined],
  ['code 999', 999, undefined],
  ['code 1001', 1001, undefined],
  ['code 1005', 1005, undefined],
  ['code 1006', 1006, undefined],
  ['code 1015', 1015, undefined],
  ['code 2999', 2999, undefined],
  ['code 5000', 5000, undefined],
  ['code -1', -1, undefined],
  ['code NaN', Number.NaN, undefined],
  ['code Infinity', Number.POSITIVE_INFINITY, undefined],
  ['code null', null, undefined],
  ["code 'abc'", 'abc', undefined],
  ['code 65536', 65536, undefined],
  ['code a symbol', Symbol('code'), undefined],
  ['reason without a code', undefined, 'why'],
  ['reason 62 × é (124 bytes)', 1000, E_ACUTE_124],
  ['reason 41 × € + 1 byte (124 bytes)', 4000, EURO_124],
  ['reason 124 ASCII', 1000, 'x'.repeat(124)],
  ['reason a symbol', 1000, Symbol('reason')],
]

/**
 * Values that are neither strings nor binary data: `WebSocket.send` converts them
 * to a string (WebIDL USVString, that is String(value)), and so does send().
 */
const SEND_FUNCTION = () => 'data'
const CONVERTED_ROWS: Array<[string, unknown, string]> = [
  ['a number', 42, '42'],
  ['NaN', Number.NaN, 'NaN'],
  ['a boolean', true, 'true'],
  ['a bigint', 10n, '10'],
  ['a plain object', { type: 'hello' }, '[object Object]'],
  ['an array', ['a', 'b'], 'a,b'],
  ['null', null, 'null'],
  ['undefined', undefined, 'undefined'],
  ['a function', SEND_FUNCTION, String(SEND_FUNCTION)],
  ['a Date', new Date(0), String(new Date(0))],
  ['a Map', new Map(), '[object Map]'],
]

/** A connection with two queued messages and recorders for what the app sees. */
function queuedConnection() {
  const registry = new SocketRegistry()
  const clock = new SimulatedClock()
  const conn: Connection = createConnection(URL_OK, {
    WebSocket: registry.WebSocket,
    clock,
    heartbeat: false,
  })
  const drops: DropEvent[] = []
  const states: string[] = []
  conn.addEventListener('drop', (e) => drops.push(e))
  conn.addEventListener('statechange', (e) => states.push(e.to))
  expect(conn.send('first')).toBe(true)
  expect(conn.send('second')).toBe(true)
  return { registry, clock, conn, drops, states }
}

describe('refused close() and send() change nothing', () => {
  it.each(CLOSE_ROWS)('close(%s) is refused while connecting', (_label, code, reason) => {
    const { registry, conn, drops, states } = queuedConnection()
    const error = errorOf(() => conn.close(code as number, reason as string))
    expect(`${error.name}: ${error.message}`).toMatchSnapshot()
    expect(error.message).toMatch(/close (code|reason) must/)
    expect(error.message).toMatch(/got /)
    expect(conn.state).toBe('connecting')
    expect(conn.queued).toBe(2)
    expect(states).toEqual([])
    expect(drops).toEqual([])
    // The queue still goes out, in order, once the socket opens.
    const socket = registry.latest()
    socket?.fireOpen()
    expect(conn.state).toBe('open')
    expect(socket?.sent.map((s) => s.data)).toEqual(['first', 'second'])
    expect(socket?.closedByAdapter).toBe(false)
  })

  it.each(CLOSE_ROWS)('close(%s) is refused while open', (_label, code, reason) => {
    const { registry, conn } = queuedConnection()
    const socket = registry.latest()
    socket?.fireOpen()
    expect(() => conn.close(code as number, reason as string)).toThrow(/close (code|reason) must/)
    expect(conn.state).toBe('open')
    expect(socket?.closedByAdapter).toBe(false)
    conn.send('third')
    expect(socket?.sent.map((s) => s.data)).toEqual(['first', 'second', 'third'])
  })

  it('the limits themselves are accepted: 123 bytes of é and €, codes 1000, 3000, 4999', () => {
    for (const [code, reason] of [
      [1000, `${'é'.repeat(61)}!`],
      [3000, 'x'.repeat(123)],
      [4999, '€'.repeat(41)],
    ] as const) {
      const { registry, conn } = queuedConnection()
      registry.latest()?.fireOpen()
      conn.close(code, reason)
      expect(conn.state).toBe('closing')
      expect(registry.latest()?.closeCall).toEqual({ code, reason })
    }
  })

  // WebIDL converts before it checks (`[Clamp] unsigned short` code, USVString
  // reason), so these are accepted as a browser WebSocket accepts them.
  it.each([
    ['code 1000.5', [1000.5], { code: 1000, reason: '' }],
    ['code 3001.5', [3001.5], { code: 3001, reason: '' }],
    ["code '3000'", ['3000'], { code: 3000, reason: '' }],
    ['reason a number', [1000, 42], { code: 1000, reason: '42' }],
    ['reason an object', [3000, { text: 'bye' }], { code: 3000, reason: '[object Object]' }],
    ['no code', [], { code: undefined, reason: undefined }],
  ] as Array<[string, unknown[], unknown]>)(
    'close(%s) is converted and sent',
    (_label, args, sent) => {
      const { registry, conn } = queuedConnection()
      registry.latest()?.fireOpen()
      ;(conn.close as (...a: unknown[]) => void)(...args)
      expect(conn.state).toBe('closing')
      expect(registry.latest()?.closeCall).toEqual(sent)
    },
  )

  it('send(a symbol) is refused, the queue untouched: a symbol has no string form', () => {
    const { registry, conn, drops } = queuedConnection()
    const error = errorOf(() => conn.send(Symbol('data') as unknown as string))
    expect(error.name).toBe('TypeError')
    expect(`${error.name}: ${error.message}`).toMatchSnapshot()
    expect(conn.queued).toBe(2)
    expect(drops).toEqual([])
    expect(conn.state).toBe('connecting')
    const socket = registry.latest()
    socket?.fireOpen()
    // Refused while open as well, and nothing reaches the socket.
    expect(() => conn.send(Symbol('data') as unknown as string)).toThrow(TypeError)
    expect(socket?.sent.map((s) => s.data)).toEqual(['first', 'second'])
  })

  it.each(CONVERTED_ROWS)(
    'send(%s) sends String(value), as WebSocket.send converts it',
    (_label, data, text) => {
      const { registry, conn, drops } = queuedConnection()
      expect(conn.send(data as string)).toBe(true)
      expect(conn.queued).toBe(3)
      const socket = registry.latest()
      socket?.fireOpen()
      expect(conn.send(data as string)).toBe(true)
      expect(socket?.sent.map((s) => s.data)).toEqual(['first', 'second', text, text])
      expect(drops).toEqual([])
    },
  )

  it('every supported data type is accepted', () => {
    const { registry, conn } = queuedConnection()
    const socket = registry.latest()
    socket?.fireOpen()
    const buffer = new ArrayBuffer(2)
    const view = new Uint8Array([1, 2])
    const dataView = new DataView(buffer)
    const blob = new Blob(['x'])
    for (const data of ['', buffer, view, dataView, blob]) expect(conn.send(data)).toBe(true)
    expect(socket?.sent.map((s) => s.data)).toEqual([
      'first',
      'second',
      '',
      buffer,
      view,
      dataView,
      blob,
    ])
  })
})

it('counts: the table covers every case the brief lists', () => {
  const total =
    OPTION_ROWS.length + 1 + 4 + URL_ROWS.length + CLOSE_ROWS.length + CONVERTED_ROWS.length + 1
  expect(total).toBeGreaterThanOrEqual(140)
})
