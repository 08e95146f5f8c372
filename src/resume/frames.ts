/**
 * The resume protocol's frames (docs/resume-protocol.md), shared by the client
 * layer and the server sessions. Version 1.
 *
 * Text frames start with one ASCII letter naming the frame:
 * - `M<seq> <payload>`: an application text message (seq in decimal);
 * - `A<seq>`: cumulative acknowledgement (every message up to seq received);
 * - `H<json>`: hello, the client's first frame on every socket;
 * - `W<json>`: welcome, the server's answer to hello.
 * Binary frames carry application binary messages: byte 0x4D ('M'), the seq as
 * an unsigned 64-bit big-endian integer, then the payload.
 */

export const PROTOCOL_VERSION = 1

/** Close code for a resume protocol violation (RFC 6455 §7.4.2: 4000–4999 are private). */
export const PROTOCOL_ERROR = 4200
/** Close code for a socket replaced by a newer socket of the same session. */
export const REPLACED = 4201

/** A frame's first character. */
export const MESSAGE = 0x4d // 'M'
export const ACK = 0x41 // 'A'
export const HELLO = 0x48 // 'H'
export const WELCOME = 0x57 // 'W'

/** Largest seq: both ends count in IEEE doubles, exact up to 2^53 − 1. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER

/**
 * Bytes each kept message counts for beyond its payload, on both ends, when a
 * buffer is bounded by `maxBytes`: an empty message still holds a record (seq,
 * kind, links), so without it a bound in bytes would keep any number of them.
 */
export const MESSAGE_OVERHEAD = 64

export interface Hello {
  v: number
  /** The session to resume; absent for a new session. */
  sid?: string
  /** The last server seq this client received (0 when none). */
  ack: number
}

export interface Welcome {
  v: number
  sid: string
  /** The last client seq the server received: the client replays everything after it. */
  ack: number
  /** True when the session continued; false for a new session. */
  resumed: boolean
  /** Server messages replayed right after this frame (resumed only). */
  replay?: number
  /** Set when the client asked to resume a session the server no longer has. */
  reset?: { lost: number | null }
}

/** Parses the decimal seq after the frame letter; returns -1 when malformed. */
export function parseSeq(text: string, end: number): number {
  if (end <= 1 || end > 17) return -1
  let seq = 0
  for (let i = 1; i < end; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    seq = seq * 10 + c
  }
  return seq
}

/**
 * The bytes of `data` when it is a binary message frame ('M', then the seq in
 * bytes 1–8, then the payload), else null.
 */
export function binaryMessage(data: unknown): Uint8Array | null {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : null
  return bytes === null || bytes.byteLength < 9 || bytes[0] !== MESSAGE ? null : bytes
}

/** Reads the seq of a binary message frame (bytes 1–8, big-endian). */
export function binarySeq(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return view.getUint32(1) * 2 ** 32 + view.getUint32(5)
}

/** A binary message frame: 'M', the seq, the payload. */
export function binaryFrame(seq: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(9 + payload.byteLength)
  frame[0] = MESSAGE
  const view = new DataView(frame.buffer)
  view.setUint32(1, Math.floor(seq / 2 ** 32))
  view.setUint32(5, seq >>> 0)
  frame.set(payload, 9)
  return frame
}
