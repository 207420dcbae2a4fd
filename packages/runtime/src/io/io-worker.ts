/**
 * Entry point of an IO worker thread: one IoHost for the sockets of any thread of the context,
 * driven through this thread's mailbox. Started by the context's owner (IoThreads); it says
 * `io.ready` once its mailbox is open, since commands sent before that would be lost.
 */
import { parentPort, workerData } from "node:worker_threads"
import { type ContextHandle, ContextState } from "../process/context-handle.js"
import { Mailbox } from "../process/mailbox.js"
import { onThreadDeath } from "../process/thread-deaths.js"
import type { ConnectionOptions, SocketAttachment } from "./host-protocol.js"
import { IoHost } from "./io-host.js"

const { handle, index } = workerData as { handle: ContextHandle; index: number }
const state = new ContextState(handle)
const host = new IoHost(() => state.zapHandlerBound, {
  thread: handle.owner,
  post: (lane, item, transfer) => parentPort!.postMessage({ lane, item }, transfer),
})
const mailbox = new Mailbox(handle.id)
mailbox.ref() // this thread lives until the owner terminates it
mailbox.handle("io.attach", (socket: SocketAttachment) => host.attach(socket))
mailbox.handle("io.bind", (a: { socketId: number; endpoint: string; options: ConnectionOptions }) =>
  host.bindEndpoint(a.socketId, a.endpoint, a.options),
)
mailbox.handle("io.unbind", (a: { socketId: number; endpoint: string }) =>
  host.unbindEndpoint(a.socketId, a.endpoint),
)
onThreadDeath((thread) => {
  mailbox.threadDied(thread)
  host.threadDied(thread)
})
mailbox.send(handle.owner, "io.ready", index)
