import { ZmqError } from "@omq/transport"
import { Context } from "../../context.js"
import type { RadioGroup } from "../draft/radio.js"
import type { ServerRouting } from "../draft/server.js"
import type { Message } from "../message.js"
import type { Readable, Writable } from "../socket-capabilities.js"
import type { ThreadLinkShared } from "./link-end.js"
import type { AttachOptions, SharedSocketHandle } from "./shared-handle.js"
import { threadSafeShape } from "./thread-safe-types.js"
import { ThreadSocket } from "./thread-socket.js"

/**
 * A ThreadSocket with the calls of the shared socket's class `Socket` (see AttachedCalls). For
 * a handle whose class the types do not know, one from `workerData` or a bare
 * SharedSocketHandle, name the class where it is known: `attachShared<Server>(workerData.handle)`.
 */
export type AttachedSocket<Socket = unknown> = AttachedCalls<Socket> & {
  [Member in keyof ThreadSocket]: ThreadSocket[Member]
}

/**
 * What a thread attached to a socket of class `Socket` may call: its receive() and for-await if
 * it receives, its send() if it sends, typed as on `Socket` (an attached thread has no trySend()
 * or receiveWithProperties()). For an unknown class (`unknown` or `any`), both, with any
 * thread-safe type's send() options.
 */
export type AttachedCalls<Socket> = unknown extends Socket
  ? Pick<Readable, "receive" | typeof Symbol.asyncIterator> &
      Pick<Writable<Message, [options?: ServerRouting | RadioGroup]>, "send">
  : (Socket extends Readable<infer Received>
      ? Pick<Readable<Received>, "receive" | typeof Symbol.asyncIterator>
      : unknown) &
      (Socket extends Writable<infer Sent, infer Options>
        ? Pick<Writable<Sent, Options>, "send">
        : unknown)

/**
 * Attaches this thread to a thread-safe socket made on another thread (its `share()` handle):
 * send() and receive() then work here as there. Resolves once the socket's thread has answered.
 */
export async function attachShared<Socket = unknown>(
  handle: SharedSocketHandle<Socket>,
  options: AttachOptions = {},
): Promise<AttachedSocket<Socket>> {
  threadSafeShape(handle.type) // EINVAL for a classic type, before anything is asked
  const readAhead = options.readAhead ?? 0
  if (!Number.isInteger(readAhead) || readAhead < 0) {
    throw new ZmqError("EINVAL", `readAhead must be an integer >= 0, not ${readAhead}`)
  }
  const context = Context.fromHandle(handle.context)
  const shared = await context.mailbox.call<ThreadLinkShared>(handle.thread, "socket.share", {
    socket: handle.socket,
  })
  // The class's protected calls are public on AttachedSocket (see there).
  return new ThreadSocket(handle, context, shared, options) as unknown as AttachedSocket<Socket>
}
