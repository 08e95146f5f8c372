/**
 * The opening handshake's one computation (RFC 6455 §4.2.2, step 5.4):
 * Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). On WebCrypto, so the same
 * function runs in Node and in the browser (the inspector's handshake lesson).
 */
import { describeValue } from './describe.js'

/** The GUID every WebSocket server appends to the client's key (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** The intermediate values, for teaching: each step of the computation. */
export interface AcceptSteps {
  key: string
  concatenated: string
  sha1Hex: string
  accept: string
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Every step of the Accept computation for `key`. */
export async function acceptSteps(key: string): Promise<AcceptSteps> {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(
      `heartline: computeAccept() takes the Sec-WebSocket-Key header (a base64 string); got ${describeValue(key)}.`,
    )
  }
  const concatenated = key + WEBSOCKET_GUID
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(concatenated)),
  )
  const sha1Hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
  return { key, concatenated, sha1Hex, accept: toBase64(digest) }
}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export async function computeAccept(key: string): Promise<string> {
  return (await acceptSteps(key)).accept
}
