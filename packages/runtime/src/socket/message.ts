import { ZmqError } from "@omq/transport"
import { claimGivenUp } from "../util/zero-copy.js"

/** What send() accepts as a frame. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | null
/** What send() accepts: one frame or several. */
export type Message = MessageLike | MessageLike[]

/** Normalises what send() accepts into frames; EINVAL for anything else. */
export function toFrames(message: Message): Uint8Array[] {
  if (Array.isArray(message)) {
    if (message.length === 0) throw new ZmqError("EINVAL", "a message needs at least one frame")
    return message.map(toFrame)
  }
  return [toFrame(message)]
}

function toFrame(frame: MessageLike): Uint8Array {
  if (frame instanceof Uint8Array) return claimGivenUp(frame)
  if (typeof frame === "string") return Buffer.from(frame)
  if (frame === null) return new Uint8Array(0)
  if (ArrayBuffer.isView(frame))
    return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
  if (frame instanceof ArrayBuffer || frame instanceof SharedArrayBuffer)
    return new Uint8Array(frame)
  throw new ZmqError("EINVAL", `cannot send a frame of type ${typeof frame}`)
}
