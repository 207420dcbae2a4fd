import { ZmqError } from "@omq/transport"
import { type Message, toFrames } from "../message.js"

/**
 * The one frame a single-frame type (SERVER, CLIENT, SCATTER, GATHER, PEER, CHANNEL, RADIO)
 * sends. Several give EINVAL, as libzmq gives for a send with MORE.
 */
export function singleFrame(type: string, message: Message): Uint8Array {
  const frames = toFrames(message)
  if (frames.length !== 1) {
    throw new ZmqError("EINVAL", `${type} sockets send single-frame messages only`)
  }
  return frames[0]!
}
