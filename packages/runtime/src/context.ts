import {
  BroadcastChannel,
  getEnvironmentData,
  setEnvironmentData,
  threadId,
} from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import { type IoLink, LocalIoLink, MailboxIoLink } from "./io/io-link.js"
import {
  type ContextHandle,
  ContextState,
  MAX_IO_THREADS,
  newContextHandle,
} from "./process/context-handle.js"
import { type InprocOffer, InprocRegistry } from "./process/inproc-registry.js"
import { IoThreads } from "./process/io-threads.js"
import { Mailbox } from "./process/mailbox.js"
import { onThreadDeath } from "./process/thread-deaths.js"
import type { InprocOwner } from "./socket/inproc-endpoints.js"

export type { ContextHandle } from "./process/context-handle.js"

export interface ContextOptions {
  /** IO worker threads to run connections on (like ZMQ_IO_THREADS); 0 runs them in-thread. Default 1. */
  ioThreads?: number
  /** false: new sockets default to linger 0 (libzmq's ZMQ_BLOCKY). Default true. */
  blocky?: boolean
  /** Sockets this thread may have open in the context (ZMQ_MAX_SOCKETS); more fail EMFILE. Default 1023. */
  maxSockets?: number
  /** ZMQ_MAX_MSGSZ, kept for zeromq.js code that sets it; sockets limit frames by their own maxMessageSize. */
  maxMessageSize?: number
  /** ZMQ_IPV6, kept for zeromq.js code that sets it; omq's tcp takes IPv6 endpoints whatever it says. */
  ipv6?: boolean
  /** Accepted and ignored: Node gives no control over its threads' scheduling. */
  threadPriority?: number
  threadSchedulingPolicy?: number
}

/** libzmq's defaults for the context options it reports. */
const DEFAULT_MAX_SOCKETS = 1023
const MAX_SOCKETS_LIMIT = 65535
const DEFAULT_MAX_MESSAGE_SIZE = 2 ** 31 - 1

/** What a context needs from each of its sockets. */
export interface ContextSocket {
  close(): void
  /** Resolves when the socket's host side has finished (after linger). */
  readonly finished: Promise<void>
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
 * A ZeroMQ context: one for the whole process, whatever thread uses it.
 *
 * The thread that makes a context owns its IO threads and its table of inproc names; every
 * other thread joins it through its handle (`context.handle` → `Context.fromHandle`), and the
 * process-wide default `context` is joined by every worker without anything being passed (it
 * travels in Node's environment data). Each thread has its own Context object for the same
 * context: it holds that thread's sockets and mailbox, and is used only on that thread.
 *
 * IO threads start lazily, at the first socket that needs one (tcp or ipc), and sockets are
 * spread over them round-robin across the process: 8 workers with sockets still use
 * `ioThreads` IO threads. With `ioThreads: 0` each thread runs its connections itself.
 */
export class Context {
  #blocky = true
  #maxSockets = DEFAULT_MAX_SOCKETS
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE
  #ipv6 = false
  /** Pass this to another thread (workerData, postMessage) and call Context.fromHandle there. */
  readonly handle: ContextHandle
  readonly #state: ContextState
  readonly #sockets = new Map<number, ContextSocket>()
  readonly #links: IoLink[] = []
  /** This thread's sockets by the inproc names they bound (connects to them meet directly). @internal */
  readonly localBinders = new Map<string, InprocOwner>()
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

  constructor(options: ContextOptions | { handle: ContextHandle } = {}) {
    // zeromq.js's argument checks, with its TypeErrors.
    // biome-ignore lint/complexity/noArguments: the declared signature must not grow a rest parameter
    if (arguments.length > 1) throw new TypeError("Expected 1 argument")
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object")
    }
    let handle: ContextHandle
    let settings: ContextOptions = {}
    if ("handle" in options) {
      handle = options.handle
    } else {
      const { ioThreads = 1, ...rest } = options
      handle = newContextHandle(ioThreadCount(ioThreads))
      settings = rest
    }
    this.handle = handle
    this.#state = new ContextState(handle)
    joined.set(handle.id, this)
    // The owner answers other threads from the start (they may need an IO thread before this
    // thread makes any socket). Its mailbox is unref'd while idle.
    if (handle.owner === threadId) this.#openMailbox()
    // As zeromq.js: an unknown option or a read-only one throws (strict-mode assignment to a
    // sealed object). Subclasses are left open for their own fields.
    if (new.target === Context) Object.seal(this)
    Object.assign(this, settings)
  }

  /**
   * IO threads for new sockets, on every thread of the context (sockets keep the ones they
   * have): a setting of the context, as in zeromq.js, which lets it be set after construction.
   * At most 64 run whatever it says.
   */
  get ioThreads(): number {
    return this.#state.ioThreads
  }
  set ioThreads(value: number) {
    this.#state.ioThreads = ioThreadCount(value)
  }

  /** false: this thread's new sockets default to linger 0 instead of -1 (ZMQ_BLOCKY). */
  get blocky(): boolean {
    return this.#blocky
  }
  set blocky(value: boolean) {
    this.#blocky = optionBoolean(value)
  }

  /** How many sockets this thread may have open in the context; beyond, new ones fail EMFILE. */
  get maxSockets(): number {
    return this.#maxSockets
  }
  set maxSockets(value: number) {
    const n = optionNumber(value)
    if (!Number.isInteger(n) || n < 1 || n > MAX_SOCKETS_LIMIT) {
      throw new ZmqError("EINVAL", `maxSockets must be an integer from 1 to ${MAX_SOCKETS_LIMIT}`)
    }
    this.#maxSockets = n
  }

  /** The largest maxSockets (ZMQ_SOCKET_LIMIT). */
  get maxSocketsLimit(): number {
    return MAX_SOCKETS_LIMIT
  }

  /** Kept for zeromq.js code; frames are limited by each socket's own maxMessageSize. */
  get maxMessageSize(): number {
    return this.#maxMessageSize
  }
  set maxMessageSize(value: number) {
    const n = optionNumber(value)
    if (!Number.isInteger(n) || n < -1) throw new ZmqError("EINVAL", "maxMessageSize must be >= -1")
    this.#maxMessageSize = n
  }

  /** Kept for zeromq.js code; omq's tcp takes IPv6 endpoints whatever it says. */
  get ipv6(): boolean {
    return this.#ipv6
  }
  set ipv6(value: boolean) {
    this.#ipv6 = optionBoolean(value)
  }

  /** Write-only in zeromq.js; ignored: Node gives no control over its threads' scheduling. */
  set threadPriority(value: number) {
    optionNumber(value)
  }
  set threadSchedulingPolicy(value: number) {
    optionNumber(value)
  }

  /**
   * This thread's Context for a context made elsewhere (its `handle` came through workerData
   * or a message): the same IO threads and inproc names as every other thread's.
   */
  static fromHandle(handle: ContextHandle): Context {
    const known = joined.get(handle.id)
    if (known) return known
    if (typeof handle?.id !== "string" || !(handle.state instanceof SharedArrayBuffer)) {
      throw new ZmqError("EINVAL", "not a context handle")
    }
    return new Context({ handle })
  }

  /** This thread's mailbox in the context, opened at first use. @internal */
  get mailbox(): Mailbox {
    return this.#mailbox ?? this.#openMailbox()
  }

  #openMailbox(): Mailbox {
    const mailbox = new Mailbox(this.handle.id)
    this.#mailbox = mailbox
    if (this.handle.owner === threadId) {
      this.#ioThreadsOwned = new IoThreads(this.handle, this.#state, mailbox)
      this.#registry = new InprocRegistry(mailbox)
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
    if (this.#state.isShutDown) queueMicrotask(() => this.#shutDownHere())
    this.#shutdownChannel = channel
    return mailbox
  }

  /** The IO threads, on the thread that made the context (else null). @internal */
  get ownedIoThreads(): IoThreads | null {
    return this.#ioThreadsOwned
  }

  /** Calls the owner thread (IO threads, inproc names). @internal */
  callOwner<T>(name: string, args: unknown): Promise<T> {
    return this.mailbox.call<T>(this.handle.owner, name, args)
  }

  /** Adds a socket made on this thread; returns its id, unique in the context. @internal */
  register(socket: ContextSocket): number {
    if (this.#terminated) throw new ZmqError("ETERM", "context was terminated")
    if (this.#state.isShutDown) throw new ZmqError("ETERM", "context was shut down")
    if (this.#sockets.size >= this.#maxSockets) {
      throw new ZmqError("EMFILE", `this thread has maxSockets (${this.#maxSockets}) sockets open`)
    }
    const id = this.#state.nextSocketId()
    this.#sockets.set(id, socket)
    // Open, not held: a socket holds its thread only while it has work (see SocketBase).
    if (!this.#mailbox) this.#openMailbox()
    return id
  }

  /** @internal */
  unregister(id: number): void {
    if (this.#sockets.delete(id) && this.#sockets.size === 0) this.#lastSocketGone?.()
  }

  /** A socket of this thread by id (inproc offers name their target). @internal */
  socket(id: number): ContextSocket | undefined {
    return this.#sockets.get(id)
  }

  /**
   * The IoHost for a new socket's connections: IO threads round-robin, or this thread (with
   * `ioThreads: 0`, or `local` for a socket bound to the application's own http.Server).
   * @internal
   */
  ioLink(local = false): IoLink {
    const ioThreads = this.#state.ioThreads
    if (ioThreads === 0 || local) {
      this.#links[0] ??= new LocalIoLink()
      return this.#links[0]
    }
    const index = this.#state.nextIoIndex(Math.min(ioThreads, MAX_IO_THREADS))
    const running = this.#state.ioThread(index)
    if (running !== 0) return new MailboxIoLink(this.mailbox, Promise.resolve(running))
    return new MailboxIoLink(this.mailbox, this.callOwner<number>("io.start", index))
  }

  /**
   * libzmq's zmq_ctx_shutdown, on every thread of the context: each waiting send() or receive()
   * of its sockets rejects at once with ETERM, and so does every later call on them except
   * close(); new sockets fail with ETERM. Nothing is closed: the application closes its
   * sockets (catch ETERM, set a low linger, close), as the zguide advises.
   */
  shutdown(): void {
    if (this.#state.shutDown()) {
      const channel = new BroadcastChannel(shutdownChannelName(this.handle.id))
      channel.postMessage("shutdown")
      channel.close()
    }
    this.#shutDownHere()
  }

  #shutDownHere(): void {
    for (const socket of [...this.#sockets.values()]) socket.contextShutDown()
  }

  /**
   * libzmq's zmq_ctx_term: shutdown(), then resolves once the application has closed every
   * socket of this thread and each one's linger has run out. On the thread that made the
   * context it then stops the IO threads. A socket never closed keeps this waiting, as in
   * libzmq; `closeSocketsAndTerminate()` closes them instead.
   */
  terminate(): Promise<void> {
    this.shutdown()
    this.#terminating ??= this.#allClosed().then(() => this.#stop())
    return this.#terminating
  }

  /**
   * Closes this thread's sockets (each honouring its linger), waits for them to finish, and
   * lets go of the context on this thread (on the thread that made it, also of the IO threads):
   * the convenience for programs and tests that just want this thread's part gone. Unlike
   * terminate() it shuts nothing down on the other threads.
   */
  async closeSocketsAndTerminate(): Promise<void> {
    this.#terminated = true
    const sockets = [...this.#sockets.values()]
    for (const socket of sockets) socket.close()
    await Promise.all(sockets.map((s) => s.finished))
    this.#terminating ??= this.#allClosed().then(() => this.#stop())
    await this.#terminating
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
    joined.delete(this.handle.id)
  }

  #threadDied(thread: number): void {
    this.#mailbox?.threadDied(thread)
    this.#registry?.threadDied(thread)
    for (const socket of [...this.#sockets.values()]) socket.threadDied(thread)
  }
}

/** A numeric option's value, or zeromq.js's TypeError. */
function optionNumber(value: unknown): number {
  if (typeof value !== "number") throw new TypeError("Option value must be a number")
  return value
}

function optionBoolean(value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
  return value
}

function ioThreadCount(value: unknown): number {
  const n = optionNumber(value)
  if (!Number.isInteger(n) || n < 0) {
    throw new ZmqError("EINVAL", `ioThreads must be an integer >= 0, got ${String(n)}`)
  }
  return n
}

function shutdownChannelName(context: string): string {
  return `omq:shutdown:${context}`
}

/** This thread's Context object of each context it has joined, by context id. */
const joined = new Map<string, Context>()

/** Environment data reaches every worker started after it is set, with nothing passed. */
const DEFAULT_CONTEXT = "omq:default-context"

function defaultHandle(): ContextHandle {
  const inherited = getEnvironmentData(DEFAULT_CONTEXT) as ContextHandle | undefined
  if (inherited) return inherited
  const handle = newContextHandle(1)
  setEnvironmentData(DEFAULT_CONTEXT, handle)
  return handle
}

/**
 * The default context, shared by the whole process: the first thread that imports omq makes
 * it, and every worker that thread starts afterwards (and their workers) joins it.
 */
export const context: Context = Context.fromHandle(defaultHandle())
