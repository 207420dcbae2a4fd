import type { Message, MessageLike } from "omq"

/**
 * How a message's frames cross between the socket's thread and a pool thread: packed into one
 * ArrayBuffer that is then transferred (moved, not copied) through piscina.
 *
 *   0        4                     4 + 4n
 *   | count  | size 0 … size n-1   | frame 0 | frame 1 | … | frame n-1 |
 *     u32 LE   u32 LE each           bytes, back to back
 *
 * Why pack at all: a received frame is a view into memory the socket shares (one allocation for
 * all of a message's frames, or Node's 8 KiB Buffer pool), so it may not be transferred, and
 * structured clone of a view copies its whole underlying buffer, once per frame. Packing costs
 * exactly one copy of the body's bytes; the move across costs none, and the far side reads its
 * frames as views into the moved buffer.
 */
export function pack(frames: readonly Uint8Array[]): ArrayBuffer {
  const head = 4 * (frames.length + 1)
  let size = head
  for (const frame of frames) size += frame.byteLength
  const buffer = new ArrayBuffer(size) // never pooled: ours alone, safe to transfer
  const header = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  header.setUint32(0, frames.length, true)
  let at = head
  frames.forEach((frame, i) => {
    header.setUint32(4 * (i + 1), frame.byteLength, true)
    bytes.set(frame, at)
    at += frame.byteLength
  })
  return buffer
}

/** The frames of a packed buffer, as Buffers viewing it (no copy). */
export function unpack(buffer: ArrayBuffer): Buffer[] {
  const header = new DataView(buffer)
  const count = buffer.byteLength >= 4 ? header.getUint32(0, true) : -1
  const head = 4 * (count + 1)
  if (count < 0 || head > buffer.byteLength) throw new RangeError("not a packed message")
  const frames: Buffer[] = []
  let at = head
  for (let i = 0; i < count; i++) {
    const size = header.getUint32(4 * (i + 1), true)
    if (at + size > buffer.byteLength) throw new RangeError("not a packed message")
    frames.push(Buffer.from(buffer, at, size))
    at += size
  }
  return frames
}

/** A handler's reply as frames, read the way a socket's send() reads a Message. */
export function replyFrames(reply: Message): Uint8Array[] {
  return (Array.isArray(reply) ? reply : [reply]).map(toFrame)
}

function toFrame(frame: MessageLike): Uint8Array {
  if (typeof frame === "string") return Buffer.from(frame)
  if (frame === null) return new Uint8Array(0)
  if (ArrayBuffer.isView(frame)) {
    return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
  }
  if (frame instanceof ArrayBuffer || frame instanceof SharedArrayBuffer) {
    return new Uint8Array(frame)
  }
  throw new TypeError(`a reply frame cannot be of type ${typeof frame}`)
}
