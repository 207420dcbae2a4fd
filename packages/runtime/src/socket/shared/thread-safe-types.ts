import { type SocketType, ZmqError } from "@omq/transport"
import { groupedMessage } from "../draft/dish.js"
import { groupedFrames, type RadioGroup } from "../draft/radio.js"
import { routedFrames, routedMessage, type ServerRouting } from "../draft/server.js"
import { singleFrame } from "../draft/single-frame.js"
import type { Message } from "../message.js"
import { checkThreadSafe } from "./thread-safe.js"

/** How a thread-safe type's messages look from another thread (see thread-socket.ts). */
export interface ThreadSafeShape {
  /** send()'s arguments as the frames the socket routes (what its framesToSend makes). */
  framesToSend(message: Message, options: unknown): Uint8Array[]
  /** receive()'s result, from the frames the socket's thread hands over (exportReceived). */
  receivedMessage(frames: Buffer[]): unknown
  receives: boolean
  /** SERVER/PEER: a send fails (EHOSTUNREACH) unless its routing id is a live peer's. */
  routed: boolean
}

const plain = (type: string, receives: boolean, sends: boolean): ThreadSafeShape => ({
  framesToSend: (message) => {
    if (!sends) throw new ZmqError("ENOTSUP", `${type} sockets cannot send`)
    return [singleFrame(type, message)]
  },
  receivedMessage: (frames) => frames,
  receives,
  routed: false,
})

const routed = (type: string): ThreadSafeShape => ({
  framesToSend: (message, options) => routedFrames(type, message, options as ServerRouting),
  receivedMessage: routedMessage,
  receives: true,
  routed: true,
})

const SHAPES: Partial<Record<SocketType, ThreadSafeShape>> = {
  SERVER: routed("SERVER"),
  PEER: routed("PEER"),
  CLIENT: plain("CLIENT", true, true),
  CHANNEL: plain("CHANNEL", true, true),
  SCATTER: plain("SCATTER", false, true),
  GATHER: plain("GATHER", true, false),
  RADIO: {
    framesToSend: (message, options) => groupedFrames(message, options as RadioGroup),
    receivedMessage: () => {
      throw new ZmqError("ENOTSUP", "RADIO sockets cannot receive")
    },
    receives: false,
    routed: false,
  },
  DISH: { ...plain("DISH", true, false), receivedMessage: groupedMessage },
}

/** The shape of a thread-safe type; EINVAL for the classic types, which stay on one thread. */
export function threadSafeShape(type: SocketType): ThreadSafeShape {
  checkThreadSafe(type)
  return SHAPES[type]!
}
