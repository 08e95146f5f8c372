/** The server's side of the resume frames (docs/resume-protocol.md), on Buffers. */
import { MESSAGE } from '../resume/frames.js'
import type { StoredMessage } from './store.js'

/** A numbered message frame: `M<seq> <text>`, or 'M', the seq as u64 big-endian, the bytes. */
export const frameOf = (m: StoredMessage): string | Buffer => {
  if (typeof m.data === 'string') return `M${m.seq} ${m.data}`
  const frame = Buffer.allocUnsafe(9 + m.data.byteLength)
  frame[0] = MESSAGE
  frame.writeUInt32BE(Math.floor(m.seq / 2 ** 32), 1)
  frame.writeUInt32BE(m.seq >>> 0, 5)
  m.data.copy(frame, 9)
  return frame
}
