/** What the throughput runs put on the wire. */
export const PAYLOAD = 'x'.repeat(32)
/** A masked client frame for a 32-byte text message: 2 header bytes, 4 mask bytes, payload. */
export const CLIENT_FRAME_BYTES = 2 + 4 + 32
