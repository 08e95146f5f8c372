/**
 * The resume protocol's wire format (docs/resume-protocol.md), version 1: the
 * one place where its frames are encoded and decoded. The client layer
 * (src/resume/) and the server sessions (src/server/) both import it, and
 * neither imports the other's folder. No Node or DOM types: it runs in a
 * browser and under Node alike (the server hands it strings and Buffers, which
 * are Uint8Arrays).
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

/** Bytes before a binary message's payload: 'M' and the seq. */
export const BINARY_HEADER = 9
/** A seq has at most 16 decimal digits (2^53 − 1 has 16). */
const MAX_DIGITS = 16

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

// ---- encoding ------------------------------------------------------------------

/** The hello frame. */
export const helloFrame = (hello: Hello): string => `H${JSON.stringify(hello)}`

/** The welcome frame. */
export const welcomeFrame = (welcome: Welcome): string => `W${JSON.stringify(welcome)}`

/** The ack frame: every message up to `seq` was received. */
export const ackFrame = (seq: number): string => `A${seq}`

/**
 * A numbered message: text as `M<seq> <text>`, bytes as 'M', the seq (u64
 * big-endian), the bytes. The bytes are copied: the frame owns its memory.
 */
export function messageFrame(seq: number, data: string | Uint8Array): string | Uint8Array {
  if (typeof data === 'string') return `M${seq} ${data}`
  const frame = new Uint8Array(BINARY_HEADER + data.byteLength)
  frame[0] = MESSAGE
  const view = new DataView(frame.buffer)
  view.setUint32(1, Math.floor(seq / 2 ** 32))
  view.setUint32(5, seq >>> 0)
  frame.set(data, BINARY_HEADER)
  return frame
}

// ---- decoding ------------------------------------------------------------------

/** Parses the decimal seq after the frame letter, up to `end`; returns -1 when malformed. */
export function parseSeq(text: string, end: number): number {
  if (end <= 1 || end > MAX_DIGITS + 1) return -1
  let seq = 0
  for (let i = 1; i < end; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    seq = seq * 10 + c
  }
  return seq
}

/** The seq of an ack frame `A<seq>`, or -1 when malformed. */
export const ackSeq = (text: string): number => parseSeq(text, text.length)

/**
 * String.prototype's own functions, for the text message decoder (every
 * inbound message passes through it). Called as methods (`text.charCodeAt(i)`),
 * V8 (Node 20) left each lookup a call to its generic LoadIC in the optimized
 * code (perf, B9's client-alone case: about 5% of the samples, 0.05–0.1 µs per
 * message); called through these constants, they are inlined.
 */
const charCodeAt = String.prototype.charCodeAt

/** Where `readTextMessage` leaves the seq it read. */
export interface SeqSlot {
  seq: number
}

/**
 * Reads a text message frame `M<seq> <payload>` (its first character already
 * known to be 'M'): stores the seq in `into.seq` and returns the index where
 * the payload starts, or -1 when the frame is malformed. One pass finds the
 * space and reads the seq; nothing is allocated (the caller slices the
 * payload), so the receiving hot path stays as cheap as a plain message.
 */
export function readTextMessage(text: string, into: SeqSlot): number {
  let seq = 0
  let at = 1
  let c = charCodeAt.call(text, 1)
  // At most MAX_DIGITS digits; a missing space reads NaN and fails below.
  while (c >= 48 && c <= 57 && at <= MAX_DIGITS) {
    seq = seq * 10 + (c - 48)
    c = charCodeAt.call(text, ++at)
  }
  if (c !== 32 || at === 1) return -1
  into.seq = seq
  return at + 1
}

/**
 * The bytes of `data` when it is a binary message frame ('M', then the seq in
 * bytes 1–8, then the payload), else null. A Uint8Array (a Node Buffer too) is
 * returned as it is; an ArrayBuffer or another view is wrapped, not copied.
 */
export function binaryMessage(data: unknown): Uint8Array | null {
  const bytes =
    data instanceof Uint8Array
      ? data
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : null
  return bytes === null || bytes.byteLength < BINARY_HEADER || bytes[0] !== MESSAGE ? null : bytes
}

/** The seq of a binary message frame (bytes 1–8, big-endian). */
export function binarySeq(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return view.getUint32(1) * 2 ** 32 + view.getUint32(5)
}

/** The payload of a binary message frame, as a view of the same memory. */
export const binaryPayload = (bytes: Uint8Array): Uint8Array => bytes.subarray(BINARY_HEADER)

/**
 * The JSON body of a hello or welcome frame (the text after its letter), or
 * undefined when it is not JSON (no JSON text parses to undefined).
 */
export function frameJson(text: string): unknown {
  try {
    return JSON.parse(text.slice(1))
  } catch {
    return undefined
  }
}

/** A frame the server reads after the welcome: a message, an ack, or what is wrong with it. */
export type ClientFrame<B extends Uint8Array = Uint8Array> =
  | { kind: 'message'; seq: number; data: string | B }
  | { kind: 'ack'; seq: number }
  | { kind: 'error'; reason: string }

/**
 * Reads a frame a client sent after its hello: `data` is the text of a text
 * frame, or the bytes of a binary one. A binary message's data is a view of
 * `data` of the same class (a Buffer's is a Buffer: `subarray` keeps it).
 */
export function readClientFrame<B extends Uint8Array>(data: string | B): ClientFrame<B> {
  if (typeof data !== 'string') {
    const bytes = binaryMessage(data)
    if (bytes === null) return { kind: 'error', reason: 'malformed binary frame' }
    return { kind: 'message', seq: binarySeq(bytes), data: binaryPayload(bytes) as B }
  }
  const kind = data.charCodeAt(0)
  if (kind === MESSAGE) {
    const slot = { seq: 0 }
    const at = readTextMessage(data, slot)
    if (at < 0) return { kind: 'error', reason: 'malformed message frame' }
    return { kind: 'message', seq: slot.seq, data: data.slice(at) }
  }
  if (kind === ACK) {
    const seq = ackSeq(data)
    return seq < 0 ? { kind: 'error', reason: 'bad ack' } : { kind: 'ack', seq }
  }
  return { kind: 'error', reason: `unexpected frame ${JSON.stringify(data.slice(0, 16))}` }
}
