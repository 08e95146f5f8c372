// @vitest-environment jsdom
import type { AddressInfo } from 'node:net'
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode, useEffect } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { ConnectionOptions } from '../src/options.js'
import { type UseConnectionResult, useConnection } from '../src/react/index.js'

/** A real `ws` client that records every socket created through it. */
let created: RecordingWebSocket[] = []
class RecordingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols)
    created.push(this)
  }
}

let wss: WebSocketServer
let base: string
/** Paths of the sockets the server accepted, in order. */
let accepted: string[]

beforeEach(async () => {
  created = []
  accepted = []
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (socket, request) => {
    accepted.push(request.url ?? '')
    socket.on('message', (data) => socket.send(`echo: ${String(data)}`))
  })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  base = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
})

afterEach(async () => {
  cleanup()
  for (const client of wss.clients) client.terminate()
  await new Promise<void>((resolve) => wss.close(() => resolve()))
})

const options = (): ConnectionOptions => ({ WebSocket: RecordingWebSocket, heartbeat: false })

let latest: UseConnectionResult | null = null
function Status({ url, opts }: { url: string; opts?: ConnectionOptions }) {
  const result = useConnection(url, opts ?? options())
  latest = result
  return (
    <div>
      <p data-testid="state">{result.state}</p>
      <p data-testid="message">{result.lastMessage ? String(result.lastMessage.data) : ''}</p>
    </div>
  )
}

function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => ws.once('close', () => resolve()))
}

const stateIs = (state: string) =>
  waitFor(() => expect(screen.getByTestId('state').textContent).toBe(state))

function Child({ send }: { send: (data: string) => boolean }) {
  useEffect(() => {
    send('early')
  }, [send])
  return null
}
function Parent({ url }: { url: string }) {
  const { state, send, lastMessage } = useConnection(url, options())
  return (
    <div>
      <p data-testid="state">{state}</p>
      <p data-testid="message">{lastMessage ? String(lastMessage.data) : ''}</p>
      <Child send={send} />
    </div>
  )
}

function ByFunction({ url }: { url: () => Promise<string> }) {
  const { state } = useConnection(url, options())
  return <p data-testid="state">{state}</p>
}

describe('useConnection', () => {
  it('opens one socket under StrictMode, reports state, sends and receives', async () => {
    render(
      <StrictMode>
        <Status url={`${base}/strict`} />
      </StrictMode>,
    )
    expect(screen.getByTestId('state').textContent).toBe('connecting')
    await stateIs('open')
    expect(created).toHaveLength(1)
    expect(accepted).toEqual(['/strict'])
    act(() => {
      latest?.send('hi')
    })
    await waitFor(() => expect(screen.getByTestId('message').textContent).toBe('echo: hi'))
    expect(latest?.connection?.state).toBe('open')
    expect(created).toHaveLength(1)
  })

  it('closes the socket on unmount', async () => {
    const { unmount } = render(<Status url={`${base}/unmount`} />)
    await stateIs('open')
    const connection = latest?.connection
    const socket = created[0]
    if (!socket || !connection) throw new Error('no socket')
    unmount()
    await closed(socket)
    await waitFor(() => expect(connection.state).toBe('closed'))
    expect(created).toHaveLength(1)
  })

  it('reconnects when the url changes, not when options change identity', async () => {
    const { rerender } = render(<Status url={`${base}/a`} opts={options()} />)
    await stateIs('open')
    const first = latest?.connection
    for (let i = 0; i < 3; i++) rerender(<Status url={`${base}/a`} opts={options()} />)
    await stateIs('open')
    expect(latest?.connection).toBe(first)
    expect(created).toHaveLength(1)

    rerender(<Status url={`${base}/b`} opts={options()} />)
    await waitFor(() => expect(accepted).toEqual(['/a', '/b']))
    await stateIs('open')
    expect(latest?.connection).not.toBe(first)
    expect(created).toHaveLength(2)
    await closed(created[0] as WebSocket)
    expect(first?.state).toBe('closed')
    expect(created[1]?.readyState).toBe(WebSocket.OPEN)
  })

  it('takes a url function, compared by identity', async () => {
    let calls = 0
    const first = async () => {
      calls++
      return `${base}/fn1`
    }
    const { rerender } = render(<ByFunction url={first} />)
    await stateIs('open')
    rerender(<ByFunction url={first} />)
    await stateIs('open')
    expect(accepted).toEqual(['/fn1'])
    expect(calls).toBe(1)
    rerender(<ByFunction url={async () => `${base}/fn2`} />)
    await waitFor(() => expect(accepted).toEqual(['/fn1', '/fn2']))
    await stateIs('open')
    expect(created).toHaveLength(2)
  })

  it('close() ends the connection for good and reconnect() opens it again', async () => {
    render(<Status url={`${base}/cycle`} />)
    await stateIs('open')
    act(() => latest?.close(4001, 'bye'))
    await stateIs('closed')
    act(() => latest?.reconnect())
    await stateIs('open')
    expect(created).toHaveLength(2)
    expect(latest?.connection).toBeTruthy()
  })

  it("hands a child's early send to the connection once it exists", async () => {
    render(<Parent url={`${base}/early`} />)
    await waitFor(() => expect(screen.getByTestId('message').textContent).toBe('echo: early'))
    expect(created).toHaveLength(1)
  })

  it('returns connection.metrics when the connection has them', async () => {
    const { rerender } = render(<Status url={`${base}/metrics`} />)
    await stateIs('open')
    expect(latest?.metrics).toMatchObject({ attempts: 1, reconnects: 0 })
    const connection = latest?.connection
    if (!connection) throw new Error('no connection')
    Object.defineProperty(connection, 'metrics', { value: { reconnects: 0 } })
    rerender(<Status url={`${base}/metrics`} />)
    expect(latest?.metrics).toEqual({ reconnects: 0 })
  })

  it('renders on the server without opening a socket', () => {
    const html = renderToString(<Status url={`${base}/ssr`} />)
    expect(html).toContain('connecting')
    expect(created).toHaveLength(0)
  })
})
