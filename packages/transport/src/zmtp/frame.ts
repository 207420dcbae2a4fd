/** Frame flag bits (ZMTP 3.x). Bits 3..7 are reserved: zero on send, ignored on receive. */
export const FLAG_MORE = 0x01
export const FLAG_LONG = 0x02
export const FLAG_COMMAND = 0x04

const MAX_SHORT_SIZE = 255

/** Header bytes for a body of this size: a size of exactly 255 still fits the short form. */
export function frameHeaderSize(bodySize: number): number {
  return bodySize <= MAX_SHORT_SIZE ? 2 : 9
}

/**
 * Writes flags + size at `offset` and returns the offset just after the header.
 * LONG is derived from the size, never taken from the caller, so it cannot disagree.
 */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  flags: number,
  size: number,
): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad frame size ${size}`)
  const base = flags & (FLAG_MORE | FLAG_COMMAND)
  if (size <= MAX_SHORT_SIZE) {
    out[offset] = base
    out[offset + 1] = size
    return offset + 2
  }
  out[offset] = base | FLAG_LONG
  const view = new DataView(out.buffer, out.byteOffset + offset + 1, 8)
  // Split in two 32-bit halves: sizes are safe integers, not bigints.
  view.setUint32(0, Math.floor(size / 0x1_0000_0000))
  view.setUint32(4, size >>> 0)
  return offset + 9
}

export function encodeFrame(body: Uint8Array, flags: number): Uint8Array {
  const out = new Uint8Array(frameHeaderSize(body.length) + body.length)
  out.set(body, writeFrameHeader(out, 0, flags, body.length))
  return out
}
