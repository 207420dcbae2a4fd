import { ContextCore } from "./context-core.js"

/**
 * ZeroMQ's wait at process exit. zeromq.js terminates its contexts as the process exits, and
 * libzmq's zmq_ctx_term waits, up to each socket's linger, for messages queued for a peer that
 * has not taken them (an absent one, a dead endpoint); after 500 ms it warns on stderr.
 *
 * omq does the same when this thread's event loop runs dry (`beforeExit`): each unclosed socket
 * with messages queued for a network peer, and a linger other than 0 (`blocky = false` gives
 * new sockets linger 0), is closed with its linger, and its close holds the thread as any
 * close does until they are delivered or the linger has run out. A socket with nothing queued
 * is left as it is, so an idle process exits at once, as before. Messages on their way to a
 * connected peer already hold the thread (see WaitingSocket); `beforeExit` does not come until
 * they have gone. Not on process.exit() or a signal: Node runs no more JavaScript then.
 *
 * Each thread that loads omq listens for its own `beforeExit`, and walks its own contexts.
 */
const WARN_AFTER_MS = 500

process.on("beforeExit", () => {
  // The application's own beforeExit listeners (added after omq's, which loads first) run
  // before the sockets close: one may still send a last message. Only when something is
  // queued: an unconditional setImmediate would bring beforeExit back for ever.
  if (anyQueued()) setImmediate(closeQueued)
})

function anyQueued(): boolean {
  for (const core of ContextCore.joined()) {
    for (const socket of core.sockets()) if (socket.queuedAtExit) return true
  }
  return false
}

function closeQueued(): void {
  for (const core of [...ContextCore.joined()]) {
    const finishing: Promise<void>[] = []
    for (const socket of [...core.sockets()]) {
      if (!socket.queuedAtExit) continue
      socket.close()
      finishing.push(socket.finished)
    }
    if (finishing.length === 0) continue
    // Unref'd: the closing sockets hold the thread, and the warning must not outlast them.
    const timer = setTimeout(() => warn(core.blocky), WARN_AFTER_MS).unref()
    void Promise.all(finishing).then(() => clearTimeout(timer))
  }
}

/** zeromq.js's words exactly (it writes them itself: Node has shut down by then). */
function warn(blocky: boolean): void {
  const advice = blocky ? " Set 'context.blocky = false' to change this behaviour." : ""
  process.stderr.write(
    `(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered.${advice}\n`,
  )
}
