import diagnostics from "node:diagnostics_channel"
import { threadId } from "node:worker_threads"
import { checkUdpSocketType, parseEndpoint, type SocketType, ZmqError } from "@omq/transport"
import { type Context, type ContextSocket, context as defaultContext } from "../context.js"
import type { ConnectionOptions } from "../io/host-protocol.js"
import { type Event, Observer } from "../observer.js"
import type { InprocOffer } from "../process/inproc-registry.js"
import { TRANSFER_FROM } from "../ring/channel.js"
import { takeLent } from "../ring/lent-frames.js"
import { TransferPool } from "../ring/transfer-pool.js"
import { HostChannel, type HostChannelOwner } from "./host-channel.js"
import { InprocEndpoints, type InprocOwner } from "./inproc-endpoints.js"
import { type Message, toFrames } from "./message.js"
import { MessageProperties, pipeProperties } from "./message-properties.js"
import type { SocketOptions } from "./options.js"
import { Peer } from "./peer.js"
import { creditBatch, NO_LIMIT } from "./pipe.js"
import { PipedSocket } from "./piped-socket.js"
import { connectionSecurity } from "./security-options.js"
import type { ThreadLinkShared } from "./shared/link-end.js"
import { checkThreadSafe } from "./shared/thread-safe.js"
import { socketClosedForThreads, ThreadShares } from "./shared/thread-shares.js"
import type { SharedSocketHandle } from "./shared/thread-socket.js"
import { WaitingCalls } from "./waiting-calls.js"

export type { Message, MessageLike } from "./message.js"

/** Told when a socket's readiness may have changed (a Poller; see poller.ts). */
export interface ReadinessWatcher {
  changed(socket: object): void
}

/** A message and the properties of the connection it came over. */
export type WithProperties<Received = Buffer[]> = [message: Received, properties: MessageProperties]

type CurveKeyOption = "curvePublicKey" | "curveSecretKey" | "curveServerKey"

/** Options at construction; CURVE keys may be 32-byte buffers as well as Z85 text. */
export interface SocketConstructorOptions
  extends Partial<Omit<SocketOptions, CurveKeyOption>>,
    Partial<Record<CurveKeyOption, string | Uint8Array | null>> {
  context?: Context
}

/** The types on which `conflate` takes effect, as in libzmq; the others ignore it. */
const CONFLATING = new Set<SocketType>([
  "DEALER",
  "PULL",
  "PUSH",
  "PUB",
  "SUB",
  // Not in libzmq 4.3.5 (it ignores the option there), but zeromq.js offers it on these.
  "SCATTER",
  "GATHER",
])

const RESOLVED = Promise.resolve()

/**
 * Every socket's monitor events, also published on `node:diagnostics_channel` as
 * `{ socket, event }` (on the socket's thread), for tracing without touching the sockets.
 * Nothing is published while nobody subscribes.
 */
export const socketEvents = diagnostics.channel("omq:socket:event")

/**
 * What every socket type shares: options, endpoints, its pipes (see pipe.ts: a socket type
 * sees only Peers, whatever carries them), and ordered queues of waiting send() and receive()
 * calls (any number may be outstanding; they are served in call order). A socket type adds
 * routing by implementing the x* hooks.
 *
 * Lives on the thread that created it, and is used only there. Its tcp/ipc/udp connections live
 * on an IoHost (HostChannel, made at the first such bind or connect); its inproc pipes go straight
 * to the other socket (InprocEndpoints).
 */
export abstract class SocketBase<Received = Buffer[], SendOptions = undefined>
  extends PipedSocket
  implements HostChannelOwner, InprocOwner, ContextSocket
{
  /** The ZMTP socket type this class speaks. */
  readonly type: SocketType

  readonly context: Context
  /** The endpoint of the last successful bind(), with wildcards resolved. */
  lastEndpoint: string | null = null
  readonly finished: Promise<void>

  /** Unique in the context, whatever thread made the socket. */
  readonly id: number
  /** Memory for large frames crossing threads, and its budget; shared by all the pipes. @internal */
  readonly transferPool = new TransferPool()
  #host: HostChannel | null = null
  #inproc: InprocEndpoints | null = null
  /** Set when the IO thread serving this socket died: every later call fails with this. */
  #broken: ZmqError | null = null
  /** connect() endpoints and their pipe ids (0 with `immediate`). */
  readonly #connects = new Map<string, number>()
  readonly #sends = new WaitingCalls<void, Uint8Array[]>("send")
  /** Waiting receive() calls; `true` marks a receiveWithProperties(). */
  readonly #receives = new WaitingCalls<Received | WithProperties<Received>, boolean>("receive")
  #closed = false
  #finish!: () => void
  #observer: Observer | null = null
  /** Other threads attached to this socket (thread-safe types only; see share()). */
  #shares: ThreadShares | null = null
  /** Pollers watching this socket's readiness (see poller.ts); null while there are none. */
  #watchers: Set<ReadinessWatcher> | null = null

  constructor(type: SocketType, options: SocketConstructorOptions = {}) {
    super()
    const { context = defaultContext, ...rest } = options
    this.type = type
    this.context = context
    this.applyOptions(rest)
    this.finished = new Promise((resolve) => {
      this.#finish = resolve
    })
    this.id = context.register(this)
    this.transferPool.onReturn = () => this.retrySends()
  }

  /** The channel to the IoHost, made at the first tcp, ipc or udp endpoint. */
  get #hostChannel(): HostChannel {
    this.#host ??= new HostChannel(this, this.context, this.id, this.type, this.transferPool)
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

  /**
   * A receive() now would resolve at once with a message (libzmq's ZMQ_POLLIN): one is queued,
   * no earlier receive() waits for it, and the socket type's state allows a receive.
   */
  get readable(): boolean {
    return !this.#closed && !this.#broken && this.#receives.length === 0 && this.xhasIn()
  }

  /**
   * A send() now would be accepted at once (libzmq's ZMQ_POLLOUT): the socket type has
   * somewhere to send, no earlier send() waits, and the IO side has room.
   */
  get writable(): boolean {
    return (
      !this.#closed &&
      !this.#broken &&
      this.#sends.length === 0 &&
      (this.#host === null || this.#host.canSend()) &&
      this.xhasOut()
    )
  }

  /** A Poller starts (or stops) being told when this socket's readiness may have changed. @internal */
  watch(watcher: ReadinessWatcher, on: boolean): void {
    if (on) (this.#watchers ??= new Set()).add(watcher)
    else if (this.#watchers?.delete(watcher) && this.#watchers.size === 0) this.#watchers = null
  }

  #readinessMayHaveChanged(): void {
    if (this.#watchers) for (const watcher of this.#watchers) watcher.changed(this)
  }

  /**
   * The socket's monitor events (bind, accept, connect, handshake, disconnect, ...), as
   * zeromq.js's `socket.events`. Events are kept from the first access on.
   */
  get events(): Observer {
    if (!this.#observer) {
      this.#observer = new Observer()
      if (this.#closed) this.#observer.close()
    }
    return this.#observer
  }

  /** `conflate` is set and this socket type honours it. */
  protected override get conflates(): boolean {
    return this.options.conflate && CONFLATING.has(this.type)
  }

  #connectionOptions(): ConnectionOptions {
    const o = this.options
    const conflate = this.conflates
    return {
      routingId: o.routingId === null ? undefined : Buffer.from(o.routingId),
      maxMessageSize: o.maxMessageSize,
      handshakeInterval: o.handshakeInterval,
      reconnectInterval: o.reconnectInterval,
      reconnectMaxInterval: o.reconnectMaxInterval,
      // A conflating pipe keeps the newest message instead of a limit.
      sendHighWaterMark: conflate ? 0 : o.sendHighWaterMark,
      receiveHighWaterMark: o.receiveHighWaterMark,
      immediate: o.immediate,
      conflate,
      metadata: { ...o.metadata },
      security: connectionSecurity(o, this.mechanism),
      heartbeat: {
        interval: o.heartbeatInterval,
        timeToLive: o.heartbeatTimeToLive,
        timeout: o.heartbeatTimeout,
      },
    }
  }

  /** @internal What a ZAP request says of this socket. */
  zapIdentity(): { domain: string; identity: Uint8Array } {
    const id = this.options.routingId
    return {
      domain: this.options.zapDomain,
      identity: id === null ? Buffer.alloc(0) : Buffer.from(id),
    }
  }

  // ---- endpoints -----------------------------------------------------------------------------

  /** Binds to an endpoint; `tcp://127.0.0.1:*` picks a free port (see lastEndpoint). */
  async bind(address: string): Promise<void> {
    this.#checkOpen()
    const ep = parseEndpoint(address, true)
    if (ep.transport === "udp") checkUdpSocketType(this.type, true, address)
    if (ep.transport === "inproc") {
      await this.inproc.bind(ep.name)
      this.lastEndpoint = address
      return
    }
    const host = this.#hostChannel
    this.lastEndpoint = await host.io.bindEndpoint(this.id, address, this.#connectionOptions())
  }

  async unbind(address: string): Promise<void> {
    this.#checkOpen()
    const ep = parseEndpoint(address, true)
    if (ep.transport === "inproc") await this.inproc.unbind(ep.name)
    else await this.#hostChannel.io.unbindEndpoint(this.id, address)
  }

  /**
   * Connects in the background, retrying until the peer is there; bad endpoints throw here.
   * Unless `immediate` is set, the pipe exists at once (as in libzmq): messages sent before the
   * connection is up queue on it, up to the high-water mark.
   */
  connect(address: string): void {
    this.#checkOpen()
    const ep = parseEndpoint(address, false)
    if (ep.transport === "udp") checkUdpSocketType(this.type, false, address)
    if (ep.transport === "inproc") {
      const peer = this.inproc.connect(address, ep.name)
      if (!peer) return
      this.#connects.set(address, peer.id)
      this.retrySends()
      return
    }
    const host = this.#hostChannel
    const options = this.#connectionOptions()
    let pipeId = 0
    if (!options.immediate) {
      const peer = new Peer(this.newPipeId(), address, host)
      peer.connected = true
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
    this.#checkOpen()
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
    if (!address.startsWith("inproc:")) this.#hostChannel.disconnect(address)
  }

  // ---- send / receive ------------------------------------------------------------------------

  /**
   * Queues a message (one frame or an array of frames) for sending. Resolves once the socket has
   * accepted it; waits while the socket type cannot route it (no peer, or every peer at its
   * high-water mark) and rejects with EAGAIN after `sendTimeout`.
   */
  send(message: Message, options?: SendOptions): Promise<void> {
    if (this.#closed || this.#broken) return Promise.reject(this.#broken ?? badSocket())
    let frames: Uint8Array[]
    try {
      frames = this.framesToSend(message, options)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#sendFrames(frames)
  }

  /** Sends frames that framesToSend made (here, or on an attached thread). */
  #sendFrames(frames: Uint8Array[]): Promise<void> {
    if (this.#closed || this.#broken) return Promise.reject(this.#broken ?? badSocket())
    try {
      if (this.#sends.length === 0 && this.#canSend(frames) && this.xsend(frames)) {
        return RESOLVED
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#sends.wait(frames, this.options.sendTimeout)
  }

  /**
   * Sends a message now if the socket can take it without waiting: true when it was accepted,
   * false (nothing queued, nothing copied) when send() would have waited: every peer at its
   * high-water mark, no peer yet, or earlier send() calls still waiting (order is kept). For hot
   * loops, which then need no promise per message; on false, await `send()` or retry later.
   * Throws what send() would reject with (EBADF once closed, EFSM out of turn, EHOSTUNREACH...).
   */
  trySend(message: Message, options?: SendOptions): boolean {
    this.#checkOpen()
    const frames = this.framesToSend(message, options)
    return this.#sends.length === 0 && this.#canSend(frames) && this.xsend(frames)
  }

  /** Resolves with the next message's frames; rejects with EAGAIN after `receiveTimeout`. */
  receive(): Promise<Received> {
    return this.#receive(false) as Promise<Received>
  }

  /**
   * As receive(), with the properties of the connection the message came over (libzmq's
   * zmq_msg_gets): the peer's Socket-Type, Identity and "X-" properties, User-Id from ZAP,
   * and Peer-Address.
   */
  receiveWithProperties(): Promise<WithProperties<Received>> {
    return this.#receive(true) as Promise<WithProperties<Received>>
  }

  #receive(withProperties: boolean): Promise<Received | WithProperties<Received>> {
    if (this.#closed || this.#broken) return Promise.reject(this.#broken ?? badSocket())
    if (this.#receives.length === 0) {
      try {
        const frames = this.xrecv()
        if (frames) return Promise.resolve(this.#received(takeLent(frames), withProperties))
      } catch (err) {
        return Promise.reject(err)
      }
    }
    return this.#receives.wait(withProperties, this.options.receiveTimeout)
  }

  /** A message as a receive call hands it out: with its peer's properties when asked. */
  #received(frames: Buffer[], withProperties: boolean): Received | WithProperties<Received> {
    const message = this.receivedMessage(frames)
    if (!withProperties) return message
    const peer = this.lastPeer!
    peer.messageProperties ??= new MessageProperties(peer.properties ?? pipeProperties(peer))
    return [message, peer.messageProperties]
  }

  /**
   * send()'s arguments as the frames xsend routes. The draft types check for a single frame
   * here and put what their options say (routing id, group) in front.
   */
  protected framesToSend(message: Message, _options: SendOptions | undefined): Uint8Array[] {
    return toFrames(message)
  }

  /** What receive() resolves to, from the frames xrecv took (the draft types reshape them). */
  protected receivedMessage(frames: Buffer[]): Received {
    return frames as Received
  }

  /** The frames an attached thread gets for a message xrecv took (see shared/). */
  protected exportReceived(frames: Buffer[]): Buffer[] {
    return frames
  }

  /** SERVER/PEER: the routing ids of the peers now (what attached threads may send to). */
  protected liveRoutingIds(): Iterable<number> {
    return []
  }

  /** SERVER/PEER: a peer's routing id came up or went; attached threads learn it. */
  protected routingIdChanged(id: number, live: boolean): void {
    this.#shares?.routingId(id, live)
  }

  // ---- sharing with other threads (thread-safe types) ----------------------------------------

  /**
   * A handle (plain data: `workerData`, `postMessage`) with which other threads of this process
   * attach to this socket (`attachShared(handle)`) and send and receive on it: libzmq's
   * thread-safe types. Each received message goes to one receive() call of one thread, the
   * longest-waiting first (this thread's own calls first). EINVAL for the classic types.
   */
  share(): SharedSocketHandle {
    this.#checkOpen()
    checkThreadSafe(this.type)
    return { context: this.context.handle, thread: threadId, socket: this.id, type: this.type }
  }

  /** Another thread attaches (see share()). @internal */
  acceptThread(from: number): ThreadLinkShared {
    this.#checkOpen()
    checkThreadSafe(this.type)
    this.#shares ??= new ThreadShares({
      sendFrames: (frames) => this.#sendFrames(frames),
      takeForThread: () => {
        const frames = this.xrecv()
        return frames && this.exportReceived(takeLent(frames))
      },
      liveRoutingIds: () => this.liveRoutingIds(),
    })
    return this.#shares.attach(from)
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Received, void, undefined> {
    while (!this.#closed) {
      try {
        yield await this.receive()
      } catch (err) {
        if (this.#closed && (err as ZmqError).code === "EAGAIN") return
        throw err
      }
    }
  }

  /**
   * Closes the socket now. Waiting send()/receive() calls reject with EAGAIN; messages already
   * accepted are still delivered for up to `linger` ms (see `finished`).
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#sends.length > 0) this.#sends.rejectAll(closedError())
    if (this.#receives.length > 0) this.#receives.rejectAll(closedError())
    this.#shares?.closeAll(socketClosedForThreads())
    this.#readinessMayHaveChanged()
    void this.#shutdown()
  }

  /**
   * Rejects every waiting receive() with EAGAIN, leaving the socket open. For whoever owns the
   * receive loop (Proxy.terminate), so that an abandoned receive does not take a message.
   */
  cancelPendingReceives(): void {
    this.#receives.rejectAll(new ZmqError("EAGAIN", "receive cancelled"))
  }

  async #shutdown(): Promise<void> {
    const linger = this.options.linger
    await Promise.all([this.#host?.close(this.id, linger), this.#inproc?.close(linger)])
    this.context.unregister(this.id)
    this.#observer?.deliver({ type: "end" })
    this.#finish()
  }

  #checkOpen(): void {
    if (this.#closed) throw badSocket()
    if (this.#broken) throw this.#broken
  }

  /** Whether a message may go now: the host channel's backlog and the transfer budget allow it. */
  #canSend(frames: readonly Uint8Array[]): boolean {
    return (
      (this.#host === null || this.#host.canSend()) &&
      this.transferPool.hasRoomForFrames(frames, TRANSFER_FROM)
    )
  }

  /** Serves waiting send() calls after credit or a peer became available. @internal */
  retrySends(): void {
    this.#readinessMayHaveChanged()
    const sends = this.#sends
    while (sends.length > 0) {
      const frames = sends.peek()!
      if (!this.#canSend(frames)) return
      try {
        if (!this.xsend(frames)) return
      } catch (err) {
        sends.rejectNext(err as Error)
        continue
      }
      sends.resolveNext()
    }
  }

  /** Serves waiting receive() calls after a message arrived. */
  protected retryReceives(): void {
    const receives = this.#receives
    while (receives.length > 0) {
      const frames = this.xrecv()
      if (!frames) return
      receives.resolveNext(this.#received(takeLent(frames), receives.peek() === true))
    }
    this.#shares?.serve()
  }

  /** send() calls waiting for a peer or credit (REQ's state machine counts them). */
  protected get sendsWaiting(): number {
    return this.#sends.length
  }

  /** receive() calls waiting for a message (REP's state machine counts them). */
  protected get receivesWaiting(): number {
    return this.#receives.length
  }

  // ---- hooks for socket types, and the rest of PipeOwner (see PipedSocket) ----------------

  /** Routes a message now, or returns false to wait for credit or a peer. May throw. */
  protected abstract xsend(frames: Uint8Array[]): boolean
  /** Takes the next message for the application, or null. */
  protected abstract xrecv(): Buffer[] | null
  /** A message could be taken now (libzmq's xhas_in); types that receive override it. */
  protected xhasIn(): boolean {
    return false
  }
  /** A message could be routed now (libzmq's xhas_out); types that send override it. */
  protected xhasOut(): boolean {
    return false
  }

  /** @internal */
  pipeEvent(event: Event): void {
    this.#observer?.deliver(event)
    if (socketEvents.hasSubscribers) socketEvents.publish({ socket: this, event })
  }

  protected pipeGone(peer: Peer): void {
    this.#inproc?.forget(peer)
  }

  /** @internal */
  pipesDrained(): void {
    if (this.#sends.length > 0) this.retrySends()
    if (this.#receives.length > 0 || this.#shares?.waiting) this.retryReceives()
    this.#readinessMayHaveChanged()
  }

  /** @internal */
  pipeOptions(): {
    routingId: Uint8Array | null
    sendHighWaterMark: number
    receiveHighWaterMark: number
  } {
    const o = this.options
    return {
      routingId: o.routingId === null ? null : Buffer.from(o.routingId),
      sendHighWaterMark: o.sendHighWaterMark,
      receiveHighWaterMark: o.receiveHighWaterMark,
    }
  }

  /** An inproc connect reached one of our names (the registry sent it here). @internal */
  inprocOffered(offer: InprocOffer): void {
    if (!this.#closed) this.inproc.offered(offer)
  }

  /** @internal */
  inprocAccepted(answer: never, from: number): void {
    this.inproc.accepted(answer, from) // also when closed: a late pipe is ended at once
  }

  /**
   * The context was shut down (context.shutdown() or terminate(), on any thread): waiting calls
   * reject with ETERM, and every later call except close() does too. @internal
   */
  contextShutDown(): void {
    if (this.#closed || this.#broken) return
    this.#broken = new ZmqError("ETERM", "context was shut down")
    this.#sends.rejectAll(this.#broken)
    this.#receives.rejectAll(this.#broken)
    this.#shares?.closeAll(this.#broken)
    this.#readinessMayHaveChanged()
  }

  /** @internal */
  threadDied(thread: number): void {
    this.#shares?.threadDied(thread)
    this.#inproc?.threadDied(thread)
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
    this.#sends.rejectAll(this.#broken)
    this.#receives.rejectAll(this.#broken)
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}

/** For calls made after close(). */
function badSocket(): ZmqError {
  return new ZmqError("EBADF", "socket is closed")
}
