/**
 * Constructor rows: how the URL is parsed and the subprotocol list checked
 * (WHATWG WebSockets, "new WebSocket(url, protocols)": the URL is parsed against
 * the document's base URL, http/https become ws/wss, other schemes and any
 * fragment throw a SyntaxError DOMException; protocols must be distinct tokens
 * as Sec-WebSocket-Protocol requires, RFC 6455 §4.1).
 */
import { type Ctx, hostless, type Json, next, opened, type Row, thrown } from './kit.js'

/** The URL the socket reports, or how the constructor failed. */
function urlOf(ctx: Ctx, url: unknown): Json {
  let sock: ReturnType<Ctx['make']>
  try {
    sock = ctx.make(url)
  } catch {
    return thrown(() => ctx.make(url))
  }
  return { url: hostless(ctx, sock.url) }
}

const WS_SYNTAX = 'ws throws a plain SyntaxError, not a DOMException'

const accepted = (id: string, description: string, url: (ctx: Ctx) => unknown): Row => ({
  id,
  description,
  run: async (ctx) => urlOf(ctx, url(ctx)),
})

const refused = (id: string, description: string, url: (ctx: Ctx) => unknown): Row => ({
  ...accepted(id, description, url),
  wsDeparts: WS_SYNTAX,
})

export const CONSTRUCTOR_ROWS: Row[] = [
  {
    id: 'url.absolute',
    description: 'an absolute ws: URL is kept as parsed; readyState starts at CONNECTING',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo?a=1`)
      return { url: hostless(ctx, sock.url), readyState: sock.readyState }
    },
  },
  accepted('url.root-slash', 'a URL without a path gains "/"', (ctx) => ctx.base),
  accepted('url.http', 'http: becomes ws:', (ctx) => `http://${ctx.host}/echo`),
  accepted('url.https', 'https: becomes wss:', () => 'https://127.0.0.1:1/x'),
  accepted('url.uppercase', 'the scheme and host are lower-cased', () => 'WS://LOCALHOST:1/Path'),
  accepted(
    'url.object',
    'a URL object is converted to its string',
    (ctx) => new URL(`${ctx.base}/o`),
  ),
  refused('url.fragment', 'a fragment is refused', (ctx) => `${ctx.base}/echo#top`),
  {
    ...refused(
      'url.empty-fragment',
      'an empty fragment ("#") is refused too',
      (ctx) => `${ctx.base}/#`,
    ),
    wsDeparts: 'ws checks only for a non-empty fragment',
  },
  refused('url.scheme-ftp', 'an ftp: URL is refused', () => 'ftp://127.0.0.1/'),
  refused('url.scheme-file', 'a file: URL is refused', () => 'file:///tmp/socket'),
  refused('url.scheme-data', 'a data: URL is refused', () => 'data:text/plain,hi'),
  refused('url.invalid', 'a URL that does not parse is refused', () => 'ws://[::1/x'),
  {
    id: 'url.relative',
    env: 'browser',
    description: 'a relative URL resolves against the page and connects',
    run: async (ctx) => {
      let sock: ReturnType<Ctx['make']>
      try {
        sock = ctx.make('/echo')
      } catch {
        return thrown(() => ctx.make('/echo'))
      }
      await next(sock, 'open')
      return { url: hostless(ctx, sock.url), readyState: sock.readyState }
    },
  },
  {
    id: 'url.relative-name',
    env: 'browser',
    description: 'a bare name resolves against the page path',
    run: async (ctx) => urlOf(ctx, 'echo?x=1'),
  },
  {
    id: 'url.empty',
    env: 'browser',
    description: "'' is the page's own URL, with ws:",
    run: async (ctx) => urlOf(ctx, ''),
  },
  {
    id: 'protocols.none-empty',
    description: 'no subprotocol asked: protocol reads "" before and after open',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const before = sock.protocol
      await next(sock, 'open')
      return { before: String(before), after: String(sock.protocol) }
    },
  },
  {
    id: 'protocols.string',
    description: 'one subprotocol as a string is offered and, once chosen, read back',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`, 'chat')
      const before = sock.protocol
      await next(sock, 'open')
      return { before: String(before), after: String(sock.protocol) }
    },
  },
  {
    id: 'protocols.list',
    description: 'a list: the one the server picks is read back',
    run: async (ctx) => String((await opened(ctx, '/echo', ['chat', 'superchat'])).protocol),
  },
  {
    id: 'protocols.empty-list',
    description: 'an empty list is the same as none',
    run: async (ctx) => String((await opened(ctx, '/echo', [])).protocol),
  },
  ...(
    [
      ['protocols.duplicate', 'a repeated subprotocol is refused', ['chat', 'chat']],
      [
        'protocols.duplicate-case',
        'the same subprotocol in another case is a different one',
        ['chat', 'CHAT'],
      ],
      ['protocols.space', 'a subprotocol with a space is refused', ['two words']],
      ['protocols.comma', 'a subprotocol with a comma is refused', 'a,b'],
      ['protocols.empty-string', 'an empty subprotocol is refused', ''],
      ['protocols.non-ascii', 'a subprotocol outside ASCII is refused', ['caf\u00e9']],
      ['protocols.control', 'a subprotocol with a control character is refused', ['a\u0001']],
      ['protocols.separator', 'a subprotocol with a separator ("/") is refused', ['a/b']],
    ] as Array<[string, string, unknown]>
  ).map(
    ([id, description, protocols]): Row => ({
      id,
      description,
      ...(id === 'protocols.duplicate-case' ? {} : { wsDeparts: WS_SYNTAX }),
      run: async (ctx) => thrown(() => ctx.make(`${ctx.base}/echo`, protocols)),
    }),
  ),
]
