import type { Mailbox } from "../process/mailbox.js"
import type { ConnectionOptions, SocketAttachment } from "./host-protocol.js"
import { IoHost } from "./io-host.js"

/**
 * The socket thread's handle on one IoHost: an IO thread (calls over the mailboxes) or an
 * in-thread host. Either way every call is asynchronous, so sockets cannot tell them apart.
 * Calls reach the host in the order they are made.
 */
export interface IoLink {
  attach(socket: SocketAttachment): Promise<void>
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string>
  unbindEndpoint(socketId: number, endpoint: string): Promise<void>
  /**
   * Resolves once the socket is gone from the host (after its Close record and linger). An IO
   * thread says so by closing the socket's rings, which `ringsClosed` reports (no answer by
   * mailbox: the ring's wake-up is the one the socket's thread gets anyway); the in-thread host
   * is asked directly. It also resolves when the host can never answer: its thread did not start
   * (the socket's thread learns of a thread that died itself, see HostChannel.threadDied).
   */
  closed(socketId: number, ringsClosed: Promise<void>): Promise<void>
  /** Whether the host lives on `thread` (so dies with it). */
  livesOn(thread: number): boolean
  /** The host runs on the caller's thread: attach with in-thread records, not rings. */
  readonly inThread: boolean
}

/** Hosts connections on the caller's own thread (`ioThreads: 0`). */
export class LocalIoLink implements IoLink {
  readonly #host: IoHost
  readonly inThread = true

  /** @param zapHandlerBound whether a ZAP handler is bound in the context (ContextState). */
  constructor(zapHandlerBound: () => boolean) {
    this.#host = new IoHost(zapHandlerBound)
  }

  async attach(socket: SocketAttachment): Promise<void> {
    this.#host.attach(socket)
  }
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string> {
    return this.#host.bindEndpoint(socketId, endpoint, options)
  }
  unbindEndpoint(socketId: number, endpoint: string): Promise<void> {
    return this.#host.unbindEndpoint(socketId, endpoint)
  }
  closed(socketId: number): Promise<void> {
    return this.#host.closed(socketId)
  }
  livesOn(): boolean {
    return false
  }
}

/**
 * An IO thread of the context, reached through its mailbox. The thread may still be starting
 * when the link is made: every call waits for its id first (so calls keep their order).
 */
export class MailboxIoLink implements IoLink {
  readonly inThread = false
  readonly #mailbox: Mailbox
  readonly #thread: Promise<number>
  #threadId = 0

  constructor(mailbox: Mailbox, thread: Promise<number>) {
    this.#mailbox = mailbox
    this.#thread = thread
    thread.then(
      (id) => {
        this.#threadId = id
      },
      () => {},
    )
  }

  attach(socket: SocketAttachment): Promise<void> {
    return this.#call("io.attach", socket)
  }
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string> {
    return this.#call("io.bind", { socketId, endpoint, options })
  }
  unbindEndpoint(socketId: number, endpoint: string): Promise<void> {
    return this.#call("io.unbind", { socketId, endpoint })
  }
  closed(_socketId: number, ringsClosed: Promise<void>): Promise<void> {
    // A thread that never started, or had died already, will not close them.
    const gone = this.#thread.then(
      (thread) => (this.#mailbox.isDead(thread) ? undefined : new Promise<void>(() => {})),
      () => {},
    )
    return Promise.race([ringsClosed, gone])
  }
  livesOn(thread: number): boolean {
    return thread === this.#threadId
  }

  async #call<T>(name: string, args: unknown): Promise<T> {
    return this.#mailbox.call<T>(await this.#thread, name, args)
  }
}
