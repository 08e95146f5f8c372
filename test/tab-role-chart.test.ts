/**
 * The tab's role chart alone (machines/tab-role.ts), one test per transition,
 * on a SimulatedClock, with the actions recorded instead of performed and the
 * election actor recording its starts and stops.
 */
import { describe, expect, it } from 'vitest'
import { createActor, type EventObject, fromCallback, SimulatedClock } from 'xstate'
import {
  type HandedSession,
  type TabRoleEvent,
  tabRoleMachine,
  tabRoleOf,
} from '../machines/tab-role.js'

function runRole(resume = false) {
  const log: string[] = []
  const elections: string[] = []
  const record = (name: string) => () => {
    log.push(name)
  }
  const machine = tabRoleMachine.provide({
    actions: {
      follow: record('follow'),
      leaderGone: record('leaderGone'),
      closeView: record('closeView'),
      failView: record('failView'),
    },
    actors: {
      election: fromCallback<EventObject, { tab: string }>(({ input, receive }) => {
        elections.push(`start ${input.tab}`)
        receive((event) => log.push(event.type))
        return () => elections.push(`stop ${input.tab}`)
      }),
    },
  })
  const actor = createActor(machine, { input: { resume }, clock: new SimulatedClock() }).start()
  const send = (event: TabRoleEvent) => actor.send(event)
  const state = () => tabRoleOf(actor.getSnapshot().value)
  const context = () => actor.getSnapshot().context
  return { actor, send, state, context, log, elections }
}

const elected = (tab: string, epoch: number, session: HandedSession | null = null) =>
  ({ type: 'leader.elected', tab, epoch, session }) as const

/** Joined as `me`, following `other` at epoch 10. */
function following(resume = false) {
  const r = runRole(resume)
  r.send({ type: 'app.reconnect', tab: 'me' })
  r.send(elected('other', 10))
  r.log.length = 0
  return r
}

describe('detached', () => {
  it('starts detached, with no election running', () => {
    const r = runRole()
    expect(r.state()).toBe('detached')
    expect(r.elections).toEqual([])
  })

  it('app.reconnect → electing: the election runs as this tab', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    expect(r.state()).toBe('electing')
    expect(r.context()).toMatchObject({ self: 'me', leaderTab: null, epoch: 0 })
    expect(r.elections).toEqual(['start me'])
  })
})

describe('electing', () => {
  it('leader.elected of this tab → leader: takes the socket', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send(elected('me', 5))
    expect(r.state()).toBe('leader')
    expect(r.context()).toMatchObject({ leaderTab: 'me', epoch: 5 })
    expect(r.log).toEqual(['lead', 'flush'])
  })

  it('leader.elected of another tab → follower', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send(elected('other', 7))
    expect(r.state()).toBe('follower')
    expect(r.context()).toMatchObject({ leaderTab: 'other', epoch: 7 })
    expect(r.log).toEqual(['follow', 'flush'])
  })

  it('app.close → detached: the view closes and the election stops', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send({ type: 'app.close' })
    expect(r.state()).toBe('detached')
    expect(r.log).toEqual(['closeView'])
    expect(r.elections).toEqual(['start me', 'stop me'])
  })
})

describe('follower', () => {
  it('a repeated announcement of the same leader changes nothing', () => {
    const r = following()
    r.send(elected('other', 10))
    expect(r.state()).toBe('follower')
    expect(r.log).toEqual([])
  })

  it('a late announcement of an older leader is ignored', () => {
    const r = following()
    r.send(elected('older', 9))
    expect(r.state()).toBe('follower')
    expect(r.context().leaderTab).toBe('other')
    expect(r.log).toEqual([])
  })

  it('leader.elected of a newer tab: leader.gone first (→ electing), then → follower of it', () => {
    const r = following()
    r.send(elected('next', 11))
    expect(r.state()).toBe('follower')
    expect(r.context()).toMatchObject({ leaderTab: 'next', epoch: 11 })
    expect(r.log).toEqual(['leaderGone', 'follow', 'flush'])
  })

  it('this tab granted the lock: leader.gone, then → leader', () => {
    const r = following()
    r.send(elected('me', 12))
    expect(r.state()).toBe('leader')
    expect(r.log).toEqual(['leaderGone', 'lead', 'flush'])
  })

  it('with resume, leader.gone → handingOff with no leader known', () => {
    const r = following(true)
    r.send({ type: 'leader.gone' })
    expect(r.state()).toBe('handingOff')
    expect(r.context()).toMatchObject({ leaderTab: null, epoch: 10 })
    expect(r.log).toEqual(['leaderGone'])
  })

  it('app.close → detached', () => {
    const r = following()
    r.send({ type: 'app.close' })
    expect(r.state()).toBe('detached')
    expect(r.log).toEqual(['closeView'])
  })
})

describe('handingOff', () => {
  const session = { id: 's1', received: 3 }

  it('leader.elected of another tab: follows it and stays until its session resumed', () => {
    const r = following(true)
    r.send(elected('next', 11, session))
    expect(r.state()).toBe('handingOff')
    expect(r.log).toEqual(['leaderGone', 'follow'])
    r.send({ type: 'session.resumed' })
    expect(r.state()).toBe('follower')
    expect(r.log).toEqual(['leaderGone', 'follow', 'resend', 'flush'])
  })

  it('this tab granted the lock: leads, then session.resumed → leader', () => {
    const r = following(true)
    r.send(elected('me', 11, session))
    expect(r.state()).toBe('handingOff')
    expect(r.log).toEqual(['leaderGone', 'lead'])
    r.send({ type: 'session.resumed' })
    expect(r.state()).toBe('leader')
    expect(r.log.slice(-2)).toEqual(['resend', 'flush'])
  })

  it('a new leader with no session to carry on: held messages go out at once', () => {
    const r = following(true)
    r.send(elected('next', 11))
    expect(r.state()).toBe('follower')
    expect(r.log).toEqual(['leaderGone', 'follow', 'resend', 'flush'])
  })

  it('this tab leads with no session to carry on: → leader at once', () => {
    const r = following(true)
    r.send(elected('me', 11))
    expect(r.state()).toBe('leader')
    expect(r.log).toEqual(['leaderGone', 'lead', 'resend', 'flush'])
  })

  it('session.resumed with no leader known yet waits', () => {
    const r = following(true)
    r.send({ type: 'leader.gone' })
    r.log.length = 0
    r.send({ type: 'session.resumed' })
    expect(r.state()).toBe('handingOff')
    expect(r.log).toEqual([])
  })

  it('the new leader goes too before it resumed: leader.gone, then the next one', () => {
    const r = following(true)
    r.send(elected('next', 11, session))
    r.log.length = 0
    r.send(elected('third', 12, session))
    expect(r.state()).toBe('handingOff')
    expect(r.context()).toMatchObject({ leaderTab: 'third', epoch: 12 })
    expect(r.log).toEqual(['leaderGone', 'follow'])
  })

  it('a late announcement of the gone leader is ignored', () => {
    const r = following(true)
    r.send({ type: 'leader.gone' })
    r.log.length = 0
    r.send(elected('other', 10, session))
    expect(r.context().leaderTab).toBe(null)
    expect(r.log).toEqual([])
  })
})

describe('leader', () => {
  it('announcements of other tabs are ignored while leading', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send(elected('me', 5))
    r.send(elected('other', 99))
    expect(r.state()).toBe('leader')
    expect(r.log).toEqual(['lead', 'flush'])
  })

  it('leader.failed → detached', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send(elected('me', 5))
    r.send({ type: 'leader.failed' })
    expect(r.state()).toBe('detached')
    expect(r.log).toEqual(['lead', 'flush', 'failView'])
    expect(r.elections).toEqual(['start me', 'stop me'])
  })

  it('app.close → detached; app.reconnect joins again as a new tab id', () => {
    const r = runRole()
    r.send({ type: 'app.reconnect', tab: 'me' })
    r.send(elected('me', 5))
    r.send({ type: 'app.close' })
    expect(r.state()).toBe('detached')
    r.send({ type: 'app.reconnect', tab: 'me2' })
    expect(r.state()).toBe('electing')
    expect(r.context()).toMatchObject({ self: 'me2', leaderTab: null, epoch: 0 })
    expect(r.elections).toEqual(['start me', 'stop me', 'start me2'])
  })
})

describe('without implementations', () => {
  it('the chart alone decides the same roles (its own actions and election do nothing)', () => {
    const actor = createActor(tabRoleMachine, {
      input: { resume: false },
      clock: new SimulatedClock(),
    }).start()
    const role = () => tabRoleOf(actor.getSnapshot().value)
    actor.send({ type: 'app.reconnect', tab: 'me' })
    actor.send(elected('other', 3))
    expect(role()).toBe('follower')
    actor.send(elected('next', 4))
    expect(role()).toBe('follower')
    actor.send({ type: 'app.close' })
    expect(role()).toBe('detached')
    actor.send({ type: 'app.reconnect', tab: 'me2' })
    actor.send(elected('me2', 5))
    expect(role()).toBe('leader')
    actor.send({ type: 'leader.failed' })
    expect(role()).toBe('detached')
  })
})
