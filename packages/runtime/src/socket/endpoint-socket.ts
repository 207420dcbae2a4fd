import diagnostics from "node:diagnostics_channel"
import type { Server as HttpServer } from "node:http"
import type { Server as HttpsServer } from "node:https"
import { checkUdpSocketType, parseEndpoint, type SocketType, ZmqError } from "@omq/transport"
import { Context, type ContextSocket, context as defaultContext } from "../context.js"
import type { ConnectionOptions } from "../io/host-protocol.js"
import { type Event, Observer } from "../observer.js"
import type { ContextCore } from "../process/context-core.js"
import type { InprocOffer } from "../process/inproc-registry.js"
import { TransferPool } from "../ring/transfer-pool.js"
import { type HoldTarget, ThreadHold } from "../util/thread-hold.js"
import {
  checkConnectable,
  checkWsSocketType,
  conflates,
  connectionOptions,
  pipeOptions,
  zapIdentity,
} from "./connection-options.js"
import { HostChannel, type HostChannelOwner } from "./host-channel.js"
import { InprocEndpoints, type InprocOwner, type PipeOptions } from "./inproc-endpoints.js"
import type { SocketOptions } from "./options.js"
import { Peer } from "./peer.js"
import { creditBatch, NO_LIMIT } from "./pipe.js"
import { PipedSocket } from "./piped-socket.js"
import { socketType } from "./socket-type-numbers.js"

type CurveKeyOption = "curvePublicKey" | "curveSecretKey" | "curveServerKey"

/** Options at construction; CURVE keys may be 32-byte buffers as well as Z85 text. */
export interface SocketConstructorOptions
  extends Partial<Omit<SocketOptions, CurveKeyOption>>,
    Partial<Record<CurveKeyOption, string | Uint8Array | null>> {
  context?: Context
}

/** Options read at each call (or at close), not per endpoint. */
const ACTS_AT_ONCE = new Set<keyof SocketOptions>(["linger", "sendTimeout", "receiveTimeout"])

/**
 * Every socket's monitor events, also published on `node:diagnostics_channel` as
 * `{ socket, event }` (on the socket's thread), for tracing without touching the sockets.
 * Nothing is published while nobody subscribes.
 */
export const socketEvents = diagnostics.channel("omq:socket:event")

/**
 * A socket's place in its context and its endpoints: registration, bind/connect over the IoHost
 * (HostChannel, made at the first tcp, ipc or udp endpoint) or inproc (InprocEndpoints, straight
 * to the other socket), monitor events, and the end of its life (closed, or broken when its IO
 * thread or context went away). SocketBase adds the application's calls on top.
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class EndpointSocket extends PipedSocket implements HostChannelOwner, InprocOwner {
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
  #lastEndpoint: string | null = null
  readonly finished: Promise<void>

  /** Unique in the context, whatever thread made the socket. */
  readonly id: number
  /** Memory for large frames crossing threads, and its budget; shared by all the pipes. @internal */
  readonly transferPool = new TransferPool()
  #host: HostChannel | null = null
  #inproc: InprocEndpoints | null = null
  /** Set when the IO thread or the context went away: every later call but close() fails so. */
  #broken: ZmqError | null = null
  /** connect() endpoints and their pipe ids (0 with `immediate`). */
  readonly #connects = new Map<string, number>()
  /** bind() endpoints as given (wildcards unresolved), until unbind(). */
  readonly #binds = new Set<string>()
  #closed = false
  #finish!: () => void
  #observer: Observer | null = null
  /** Held while someone waits for this socket's events (see Observer). */
  readonly #eventsHold = new ThreadHold(() => this.contextCore.mailbox)
  /** bind() and unbind() calls still running; close() waits for them (see deferClose). */
  #endpointCalls = 0
  #closeDeferred = false

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

  /**
   * close() during a bind() or unbind() happens when the last of them settles, as in zeromq.js:
   * the call finishes (or fails) on its own terms, and `closed` turns true only then. True when
   * close() must wait.
   */
  protected deferClose(): boolean {
    if (this.#endpointCalls === 0) return false
    this.#closeDeferred = true
    return true
  }

  async #endpointCall(call: () => Promise<void>): Promise<void> {
    this.checkOpen()
    this.#endpointCalls++
    try {
      await call()
    } finally {
      if (--this.#endpointCalls === 0 && this.#closeDeferred) {
        this.#closeDeferred = false
        this.close()
      }
    }
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

  /** The endpoint of the last successful bind(), with wildcards resolved. Read-only. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint
  }

  /**
   * Endpoints take the options as they are at bind() or connect(): as zeromq.js, warn when one
   * is set on a socket that has endpoints already (or a bind running), unless it acts at once.
   */
  protected override optionSet(name: keyof SocketOptions): void {
    // libzmq (4.2+) gives existing pipes a new SNDHWM; omq does so for inproc pipes.
    if (name === "sendHighWaterMark") this.#inproc?.sendLimitChanged()
    if (ACTS_AT_ONCE.has(name)) return
    if (this.#endpointCalls === 0 && this.#binds.size === 0 && this.#connects.size === 0) return
    process.emitWarning("Socket option will not take effect until next connect/bind.")
  }

  /** Open, and bound or connected somewhere (what a Proxy needs of its sockets). @internal */
  get hasEndpoints(): boolean {
    return !this.#closed && (this.#binds.size > 0 || this.#connects.size > 0)
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

  #connectionOptions(): ConnectionOptions {
    return connectionOptions(this.options, this.mechanism, this.conflates)
  }

  /** @internal What a ZAP request says of this socket. */
  zapIdentity(): { domain: string; identity: Uint8Array } {
    return zapIdentity(this.options)
  }

  // ---- endpoints -----------------------------------------------------------------------------

  /**
   * Binds to an endpoint; `tcp://127.0.0.1:*` picks a free port (see lastEndpoint).
   *
   * `options.server`: serve a ws endpoint's path on the application's own http.Server (or
   * https.Server, for wss) instead of a port of our own; the server's other paths and requests
   * stay the application's. Node cannot hand a server to another thread, so this socket's
   * connections then run on its own thread: bind to the server before any other endpoint.
   */
  bind(address: string, options: BindOptions = {}): Promise<void> {
    return this.#endpointCall(async () => {
      await this.#bind(address, options)
      this.#binds.add(address)
    })
  }

  async #bind(address: string, options: BindOptions): Promise<void> {
    const ep = parseEndpoint(address, true)
    checkWsSocketType(this.type, ep.transport, address)
    if (options.server !== undefined) {
      await this.#bindToServer(address, ep.transport, options.server)
      return
    }
    if (ep.transport === "udp") checkUdpSocketType(this.type, true, address)
    if (ep.transport === "inproc") {
      await this.inproc.bind(ep.name)
      this.#lastEndpoint = address
      return
    }
    const host = this.hostChannel
    this.#lastEndpoint = await host.io.bindEndpoint(this.id, address, this.#connectionOptions())
  }

  async #bindToServer(address: string, transport: string, server: HttpServer): Promise<void> {
    if (transport !== "ws" && transport !== "wss") {
      throw new ZmqError(
        "EINVAL",
        `an http.Server serves ws endpoints only, not ${address}`,
        address,
      )
    }
    if (this.#host && !this.#host.io.inThread) {
      const why = "bind to an http.Server before any other endpoint of this socket"
      throw new ZmqError("EINVAL", `${why} (its connections run on an IO thread already)`, address)
    }
    const host = this.#hostChannel(true)
    const options = { ...this.#connectionOptions(), userServer: server }
    this.#lastEndpoint = await host.io.bindEndpoint(this.id, address, options)
  }

  unbind(address: string): Promise<void> {
    return this.#endpointCall(async () => {
      await this.#unbind(address)
      this.#binds.delete(address)
    })
  }

  async #unbind(address: string): Promise<void> {
    const ep = parseEndpoint(address, true)
    if (ep.transport === "inproc") await this.inproc.unbind(ep.name)
    else await this.hostChannel.io.unbindEndpoint(this.id, address)
  }

  /**
   * Connects in the background, retrying until the peer is there; bad endpoints throw here.
   * Unless `immediate` is set, the pipe exists at once (as in libzmq): messages sent before the
   * connection is up queue on it, up to the high-water mark.
   */
  connect(address: string): void {
    this.checkOpen()
    const ep = parseEndpoint(address, false)
    checkConnectable(this.type, ep.transport, address, this.options)
    checkWsSocketType(this.type, ep.transport, address)
    if (ep.transport === "inproc") {
      const peer = this.inproc.connect(address, ep.name)
      if (!peer) return
      this.#connects.set(address, peer.id)
      this.retrySends()
      return
    }
    const host = this.hostChannel
    const options = this.#connectionOptions()
    let pipeId = 0
    if (!options.immediate) {
      const peer = new Peer(this.newPipeId(), address, host)
      peer.connected = true
      // Its messages hold the thread only once its first handshake is done (see PipedSocket);
      // before that, a process that is done waits for them at exit, up to the linger.
      peer.stalled = true
      peer.creditBatch = creditBatch(options.receiveHighWaterMark || NO_LIMIT)
      peer.sendLimit = options.sendHighWaterMark
      if (!this.addPeer(peer)) return
      pipeId = peer.id
    }
    this.#connects.set(address, pipeId)
    host.connect(address, pipeId, options)
    if (pipeId !== 0) this.retrySends()
  }

  /** Stops connecting to `address` and drops its pipe. ENOENT when not connected to it. */
  disconnect(address: string): void {
    this.checkOpen()
    parseEndpoint(address, false)
    const pipeId = this.#connects.get(address)
    if (pipeId === undefined) throw new ZmqError("ENOENT", `not connected to ${address}`, address)
    this.#connects.delete(address)
    // libzmq destroys a disconnected pipe's unread messages. With `immediate` the pipes are the
    // host's, one per connection made to this address.
    const pipes =
      pipeId !== 0
        ? [this.peer(pipeId)]
        : [...this.peers()].filter((p) => p.connected && p.endpoint === address)
    for (const peer of pipes) {
      if (!peer) continue
      peer.inbound.drain()
      this.detach(peer)
      if (address.startsWith("inproc:")) this.inproc.disconnect(peer)
    }
    if (!address.startsWith("inproc:")) this.hostChannel.disconnect(address)
  }

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

export interface BindOptions {
  /** A ws endpoint's path served on this server of the application's (see bind()). */
  server?: HttpServer | HttpsServer
}

/** A promise reaction is the cheapest microtask (see ring/wake-here.ts). */
const RESOLVED: Promise<void> = Promise.resolve()
