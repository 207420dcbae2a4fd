import { getEnvironmentData, setEnvironmentData } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import { ContextCore, type ContextSocket } from "./process/context-core.js"
import { type ContextHandle, newContextHandle } from "./process/context-handle.js"
import "./process/exit-wait.js"
import type { IoThreads } from "./process/io-threads.js"
import type { Mailbox } from "./process/mailbox.js"

export type { ContextSocket } from "./process/context-core.js"
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
  #maxSockets = DEFAULT_MAX_SOCKETS
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE
  #ipv6 = false
  /**
   * This thread's part of the context: the sockets, mailbox and IO threads. Module-level holders
   * keep the core, not this object, so a Context the application dropped can be collected.
   */
  readonly #core: ContextCore

  constructor(options: ContextOptions | { handle: ContextHandle } = {}) {
    // zeromq.js's argument checks, with its TypeErrors.
    // biome-ignore lint/complexity/noArguments: the declared signature must not grow a rest parameter
    if (arguments.length > 1) throw new TypeError("Expected 1 argument")
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object")
    }
    let settings: ContextOptions = {}
    if ("handle" in options) {
      this.#core = ContextCore.of(options.handle)
    } else {
      const { ioThreads = 1, ...rest } = options
      this.#core = new ContextCore(newContextHandle(ioThreadCount(ioThreads)))
      settings = rest
    }
    this.#core.faceMade(this)
    collected.register(this, this.#core)
    // As zeromq.js: an unknown option or a read-only one throws (strict-mode assignment to a
    // sealed object). Subclasses are left open for their own fields.
    if (new.target === Context) Object.seal(this)
    Object.assign(this, settings)
  }

  /**
   * Pass this to another thread (workerData, postMessage) and call Context.fromHandle there.
   * Once read, this Context stays alive until terminate(), whoever still refers to it: other
   * threads may be using the context, and its IO threads live here.
   */
  get handle(): ContextHandle {
    this.#core.pin(this)
    return this.#core.handle
  }

  /**
   * IO threads for new sockets, on every thread of the context (sockets keep the ones they
   * have): a setting of the context, as in zeromq.js, which lets it be set after construction.
   * At most 64 run whatever it says.
   */
  get ioThreads(): number {
    return this.#core.state.ioThreads
  }
  set ioThreads(value: number) {
    this.#core.state.ioThreads = ioThreadCount(value)
  }

  /** false: this thread's new sockets default to linger 0 instead of -1 (ZMQ_BLOCKY). */
  get blocky(): boolean {
    return this.#core.blocky
  }
  set blocky(value: boolean) {
    this.#core.blocky = optionBoolean(value)
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
    if (typeof handle?.id !== "string" || !(handle.state instanceof SharedArrayBuffer)) {
      throw new ZmqError("EINVAL", "not a context handle")
    }
    const known = ContextCore.of(handle).face
    return known instanceof Context ? known : new Context({ handle })
  }

  /** This thread's part of the context, which sockets use (see ContextCore). @internal */
  get core(): ContextCore {
    return this.#core
  }

  /** This thread's mailbox in the context, opened at first use. @internal */
  get mailbox(): Mailbox {
    return this.#core.mailbox
  }

  /** The IO threads, on the thread that made the context (else null). @internal */
  get ownedIoThreads(): IoThreads | null {
    return this.#core.ownedIoThreads
  }

  /** Calls the owner thread (IO threads, inproc names). @internal */
  callOwner<T>(name: string, args: unknown): Promise<T> {
    return this.#core.callOwner<T>(name, args)
  }

  /** Adds a socket made on this thread; returns its id, unique in the context. @internal */
  register(socket: ContextSocket): number {
    return this.#core.register(socket, this.#maxSockets)
  }

  /** @internal */
  unregister(id: number): void {
    this.#core.unregister(id)
  }

  /**
   * libzmq's zmq_ctx_shutdown, on every thread of the context: each waiting send() or receive()
   * of its sockets rejects at once with ETERM, and so does every later call on them except
   * close(); new sockets fail with ETERM. Nothing is closed: the application closes its
   * sockets (catch ETERM, set a low linger, close), as the zguide advises.
   */
  shutdown(): void {
    this.#core.shutdown()
  }

  /**
   * libzmq's zmq_ctx_term: shutdown(), then resolves once the application has closed every
   * socket of this thread and each one's linger has run out. On the thread that made the
   * context it then stops the IO threads. A socket never closed keeps this waiting, as in
   * libzmq; `closeSocketsAndTerminate()` closes them instead.
   */
  terminate(): Promise<void> {
    return this.#core.terminate()
  }

  /**
   * Closes this thread's sockets (each honouring its linger), waits for them to finish, and
   * lets go of the context on this thread (on the thread that made it, also of the IO threads):
   * the convenience for programs and tests that just want this thread's part gone. Unlike
   * terminate() it shuts nothing down on the other threads.
   */
  closeSocketsAndTerminate(): Promise<void> {
    return this.#core.closeSocketsAndTerminate()
  }
}

/**
 * A Context the application dropped, whose sockets are all closed and whose handle never went
 * out, is collected; its core then lets go of what the module still held for it (the IO
 * threads on the owner, the mailbox, the listeners): zeromq.js's contexts are released so too.
 */
const collected = new FinalizationRegistry<ContextCore>((core) => core.faceCollected())

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
