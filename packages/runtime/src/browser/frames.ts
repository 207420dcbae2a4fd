import { ZmqError } from "@omq/transport/zmtp"

/** What send() accepts as a frame. */
export type MessageLike = ArrayBufferView | ArrayBuffer | string | null
/** What send() accepts: one frame or several. */
export type Message = MessageLike | MessageLike[]

const encoder = new TextEncoder()

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Normalises what send() accepts into frames (views, no copy); EINVAL for anything else. */
export function toFrames(message: Message): Uint8Array[] {
  if (Array.isArray(message)) {
    if (message.length === 0) throw new ZmqError("EINVAL", "a message needs at least one frame")
    return message.map(toFrame)
  }
  return [toFrame(message)]
}

function toFrame(frame: MessageLike): Uint8Array {
  if (frame instanceof Uint8Array) return frame
  if (typeof frame === "string") return encoder.encode(frame)
  if (frame === null) return new Uint8Array(0)
  if (ArrayBuffer.isView(frame)) {
    return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
  }
  if (frame instanceof ArrayBuffer) return new Uint8Array(frame)
  throw new ZmqError("EINVAL", `cannot send a frame of type ${typeof frame}`)
}

/**
 * Bytes as a latin1 string (one char per byte): a Map key for routing ids and topics, which
 * Uint8Arrays cannot be (they compare by identity).
 */
export function bytesKey(bytes: Uint8Array): string {
  let key = ""
  // In slices: String.fromCharCode takes its bytes as arguments, and engines cap those.
  for (let at = 0; at < bytes.byteLength; at += 8192) {
    key += String.fromCharCode(...bytes.subarray(at, at + 8192))
  }
  return key
}

/** The bytes of a bytesKey() string. */
export function keyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length)
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i)
  return bytes
}
