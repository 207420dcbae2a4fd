import { ZmqError } from "@omq/transport"
import { type IoLink, LocalIoLink, WorkerIoLink } from "./io/io-link.js"

export interface ContextOptions {
  /** IO worker threads to run connections on (like ZMQ_IO_THREADS); 0 runs them in-thread. Default 1. */
  ioThreads?: number
}

/** What a socket needs from its context; implemented by Context. */
export interface SocketRegistry {
  register(socket: Closable): { id: number; io: IoLink }
  unregister(socket: Closable): void
}

export interface Closable {
  close(): void
  /** Resolves when the socket's host side has finished (after linger). */
  readonly finished: Promise<void>
}

/**
 * Owns the IO threads. Threads start lazily, at the first socket that needs one, and sockets are
 * spread over them round-robin. One default context exists per thread (`context`), as in
 * zeromq.js; sockets created without `{ context }` use it.
 */
export class Context implements SocketRegistry {
  readonly ioThreads: number
  readonly #links: IoLink[] = []
  readonly #sockets = new Set<Closable>()
  #nextLink = 0
  #nextSocket = 1
  #terminated = false

  constructor(options: ContextOptions = {}) {
    const io = options.ioThreads ?? 1
    if (!Number.isInteger(io) || io < 0 || io > 64) {
      throw new ZmqError("EINVAL", `ioThreads must be an integer from 0 to 64, got ${String(io)}`)
    }
    this.ioThreads = io
  }

  /** @internal */
  register(socket: Closable): { id: number; io: IoLink } {
    if (this.#terminated) throw new ZmqError("ETERM", "context was terminated")
    this.#sockets.add(socket)
    return { id: this.#nextSocket++, io: this.#pickLink() }
  }

  /** @internal */
  unregister(socket: Closable): void {
    this.#sockets.delete(socket)
  }

  /**
   * Closes every socket (each honouring its linger), waits for them to finish, and stops the IO
   * threads. Afterwards new sockets on this context fail with ETERM.
   */
  async terminate(): Promise<void> {
    this.#terminated = true
    const sockets = [...this.#sockets]
    for (const socket of sockets) socket.close()
    await Promise.all(sockets.map((s) => s.finished))
    const links = this.#links.splice(0)
    await Promise.all(links.map((link) => link.terminate()))
  }

  #pickLink(): IoLink {
    const slots = Math.max(this.ioThreads, 1)
    const i = this.#nextLink++ % slots
    let link = this.#links[i]
    if (!link) {
      link = this.ioThreads === 0 ? new LocalIoLink() : new WorkerIoLink()
      this.#links[i] = link
    }
    return link
  }
}

/** The default context of this thread. */
export const context = new Context()
