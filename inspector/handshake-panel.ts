/**
 * The opening handshake as the server captured it, and the Sec-WebSocket-Accept
 * computed in the page step by step (RFC 6455 §4.2.2), compared with the header
 * the server sent.
 */
import { acceptSteps, redactUrl } from '../src/inspector/index.js'
import { $, h, time } from './dom.js'
import type { HandshakeCapture } from './protocol.js'

const handshakes: HandshakeCapture[] = []
const listeners = new Set<(capture: HandshakeCapture) => void>()

/** Calls `fn` once, with the next handshake the server captures. */
export function nextHandshake(fn: (capture: HandshakeCapture) => void): void {
  const once = (capture: HandshakeCapture) => {
    listeners.delete(once)
    fn(capture)
  }
  listeners.add(once)
}

export function headerOf(capture: HandshakeCapture, side: 'request' | 'response', name: string) {
  return headerValue(capture[side].headers, name)
}

/** The request line with query values redacted, as every URL the page shows. */
function redactRequestLine(line: string): string {
  const [method = '', target = '', version = ''] = line.split(' ')
  const base = 'http://host'
  const redacted = redactUrl(`${base}${target}`)
  return `${method} ${redacted.startsWith(base) ? redacted.slice(base.length) : target} ${version}`
}

function headerValue(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
}

function renderList() {
  const select = $<HTMLSelectElement>('handshake-select')
  select.textContent = ''
  for (const hs of [...handshakes].reverse()) {
    select.append(
      h(
        'option',
        { value: String(hs.id) },
        `#${hs.id} ${time(hs.at)} ${hs.response.line.slice(9)}`,
      ),
    )
  }
}

async function render() {
  const select = $<HTMLSelectElement>('handshake-select')
  const hs =
    handshakes.find((x) => String(x.id) === select.value) ?? handshakes[handshakes.length - 1]
  const host = $('handshake')
  host.textContent = ''
  if (!hs) {
    host.append(h('p', { class: 'note' }, 'No handshake captured yet.'))
    return
  }
  const headerList = (headers: [string, string][]) =>
    h(
      'dl',
      { class: 'headers' },
      ...headers.flatMap(([k, v]) => [
        h('dt', {}, k),
        h('dd', {}, k.toLowerCase() === 'cookie' ? '***' : v),
      ]),
    )
  host.append(
    h('h3', {}, 'Request (as the server received it)'),
    h('pre', { id: 'hs-request-line' }, redactRequestLine(hs.request.line)),
    headerList(hs.request.headers),
    h('h3', {}, 'Response'),
    h('pre', { id: 'hs-response-line' }, hs.response.line),
    headerList(hs.response.headers),
  )
  const key = headerValue(hs.request.headers, 'sec-websocket-key')
  const captured = headerValue(hs.response.headers, 'sec-websocket-accept')
  if (!key) return
  const steps = await acceptSteps(key)
  const ok = captured !== undefined && captured === steps.accept
  host.append(
    h('h3', {}, 'Sec-WebSocket-Accept, step by step (RFC 6455 §4.2.2)'),
    h(
      'ol',
      { class: 'steps' },
      h('li', {}, 'Key from the request: ', h('code', { id: 'accept-key' }, steps.key)),
      h('li', {}, 'Append the GUID: ', h('code', { id: 'accept-concat' }, steps.concatenated)),
      h('li', {}, 'SHA-1 of those bytes (hex): ', h('code', { id: 'accept-sha1' }, steps.sha1Hex)),
      h(
        'li',
        {},
        'Base64 of the 20 digest bytes: ',
        h('code', { id: 'accept-computed' }, steps.accept),
      ),
      h(
        'li',
        {},
        'The server sent: ',
        h('code', { id: 'accept-captured' }, captured ?? '(no Accept: handshake refused)'),
        ' ',
        h(
          'strong',
          { id: 'accept-match', class: ok ? 'ok' : 'bad', 'data-match': String(ok) },
          ok ? '✓ matches' : captured === undefined ? '– nothing to compare' : '✗ differs',
        ),
      ),
    ),
  )
}

/** A handshake the server captured: listed, selected and explained. */
export function addHandshake(capture: HandshakeCapture): void {
  handshakes.push(capture)
  if (handshakes.length > 20) handshakes.shift()
  renderList()
  $<HTMLSelectElement>('handshake-select').value = String(capture.id)
  void render()
  for (const fn of [...listeners]) fn(capture)
}

export function initHandshakePanel(): void {
  $('handshake-select').addEventListener('change', () => void render())
  void render()
}
