/**
 * What a follower does with a message from the channel: the leader's
 * announcement and resume news go to the role chart, relayed events to the
 * view (each message once, see heard.ts), and the leader's word on this tab's
 * messages to its outbox.
 */
import type { Heard } from './heard.js'
import type { Outbox } from './outbox.js'
import type { RelayedEvent, Wire } from './protocol.js'

export interface FollowerPorts {
  /** This tab's id, and the tab it follows (null: none known). */
  tab: string
  leaderTab: string | null
  heard: Heard
  outbox: Outbox
  /** An announcement: the chart decides whether it is news. */
  elected(hello: Extract<Wire, { t: 'leader' }>): void
  /** The leader followed resumed the handed session at `ack`. */
  resumed(ack: number): void
  apply(event: RelayedEvent): void
}

export function receiveAsFollower(message: Wire, to: FollowerPorts): void {
  const fromLeader = message.tab === to.leaderTab
  const toMe = 'to' in message && message.to === to.tab
  switch (message.t) {
    case 'leader':
      to.elected(message)
      return
    case 'event': {
      const { sid, seq } = message
      // With resume a message carries its server seq: delivered once, whoever relayed it.
      if (sid !== undefined && seq !== undefined) {
        if (!to.heard.take(sid, seq, fromLeader)) return
      } else if (!fromLeader) return
      to.apply(message.event)
      return
    }
    case 'done':
      if (!fromLeader || !toMe) return
      if (message.at) to.outbox.numbered(message.at)
      else to.outbox.confirm(message.seq)
      return
    case 'drop':
      if (fromLeader && toMe) to.outbox.refused(message.seq, message.reason)
      return
    case 'session':
      if (!fromLeader) return
      to.heard.sessionIs(message.id)
      to.outbox.acknowledged(message.acknowledged)
      return
    case 'resumed':
      if (!fromLeader) return
      to.heard.sessionIs(message.id)
      to.resumed(message.ack)
      return
  }
}
