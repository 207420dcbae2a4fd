import { subscribe } from "node:diagnostics_channel"
import { BroadcastChannel, type Worker } from "node:worker_threads"

/**
 * Process-wide news of threads that died, so that the pipes, calls and hosted sockets of a dead
 * thread are let go and its peers see a disconnect.
 *
 * A thread cannot report its own death (worker.terminate() runs none of its code), so each
 * thread that imports omq watches the workers it starts itself, through Node's
 * `worker_threads` diagnostics channel, and broadcasts each one's exit. A worker started by a
 * thread that never imported omq is therefore not watched (documented in the README).
 *
 * Every thread's listeners hear every death; the channel is unref'd and never holds a thread.
 */
const CHANNEL = "omq:thread-deaths"

const listeners = new Set<(thread: number) => void>()
let channel: BroadcastChannel | null = null

subscribe("worker_threads", (message) => {
  const { worker } = message as { worker: Worker }
  const thread = worker.threadId // -1 once it has exited: read it now
  worker.once("exit", () => {
    const news = new BroadcastChannel(CHANNEL)
    news.postMessage(thread)
    news.close()
  })
})

/** Calls `listener` with the thread id of each thread that dies from now on; returns an undo. */
export function onThreadDeath(listener: (thread: number) => void): () => void {
  if (!channel) {
    channel = new BroadcastChannel(CHANNEL)
    channel.onmessage = (event) => {
      const thread = (event as unknown as { data: number }).data
      for (const l of [...listeners]) l(thread)
    }
    channel.unref()
  }
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}
