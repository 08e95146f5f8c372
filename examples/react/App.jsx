import { useConnection } from 'heartline/react'
import { useEffect, useState } from 'react'

const url = `ws://${location.host}/ws`
const params = new URLSearchParams(location.search)

export function App() {
  // A new options object every render is fine: options are read when the
  // connection is created, and only a new url reconnects.
  const { state, send, reconnect, close, lastMessage } = useConnection(url, {
    heartbeat: {
      interval: Number(params.get('interval') ?? 2000),
      timeout: Number(params.get('timeout') ?? 2000),
    },
  })
  const [text, setText] = useState('hello')
  const [messages, setMessages] = useState([])

  useEffect(() => {
    if (lastMessage) setMessages((list) => [...list.slice(-9), String(lastMessage.data)])
  }, [lastMessage])

  return (
    <main style={{ font: '15px/1.5 system-ui, sans-serif', margin: '2rem' }}>
      <h1>heartline/react</h1>
      <p>
        State: <strong data-testid="state">{state}</strong>
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          send(text)
        }}
      >
        <input aria-label="message" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Send</button>
        <button type="button" onClick={() => send('freeze')}>
          Freeze the server's end
        </button>
        <button type="button" onClick={() => close()}>
          Close
        </button>
        <button type="button" onClick={() => reconnect()}>
          Reconnect
        </button>
      </form>
      <ul data-testid="messages">
        {messages.map((message, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a rolling log; entries never move
          <li key={i}>{message}</li>
        ))}
      </ul>
    </main>
  )
}
