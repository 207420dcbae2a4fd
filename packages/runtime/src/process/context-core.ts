import { BroadcastChannel, threadId } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import { type IoLink, LocalIoLink, MailboxIoLink } from "../io/io-link.js"
import type { InprocOwner } from "../socket/inproc-endpoints.js"
import { type ContextHandle, ContextState, MAX_IO_THREADS } from "./context-handle.js"
import { type InprocOffer, InprocRegistry } from "./inproc-registry.js"
import { IoThreads } from "./io-threads.js"
import { Mailbox } from "./mailbox.js"
import { onThreadDeath } from "./thread-deaths.js"

/** What a context needs from each of its sockets. */
export interface ContextSocket {
  close(): void
  /** Resolves when the socket's host side has finished (after linger). */
  readonly finished: Promise<void>
  /**
   * Open, with a linger other than 0, and messages queued for a network peer that has not
   * taken them (an absent or unreachable one): what the process waits for at exit.
   */
  readonly queuedAtExit: boolean
  /** A thread of the process died: drop the pipes and the host that lived there. */
  threadDied(thread: number): void
  /** An inproc connect reached a name this socket bound. */
  inprocOffered(offer: InprocOffer): void
  /** The socket this one connected to over inproc answered (from another thread). */
  inprocAccepted(answer: never, from: number): void
  /** The context was shut down: waiting calls and every later one but close() fail with ETERM. */
  contextShutDown(): void
  /** Another thread attaches to this (thread-safe) socket: the rings and lane of its link. */
  acceptThread(from: number): unknown
}

/**
 * This thread's part of a context: its sockets, its mailbox and, on the thread that made the
 * context, the IO threads and the table of inproc names. The user's Context is a thin face on
 * it (options, argument checks).
 *
 * Everything that outlives a call and is reachable from the module or from Node (the table of
 * joined contexts, mailbox handlers, the thread-death listener, the shutdown channel, the exit
 * wait) holds this core, never the Context: so a Context the application dropped, with its
 * sockets closed, can be collected, and its core is then stopped (see Context). Open sockets
 * hold their Context, so the core keeps it alive through them while any is open.
 *
 * Owned by its thread, and used only there.
 */
export class ContextCore {
  readonly handle: ContextHandle
  readonly state: ContextState
  /** false: this thread's new sockets default to linger 0 (ZMQ_BLOCKY); read again at exit. */
  blocky = true
  /** This thread's sockets by the inproc names they bound (connects to them meet directly). */
  readonly localBinders = new Map<string, InprocOwner>()
  readonly #sockets = new Map<number, ContextSocket>()
  readonly #links: IoLink[] = []
  /** The user's Context for this core, weakly: it may be collected once its sockets are closed. */
  #face: WeakRef<object> | null = null
  /** Context objects made on this core and not yet collected (fromHandle reuses the newest). */
  #faces = 0
  /** The Context, strongly, once its handle went out: other threads may use the context. */
  #pinned: object | null = null
  #mailbox: Mailbox | null = null
  #ioThreadsOwned: IoThreads | null = null
  #registry: InprocRegistry | null = null
  #stopWatching: (() => void) | null = null
  /** Tells every thread of the context that it was shut down (see shutdown()). */
  #shutdownChannel: BroadcastChannel | null = null
  /** Resolves terminate() once this thread's last socket has finished. */
  #lastSocketGone: (() => void) | null = null
  /** The one terminate() in progress: later calls share it. */
  #terminating: Promise<void> | null = null
  #terminated = false
  #stopped = false

  constructor(handle: ContextHandle) {
    this.handle = handle
    this.state = new ContextState(handle)
    joined.set(handle.id, this)
    // The owner answers other threads from the start (they may need an IO thread before this
    // thread makes any socket). Its mailbox is unref'd while idle.
    if (handle.owner === threadId) this.#openMailbox()
  }

  /** This thread's core of the context `handle` names, made at the first join. */
  static of(handle: ContextHandle): ContextCore {
    const known = joined.get(handle.id)
    return known && !known.#stopped ? known : new ContextCore(handle)
  }

  /** This thread's live cores (the exit wait goes through them). */
  static joined(): Iterable<ContextCore> {
    return joined.values()
  }

  /** The Context this core is the part of, if it is still alive. */
  get face(): object | undefined {
    return this.#face?.deref()
  }

  /** A Context was made on this core (see faceCollected). */
  faceMade(context: object): void {
    this.#face = new WeakRef(context)
    this.#faces++
  }

  /** The context's handle went out to other threads: the Context stays until terminate(). */
  pin(context: object): void {
    this.#pinned ??= context
  }

  /** This thread's mailbox in the context, opened at first use. */
  get mailbox(): Mailbox {
    return this.#mailbox ?? this.#openMailbox()
  }

  #openMailbox(): Mailbox {
    const mailbox = new Mailbox(this.handle.id)
    this.#mailbox = mailbox
    if (this.handle.owner === threadId) {
      this.#ioThreadsOwned = new IoThreads(this.handle, this.state, mailbox)
      this.#registry = new InprocRegistry(mailbox, this.state)
    }
    this.#stopWatching = onThreadDeath((thread) => this.#threadDied(thread))
    mailbox.handle("inproc.offer", (a: { socket: number; offer: InprocOffer }) =>
      this.#sockets.get(a.socket)?.inprocOffered(a.offer),
    )
    mailbox.handle("inproc.accepted", (answer: { socket: number }, from: number) =>
      this.#sockets.get(answer.socket)?.inprocAccepted(answer as never, from),
    )
    mailbox.handle("socket.share", (a: { socket: number }, from: number) => {
      const socket = this.#sockets.get(a.socket)
      if (!socket) throw new ZmqError("EBADF", "the shared socket is closed")
      return socket.acceptThread(from)
    })
    // Unref'd: it only listens, and must not keep a thread alive.
    const channel = new BroadcastChannel(shutdownChannelName(this.handle.id))
    channel.onmessage = () => this.#shutDownHere()
    channel.unref()
    // A shutdown broadcast before the channel opened was not heard: the shared flag tells.
    // Later, not now: register() opens the mailbox inside a socket's constructor.
    if (this.state.isShutDown) queueMicrotask(() => this.#shutDownHere())
    this.#shutdownChannel = channel
    return mailbox
  }

  /** The IO threads, on the thread that made the context (else null). */
  get ownedIoThreads(): IoThreads | null {
    return this.#ioThreadsOwned
  }

  /** Calls the owner thread (IO threads, inproc names). */
  callOwner<T>(name: string, args: unknown): Promise<T> {
    return this.mailbox.call<T>(this.handle.owner, name, args)
  }

  /** Adds a socket made on this thread; returns its id, unique in the context. */
  register(socket: ContextSocket, maxSockets: number): number {
    if (this.#terminated) throw new ZmqError("ETERM", "context was terminated")
    if (this.state.isShutDown) throw new ZmqError("ETERM", "context was shut down")
    if (this.#sockets.size >= maxSockets) {
      throw new ZmqError("EMFILE", `this thread has maxSockets (${maxSockets}) sockets open`)
    }
    const id = this.state.nextSocketId()
    this.#sockets.set(id, socket)
    // Open, not held: a socket holds its thread only while it has work (see WaitingSocket).
    if (!this.#mailbox) this.#openMailbox()
    return id
  }

  unregister(id: number): void {
    if (!this.#sockets.delete(id) || this.#sockets.size > 0) return
    this.#lastSocketGone?.()
    if (this.#faces === 0) this.#releaseIfUnused()
  }

  sockets(): IterableIterator<ContextSocket> {
    return this.#sockets.values()
  }

  /**
   * The IoHost for a new socket's connections: IO threads round-robin, or this thread (with
   * `ioThreads: 0`, or `local` for a socket bound to the application's own http.Server).
   */
  ioLink(local: boolean): IoLink {
    const ioThreads = this.state.ioThreads
    if (ioThreads === 0 || local) {
      this.#links[0] ??= new LocalIoLink(() => this.state.zapHandlerBound)
      return this.#links[0]
    }
    const index = this.state.nextIoIndex(Math.min(ioThreads, MAX_IO_THREADS))
    const running = this.state.ioThread(index)
    if (running !== 0) return new MailboxIoLink(this.mailbox, Promise.resolve(running))
    return new MailboxIoLink(this.mailbox, this.callOwner<number>("io.start", index))
  }

  /** zmq_ctx_shutdown on every thread of the context (see Context.shutdown). */
  shutdown(): void {
    if (this.state.shutDown()) {
      const channel = new BroadcastChannel(shutdownChannelName(this.handle.id))
      channel.postMessage("shutdown")
      channel.close()
    }
    this.#shutDownHere()
  }

  #shutDownHere(): void {
    for (const socket of [...this.#sockets.values()]) socket.contextShutDown()
  }

  /** zmq_ctx_term on this thread (see Context.terminate). */
  terminate(): Promise<void> {
    this.shutdown()
    this.#terminating ??= this.#allClosed().then(() => this.#stop())
    return this.#terminating
  }

  /** Closes this thread's sockets, waits for them, and lets go (see Context). */
  async closeSocketsAndTerminate(): Promise<void> {
    this.#terminated = true
    const sockets = [...this.#sockets.values()]
    for (const socket of sockets) socket.close()
    await Promise.all(sockets.map((s) => s.finished))
    this.#terminating ??= this.#allClosed().then(() => this.#stop())
    await this.#terminating
  }

  /**
   * A Context of this core was collected (its sockets all closed, the handle never out): once
   * no other Context uses the core, let go of what it held (the IO threads, on the owner).
   */
  faceCollected(): void {
    this.#faces--
    this.#releaseIfUnused()
  }

  /** No Context left and no socket (the last may finish closing after the collection). */
  #releaseIfUnused(): void {
    if (this.#faces > 0 || this.#sockets.size > 0 || this.#terminating) return
    this.#terminating = this.#stop()
  }

  /** Resolves once this thread has no socket left. */
  #allClosed(): Promise<void> {
    if (this.#sockets.size === 0) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#lastSocketGone = resolve
    })
  }

  async #stop(): Promise<void> {
    this.#terminated = true
    await this.#ioThreadsOwned?.terminate()
    this.#stopWatching?.()
    this.#shutdownChannel?.close()
    this.#mailbox?.close()
    this.#stopped = true
    this.#pinned = null
    if (joined.get(this.handle.id) === this) joined.delete(this.handle.id)
  }

  #threadDied(thread: number): void {
    this.#mailbox?.threadDied(thread)
    this.#registry?.threadDied(thread)
    for (const socket of [...this.#sockets.values()]) socket.threadDied(thread)
  }
}

/** This thread's core of each context it has joined, by context id. */
const joined = new Map<string, ContextCore>()

function shutdownChannelName(context: string): string {
  return `omq:shutdown:${context}`
}
