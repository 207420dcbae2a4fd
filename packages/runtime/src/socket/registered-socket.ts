import diagnostics from "node:diagnostics_channel"
import { type SocketType, ZmqError } from "@omq/transport"
import { Context, type ContextSocket, context as defaultContext } from "../context.js"
import { type Event, Observer } from "../observer.js"
import type { ContextCore } from "../process/context-core.js"
import type { InprocOffer } from "../process/inproc-registry.js"
import { TransferPool } from "../ring/transfer-pool.js"
import { type HoldTarget, ThreadHold } from "../util/thread-hold.js"
import { conflates, pipeOptions, zapIdentity } from "./connection-options.js"
import { HostChannel, type HostChannelOwner } from "./host-channel.js"
import { InprocEndpoints, type InprocOwner, type PipeOptions } from "./inproc-endpoints.js"
import type { SocketOptions } from "./options.js"
import type { Peer } from "./peer.js"
import { PipedSocket } from "./piped-socket.js"
import { socketType } from "./socket-type-numbers.js"

type CurveKeyOption = "curvePublicKey" | "curveSecretKey" | "curveServerKey"

/** Options at construction; CURVE keys may be 32-byte buffers as well as Z85 text. */
export interface SocketConstructorOptions
  extends Partial<Omit<SocketOptions, CurveKeyOption>>,
    Partial<Record<CurveKeyOption, string | Uint8Array | null>> {
  context?: Context
}

/**
 * Every socket's monitor events, also published on `node:diagnostics_channel` as
 * `{ socket, event }` (on the socket's thread), for tracing without touching the sockets.
 * Nothing is published while nobody subscribes.
 */
export const socketEvents = diagnostics.channel("omq:socket:event")

/**
 * A socket's place in its context: registration, the carriers its pipes run over (HostChannel to
 * its IoHost, made at the first tcp, ipc, ws or udp endpoint; InprocEndpoints straight to the
 * other socket), monitor events, and the end of its life (closed, or broken when its IO thread
 * or context went away). EndpointSocket adds bind() and connect() on top.
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class RegisteredSocket
  extends PipedSocket
  implements HostChannelOwner, InprocOwner
{
  /** The ZMTP socket type this class speaks. */
  readonly type: SocketType

  /** The socket's context, held until close(); after it, see `context`. */
  #context: Context | null
  readonly #contextRef: WeakRef<Context>
  /**
   * This thread's part of the context: what the socket's own work goes through, its close
   * included, so that a closing socket does not keep a dropped Context alive. @internal
   */
  readonly contextCore: ContextCore
  readonly finished: Promise<void>

  /** Unique in the context, whatever thread made the socket. */
  readonly id: number
  /** Memory for large frames crossing threads, and its budget; shared by all the pipes. @internal */
  readonly transferPool = new TransferPool()
  #host: HostChannel | null = null
  #inproc: InprocEndpoints | null = null
  /** Set when the IO thread or the context went away: every later call but close() fails so. */
  #broken: ZmqError | null = null
  #closed = false
  #finish!: () => void
  #observer: Observer | null = null
  /** Held while someone waits for this socket's events (see Observer). */
  readonly #eventsHold = new ThreadHold(() => this.contextCore.mailbox)

  constructor(type: SocketType | number, options: SocketConstructorOptions = {}) {
    // zeromq.js's argument checks, with its TypeErrors.
    // biome-ignore lint/complexity/noArguments: the declared signature must not grow a rest parameter
    if (arguments.length > 2) throw new TypeError("Expected 2 arguments")
    const known = socketType(type)
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object")
    }
    super()
    const { context = defaultContext, ...rest } = options
    if (!(context instanceof Context)) throw new ZmqError("EINVAL", "context is not a Context")
    this.type = known
    this.#context = context
    this.#contextRef = new WeakRef(context)
    this.contextCore = context.core
    // A non-blocky context (ZMQ_BLOCKY false) gives its sockets linger 0 by default.
    if (!context.blocky) this.options.linger = 0
    this.applyOptions(rest)
    this.finished = new Promise((resolve) => {
      this.#finish = resolve
    })
    this.id = context.register(this as unknown as ContextSocket)
    this.transferPool.onReturn = () => this.#budgetReturned()
  }

  #retryScheduled = false
  /**
   * Pool memory came back: waiting sends are retried after the current task step, never inside
   * it. Memory comes back inside a write when the engine copies it at once (CURVE gathers each
   * frame to seal it), and a send served there went into the connection between the frames of
   * the message being written, or ahead of the messages a pipe was flushing after its handshake.
   */
  #budgetReturned(): void {
    if (this.#retryScheduled) return
    this.#retryScheduled = true
    void RESOLVED.then(() => {
      this.#retryScheduled = false
      this.retrySends()
    })
  }

  /** Serves waiting send() calls after credit, room or a peer became available. @internal */
  abstract retrySends(): void
  abstract close(): void
  /** Rejects every waiting send() and receive() with `error`. */
  protected abstract failWaitingCalls(error: ZmqError): void

  /** Where this socket and its carriers hold the thread (its context's mailbox). @internal */
  get keepAlive(): HoldTarget {
    return this.contextCore.mailbox
  }

  /** The channel to the IoHost if one was made. */
  protected get host(): HostChannel | null {
    return this.#host
  }

  /** Why every call but close() fails, if it does (see #broken). */
  protected get broken(): ZmqError | null {
    return this.#broken
  }

  /** From now on every call but close() fails with `error` (the first reason stays). */
  protected breakWith(error: ZmqError): void {
    this.#broken ??= error
  }

  /** Marks the socket closed; false when it already was. */
  protected markClosed(): boolean {
    if (this.#closed) return false
    this.#closed = true
    this.#context = null // as zeromq.js: a closed socket keeps its context alive no longer
    return true
  }

  /**
   * The context the socket was made in. After close() the socket no longer keeps it alive (as
   * zeromq.js, whose closed sockets give undefined here): it is there while something else
   * holds it.
   */
  get context(): Context {
    return (this.#context ?? this.#contextRef.deref()) as Context
  }

  /** The channel to the IoHost, made at the first tcp, ipc, ws or udp endpoint. */
  protected get hostChannel(): HostChannel {
    return this.#hostChannel(false)
  }

  /**
   * The channel for a bind to the application's http.Server: its connections run on this
   * thread, since Node cannot hand the server to another. EINVAL once they run on an IO thread.
   */
  protected serverHostChannel(address: string): HostChannel {
    if (this.#host && !this.#host.io.inThread) {
      const why = "bind to an http.Server before any other endpoint of this socket"
      throw new ZmqError("EINVAL", `${why} (its connections run on an IO thread already)`, address)
    }
    return this.#hostChannel(true)
  }

  /** `local`: the connections run on this thread whatever the context's IO threads. */
  #hostChannel(local: boolean): HostChannel {
    this.#host ??= new HostChannel(this, this.context, this.id, this.type, this.transferPool, local)
    return this.#host
  }

  /** The inproc side (also read by a bound socket of this thread making a pipe). @internal */
  get inproc(): InprocEndpoints {
    this.#inproc ??= new InprocEndpoints(this)
    return this.#inproc
  }

  get closed(): boolean {
    return this.#closed
  }

  /** libzmq (4.2+) gives existing pipes a new SNDHWM; omq does so for inproc pipes. */
  protected override optionSet(name: keyof SocketOptions): void {
    if (name === "sendHighWaterMark") this.#inproc?.sendLimitChanged()
  }

  /**
   * The socket's monitor events (bind, accept, connect, handshake, disconnect, ...), as
   * zeromq.js's `socket.events`. Events are kept from the first access on.
   */
  get events(): Observer {
    if (!this.#observer) {
      this.#observer = new Observer((waiting) => this.#eventsHold.set(waiting))
      if (this.#closed) this.#observer.close()
    }
    return this.#observer
  }

  /** `conflate` is set and this socket type honours it. */
  protected override get conflates(): boolean {
    return conflates(this.type, this.options)
  }

  /** @internal What a ZAP request says of this socket. */
  zapIdentity(): { domain: string; identity: Uint8Array } {
    return zapIdentity(this.options)
  }

  /** The carriers end (after up to `linger`), the context forgets the socket, `finished` resolves. */
  protected async finishClose(): Promise<void> {
    const linger = this.options.linger
    await Promise.all([this.#host?.close(this.id, linger), this.#inproc?.close(linger)])
    this.contextCore.unregister(this.id)
    this.#observer?.deliver({ type: "end" })
    this.#finish()
  }

  protected checkOpen(): void {
    if (this.#closed) throw badSocket()
    if (this.#broken) throw this.#broken
  }

  /** @internal */
  pipeEvent(event: Event): void {
    // A connect's pipe whose attempt failed or whose connection closed holds nothing in flight
    // until its next handshake (with reconnectInterval -1 there is no connect:retry: "close").
    if (event.type === "close" || event.type === "connect:retry" || event.type === "disconnect") {
      this.connectionStalled(event.address)
    }
    this.#observer?.deliver(event)
    if (socketEvents.hasSubscribers) socketEvents.publish({ socket: this, event })
  }

  protected pipeGone(peer: Peer): void {
    this.#inproc?.forget(peer)
  }

  /** @internal */
  pipeOptions(): PipeOptions {
    return pipeOptions(this.options)
  }

  /** An inproc connect reached one of our names (the registry sent it here). @internal */
  inprocOffered(offer: InprocOffer): void {
    if (!this.#closed) this.inproc.offered(offer)
  }

  /** @internal */
  inprocAccepted(answer: never, from: number): void {
    this.inproc.accepted(answer, from) // also when closed: a late pipe is ended at once
  }

  /** @internal */
  threadDied(thread: number): void {
    this.#inproc?.threadDied(thread)
    this.#host?.threadDied(thread)
    if (this.#host?.io.livesOn(thread)) this.#ioThreadDied(thread)
  }

  /**
   * The IO thread serving this socket died: its connections are gone (each peer reports a
   * disconnect), waiting calls fail, and so does every later call (ETERM). New sockets of the
   * context get a new IO thread.
   */
  #ioThreadDied(thread: number): void {
    this.#broken = new ZmqError("ETERM", `the IO thread serving this socket (${thread}) died`)
    for (const peer of [...this.peers()]) {
      if (peer.link !== this.#host) continue
      this.pipeEvent({ type: "disconnect", address: peer.endpoint })
      this.detach(peer)
    }
    this.failWaitingCalls(this.#broken)
  }
}

/** For calls made after close(). */
export function badSocket(): ZmqError {
  return new ZmqError("EBADF", "socket is closed")
}

/** A promise reaction is the cheapest microtask (see ring/wake-here.ts). */
const RESOLVED: Promise<void> = Promise.resolve()
