/**
 * The resume session's chart alone (machines/resume-session.ts), one test per
 * transition, on a SimulatedClock: what each event does to the state, and
 * what the chart emits for the layer to do.
 */
import { describe, expect, it } from 'vitest'
import { createActor, SimulatedClock } from 'xstate'
import {
  type ResumeSessionEmitted,
  type ResumeSessionEvent,
  type ResumeSessionInput,
  resumeSessionMachine,
  resumeStateNameOf,
} from '../machines/resume-session.js'

function run(input: Partial<ResumeSessionInput> = {}) {
  const clock = new SimulatedClock()
  const actor = createActor(resumeSessionMachine, {
    input: { welcomeTimeout: 1000, ...input },
    clock,
  })
  const emitted: ResumeSessionEmitted[] = []
  actor.on('*', (e) => emitted.push(e as ResumeSessionEmitted))
  actor.start()
  const send = (event: ResumeSessionEvent) => actor.send(event)
  return {
    clock,
    emitted,
    send,
    state: () => resumeStateNameOf(actor.getSnapshot().value),
    context: () => actor.getSnapshot().context,
    ready: () => actor.getSnapshot().hasTag('ready'),
    /** Takes the events emitted so far. */
    take: () => emitted.splice(0),
  }
}

const welcome = (fields: Record<string, unknown>, problem: string | null = null) =>
  ({ type: 'welcome', welcome: { v: 1, ack: 0, ...fields }, problem }) as const

/** A chart in `hello` on its first socket, emitted events taken. */
function inHello(input: Partial<ResumeSessionInput> = {}) {
  const c = run(input)
  c.send({ type: 'socket.opened' })
  c.take()
  return c
}

/** A chart in `ready.started` with session `s1`. */
function inReady() {
  const c = inHello()
  c.send(welcome({ sid: 's1', resumed: false }))
  c.take()
  return c
}

describe('down', () => {
  it('starts down with no session, or with the session it was given', () => {
    expect(run().state()).toBe('down')
    expect(run().context().session).toBeNull()
    expect(run({ session: 'handed' }).context().session).toBe('handed')
  })

  it('socket opened → hello: emits the hello naming no session', () => {
    const c = run()
    c.send({ type: 'socket.opened' })
    expect(c.state()).toBe('hello')
    expect(c.take()).toEqual([{ type: 'hello', session: null }])
  })

  it('socket opened → hello: the hello names a session handed over in the input', () => {
    const c = run({ session: 'handed' })
    c.send({ type: 'socket.opened' })
    expect(c.take()).toEqual([{ type: 'hello', session: 'handed' }])
  })

  it('a protocol error or a welcome while down is reported, with no socket to end', () => {
    const c = run()
    c.send({ type: 'protocol.error', reason: 'late frame' })
    c.send(welcome({ sid: 's1', resumed: false }))
    expect(c.state()).toBe('down')
    expect(c.take()).toEqual([
      { type: 'protocol-error', reason: 'late frame', end: false },
      { type: 'protocol-error', reason: 'unexpected welcome', end: false },
    ])
  })
})

describe('hello', () => {
  it('welcomeTimeout → down: the socket is ended with "no welcome", not a tick before', () => {
    const c = inHello()
    c.clock.increment(999)
    expect(c.state()).toBe('hello')
    c.clock.increment(1)
    expect(c.state()).toBe('down')
    expect(c.take()).toEqual([{ type: 'protocol-error', reason: 'no welcome', end: true }])
  })

  it('a welcome the client refused → down: the socket is ended with its problem', () => {
    const c = inHello()
    c.send(
      welcome(
        { sid: 's1', resumed: true },
        'welcome resumes a session this client did not ask for',
      ),
    )
    expect(c.state()).toBe('down')
    expect(c.context()).toMatchObject({ session: null, welcomed: false })
    expect(c.take()).toEqual([
      {
        type: 'protocol-error',
        reason: 'welcome resumes a session this client did not ask for',
        end: true,
      },
    ])
  })

  it('a first welcome → ready.started: the session id is kept, `started` emitted', () => {
    const c = inHello()
    c.send(welcome({ sid: 's1', resumed: false }))
    expect(c.state()).toBe('ready.started')
    expect(c.ready()).toBe(true)
    expect(c.context()).toMatchObject({ session: 's1', welcomed: true })
    expect(c.take()).toEqual([
      { type: 'started', welcome: { v: 1, sid: 's1', ack: 0, resumed: false } },
    ])
    // The welcome's deadline went with `hello`.
    c.clock.increment(5000)
    expect(c.state()).toBe('ready.started')
    expect(c.take()).toEqual([])
  })

  it('a resuming welcome → ready.resumed: `resumed` emitted with the replay count', () => {
    const c = inHello({ session: 's1' })
    c.send(welcome({ sid: 's1', resumed: true, ack: 4, replay: 2 }))
    expect(c.state()).toBe('ready.resumed')
    expect(c.context().session).toBe('s1')
    expect(c.take()).toEqual([
      { type: 'resumed', welcome: { v: 1, sid: 's1', ack: 4, resumed: true, replay: 2 } },
    ])
  })

  it('a new session for one that was asked for → ready.reset: `reset` names the lost one', () => {
    const c = inHello({ session: 'old' })
    c.send(welcome({ sid: 'new', resumed: false, reset: { lost: 3 } }))
    expect(c.state()).toBe('ready.reset')
    expect(c.context().session).toBe('new')
    expect(c.take()).toEqual([
      {
        type: 'reset',
        previous: 'old',
        welcome: { v: 1, sid: 'new', ack: 0, resumed: false, reset: { lost: 3 } },
      },
    ])
  })

  it('socket ended → down, and the welcome deadline is gone', () => {
    const c = inHello()
    c.send({ type: 'socket.ended' })
    expect(c.state()).toBe('down')
    c.clock.increment(5000)
    expect(c.take()).toEqual([])
  })

  it('a protocol error → down: the socket is ended', () => {
    const c = inHello()
    c.send({ type: 'protocol.error', reason: 'message before welcome' })
    expect(c.state()).toBe('down')
    expect(c.take()).toEqual([
      { type: 'protocol-error', reason: 'message before welcome', end: true },
    ])
  })

  it('another socket opened → hello again: a new hello, the deadline restarted', () => {
    const c = inHello()
    c.clock.increment(600)
    c.send({ type: 'socket.opened' })
    expect(c.take()).toEqual([{ type: 'hello', session: null }])
    c.clock.increment(600)
    expect(c.state()).toBe('hello')
    c.clock.increment(400)
    expect(c.state()).toBe('down')
  })
})

describe('ready', () => {
  it('socket ended → down: the session stays, and so do the welcomed socket’s acks', () => {
    const c = inReady()
    c.send({ type: 'socket.ended' })
    expect(c.state()).toBe('down')
    expect(c.ready()).toBe(false)
    expect(c.context()).toMatchObject({ session: 's1', welcomed: true })
  })

  it('a protocol error → down: the socket is ended', () => {
    const c = inReady()
    c.send({ type: 'protocol.error', reason: 'gap: expected 2, got 3' })
    expect(c.state()).toBe('down')
    expect(c.take()).toEqual([
      { type: 'protocol-error', reason: 'gap: expected 2, got 3', end: true },
    ])
  })

  it('a second welcome → down: "unexpected welcome" ends the socket', () => {
    const c = inReady()
    c.send(welcome({ sid: 's1', resumed: true }))
    expect(c.state()).toBe('down')
    expect(c.context().session).toBe('s1')
    expect(c.take()).toEqual([{ type: 'protocol-error', reason: 'unexpected welcome', end: true }])
  })

  it('a new socket → hello: the next hello resumes the session', () => {
    const c = inReady()
    c.send({ type: 'socket.opened' })
    expect(c.state()).toBe('hello')
    expect(c.context().welcomed).toBe(false)
    expect(c.take()).toEqual([{ type: 'hello', session: 's1' }])
  })
})

describe('any state', () => {
  it.each(['down', 'hello', 'ready'] as const)(
    'connection closed in %s → down, the session forgotten (the next hello starts a new one)',
    (from) => {
      const c = from === 'ready' ? inReady() : from === 'hello' ? inHello({ session: 's0' }) : run()
      c.send({ type: 'connection.closed' })
      expect(c.state()).toBe('down')
      expect(c.context().session).toBeNull()
      c.take()
      c.send({ type: 'socket.opened' })
      expect(c.take()).toEqual([{ type: 'hello', session: null }])
    },
  )
})
