import type { MessagePort } from "node:worker_threads"
import { parseEndpoint, type SocketType, ZmqError } from "@omq/transport"
import { type Closable, type Context, context as defaultContext } from "../context.js"
import { type ConnectionOptions, encodeOptions } from "../io/host-protocol.js"
import { createChannelPorts, type IoLink } from "../io/io-link.js"
import { decodeEvent, Observer } from "../observer.js"
import { Inbox, type InboxHandler, Outbox } from "../ring/channel.js"
import { FrameAssembler } from "../ring/frame-assembler.js"
import { PEER_CONNECTED, RecordKind, readFrames, SUBSCRIBE } from "../ring/records.js"
import { createRing } from "../ring/ring-buffer.js"
import { TransferPool } from "../ring/transfer-pool.js"
import type { FairQueue } from "./fair-queue.js"
import { type Message, toFrames } from "./message.js"
import { SocketOptionAccessors } from "./option-accessors.js"
import type { SocketOptions } from "./options.js"
import { Peer } from "./peer.js"
import { WaitingCalls } from "./waiting-calls.js"

export type { Message, MessageLike } from "./message.js"

export interface SocketConstructorOptions extends Partial<SocketOptions> {
  context?: Context
}

/** The types on which `conflate` takes effect, as in libzmq; the others ignore it. */
const CONFLATING = new Set<SocketType>(["DEALER", "PULL", "PUSH", "PUB", "SUB"])

/** Pipe ids the socket allocates (for connect) start here; the host's stay below. */
const FIRST_SOCKET_PIPE = 0x80000000

/** Bytes in each ring direction. Messages over a quarter of this travel over the port instead. */
const RING_CAPACITY = 1 << 19

const RESOLVED = Promise.resolve()
const decoder = new TextDecoder()

/**
 * What every socket type shares: options, the channel to its IoHost, peer bookkeeping, and
 * ordered queues of waiting send() and receive() calls (any number may be outstanding; they are
 * served in call order). A socket type adds routing by implementing the x* hooks.
 *
 * Lives on the thread that created it.
 */
export abstract class SocketBase extends SocketOptionAccessors implements InboxHandler, Closable {
  /** The ZMTP socket type this class speaks. */
  readonly type: SocketType

  readonly context: Context
  /** The endpoint of the last successful bind(), with wildcards resolved. */
  lastEndpoint: string | null = null
  readonly finished: Promise<void>

  readonly #id: number
  readonly #io: IoLink
  readonly #port: MessagePort
  readonly #outbox: Outbox
  readonly #inbox: Inbox
  readonly #peers = new Map<number, Peer>()
  /** connect() endpoints and their pipe ids (0 with `immediate`). */
  readonly #connects = new Map<string, number>()
  /** Messages queued by the socket itself, which carry no receive credit. */
  readonly #notices = new WeakSet<Buffer[]>()
  #nextPipe = 0
  readonly #sends = new WaitingCalls<void, Uint8Array[]>("send")
  readonly #receives = new WaitingCalls<Buffer[]>("receive")
  #closed = false
  #finish!: () => void
  #observer: Observer | null = null

  constructor(type: SocketType, options: SocketConstructorOptions = {}) {
    super()
    const { context = defaultContext, ...rest } = options
    this.type = type
    this.context = context
    this.applyOptions(rest)
    this.finished = new Promise((resolve) => {
      this.#finish = resolve
    })
    const { id, io } = context.register(this)
    this.#id = id
    this.#io = io
    const toHost = createRing(RING_CAPACITY)
    const toSocket = createRing(RING_CAPACITY)
    const [mine, theirs] = createChannelPorts()
    this.#port = mine
    const pool = new TransferPool()
    pool.onReturn = () => this.retrySends()
    this.#outbox = new Outbox(toHost, mine, true, pool)
    this.#outbox.onBacklogDrained = () => this.retrySends()
    // The Inbox listens on the port (large frames arrive there), which also keeps the event loop
    // alive while the socket is open: a pending Atomics.waitAsync does not. The port closing
    // tells the host that this thread is gone.
    this.#inbox = new Inbox(toSocket, mine, this, pool)
    this.#inbox.start()
    void io.attach({ socketId: id, type, toHost, toSocket }, theirs).catch(() => {})
  }

  get closed(): boolean {
    return this.#closed
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
  protected get conflates(): boolean {
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
    }
  }

  // ---- endpoints -----------------------------------------------------------------------------

  /** Binds to an endpoint; `tcp://127.0.0.1:*` picks a free port (see lastEndpoint). */
  async bind(address: string): Promise<void> {
    this.#checkOpen()
    parseEndpoint(address, true)
    this.lastEndpoint = await this.#io.bindEndpoint(this.#id, address, this.#connectionOptions())
  }

  async unbind(address: string): Promise<void> {
    this.#checkOpen()
    parseEndpoint(address, true)
    await this.#io.unbindEndpoint(this.#id, address)
  }

  /**
   * Connects in the background, retrying until the peer is there; bad endpoints throw here.
   * Unless `immediate` is set, the pipe exists at once (as in libzmq): messages sent before the
   * connection is up queue on it, up to the high-water mark.
   */
  connect(address: string): void {
    this.#checkOpen()
    parseEndpoint(address, false)
    const options = this.#connectionOptions()
    let pipeId = 0
    if (!options.immediate) {
      pipeId = (FIRST_SOCKET_PIPE + this.#nextPipe++) >>> 0
      const peer = new Peer(pipeId, address)
      peer.connected = true
      peer.creditBatch = creditBatch(options.receiveHighWaterMark || NO_LIMIT)
      peer.sendLimit = options.sendHighWaterMark
      this.#peers.set(pipeId, peer)
      if (!this.xattach(peer)) {
        this.#peers.delete(pipeId)
        return
      }
    }
    this.#connects.set(address, pipeId)
    const frames = [Buffer.from(address), encodeOptions(options)]
    this.#outbox.push(RecordKind.Connect, pipeId, frames.length, frames)
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
        ? [this.#peers.get(pipeId)]
        : [...this.#peers.values()].filter((p) => p.connected && p.endpoint === address)
    for (const peer of pipes) {
      if (!peer) continue
      peer.inbound.drain()
      this.#detach(peer)
    }
    const frames = [Buffer.from(address)]
    this.#outbox.push(RecordKind.Disconnect, 0, frames.length, frames)
  }

  // ---- send / receive ------------------------------------------------------------------------

  /**
   * Queues a message (one frame or an array of frames) for sending. Resolves once the socket has
   * accepted it; waits while the socket type cannot route it (no peer, or every peer at its
   * high-water mark) and rejects with EAGAIN after `sendTimeout`.
   */
  send(message: Message): Promise<void> {
    if (this.#closed) return Promise.reject(badSocket())
    let frames: Uint8Array[]
    try {
      frames = toFrames(message)
      if (this.#sends.length === 0 && this.#outbox.canSend(frames) && this.xsend(frames)) {
        return RESOLVED
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#sends.wait(frames, this.options.sendTimeout)
  }

  /** Resolves with the next message's frames; rejects with EAGAIN after `receiveTimeout`. */
  receive(): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(badSocket())
    if (this.#receives.length === 0) {
      try {
        const frames = this.xrecv()
        if (frames) return Promise.resolve(frames)
      } catch (err) {
        return Promise.reject(err)
      }
    }
    return this.#receives.wait(undefined, this.options.receiveTimeout)
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined> {
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
    this.#sends.rejectAll(closedError())
    this.#receives.rejectAll(closedError())
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
    this.#outbox.push(RecordKind.Close, 0, this.options.linger >>> 0)
    try {
      await this.#io.closed(this.#id)
    } catch {
      // The host is gone already (terminated context): nothing left to flush.
    }
    this.#inbox.drainNow() // the host's last events (listeners closed) come before "end"
    this.#inbox.close()
    this.#outbox.close()
    this.#port.close()
    this.context.unregister(this)
    this.#observer?.deliver({ type: "end" })
    this.#finish()
  }

  #checkOpen(): void {
    if (this.#closed) throw badSocket()
  }

  // ---- hooks for socket types ----------------------------------------------------------------

  /** Routes a message now, or returns false to wait for credit or a peer. May throw. */
  protected abstract xsend(frames: Uint8Array[]): boolean
  /** Takes the next message for the application, or null. */
  protected abstract xrecv(): Buffer[] | null
  /** A peer pipe appeared; return false to refuse it (the host then drops the connection). */
  protected abstract xattach(peer: Peer): boolean
  /** A previously attached peer is gone. */
  protected abstract xdetach(peer: Peer): void
  /** A message arrived from `peer`. */
  protected abstract xmessage(peer: Peer, frames: Buffer[]): void
  /** The handshake with a peer (re)completed; its type and routing id are now known. */
  protected xready(_peer: Peer): void {}

  /** Writes a whole message to a peer and charges its send credit. */
  protected write(peer: Peer, frames: readonly Uint8Array[]): void {
    peer.outstanding++
    this.#outbox.pushMessage(peer.id, frames)
  }

  /** Call after taking a message of `peer`: returns receive credit to the host in batches. */
  protected consumed(peer: Peer): void {
    if (peer.gone) return
    if (++peer.consumed >= peer.creditBatch) {
      this.#outbox.push(RecordKind.Credit, peer.id, peer.consumed)
      peer.consumed = 0
    }
  }

  /**
   * Queues a received message for the application. With `conflate` only the newest stays, and
   * its credit goes back at once, so the host keeps sending newer ones (it holds back only the
   * newest when this thread falls behind): a read gets the newest message, as in libzmq.
   */
  protected enqueue(fq: FairQueue, peer: Peer, frames: Buffer[]): void {
    if (this.conflates) {
      fq.clear() // credited when they arrived
      this.enqueueNotice(fq, peer, frames)
      this.consumed(peer)
      return
    }
    fq.push(peer, frames)
  }

  /** Takes the next fair-queued message and accounts its receive credit. */
  protected takeFrom(fq: FairQueue): [Peer, Buffer[]] | null {
    const next = fq.pop()
    if (next && !this.#notices.has(next[1])) this.consumed(next[0])
    return next
  }

  /**
   * Queues a message the socket made itself (a STREAM connect notice, an XPUB unsubscription
   * for a departed peer): taking it returns no credit, since the host never counted it.
   */
  protected enqueueNotice(fq: FairQueue, peer: Peer, frames: Buffer[]): void {
    this.#notices.add(frames)
    fq.push(peer, frames)
  }

  /** Sends a SUBSCRIBE (true) or CANCEL to one peer (the host picks command or data frame). */
  protected sendSubscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    this.#outbox.push(RecordKind.Command, peer.id, 1, [topic], subscribe ? SUBSCRIBE : 0)
  }

  /** Peers whose handshake completed (their type is known). */
  protected *readyPeers(): Iterable<Peer> {
    for (const peer of this.#peers.values()) if (peer.socketType !== "") yield peer
  }

  /** Asks the host to drop a peer's connection. */
  protected reject(peer: Peer): void {
    this.#outbox.push(RecordKind.ClosePeer, peer.id, 0)
  }

  /** Serves waiting send() calls after credit or a peer became available. */
  protected retrySends(): void {
    const sends = this.#sends
    while (sends.length > 0) {
      const frames = sends.peek()!
      if (!this.#outbox.canSend(frames)) return
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
      receives.resolveNext(frames)
    }
  }

  // ---- InboxHandler: records from the host ---------------------------------------------------

  /** @internal */
  onMessage(peerId: number, bytes: Uint8Array, view: DataView, at: number): void {
    const peer = this.#peers.get(peerId)
    if (peer) this.xmessage(peer, readFrames(bytes, view, at))
  }

  /** @internal */
  onFrameStart(peerId: number, size: number, more: boolean): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return
    peer.assembly ??= new FrameAssembler()
    const frames = peer.assembly.start(size, more)
    if (frames) this.xmessage(peer, frames)
  }

  /** @internal */
  onChunk(peerId: number, bytes: Uint8Array, owned: boolean): void {
    const peer = this.#peers.get(peerId)
    const frames = peer?.assembly?.add(bytes, owned)
    if (frames) this.xmessage(peer!, frames)
  }

  /** @internal */
  onControl(kind: RecordKind, flags: number, peerId: number, count: number, at: number): void {
    if (kind === RecordKind.Event) {
      const [json] = readFrames(this.#inboxBytes, this.#inboxView, at)
      this.#observer?.deliver(decodeEvent(decoder.decode(json)))
      return
    }
    if (kind === RecordKind.Credit) {
      const peer = this.#peers.get(peerId)
      if (peer) peer.outstanding -= count
      return
    }
    if (kind === RecordKind.PeerUp) {
      const [type, routingId, endpoint, limits] = readFrames(this.#inboxBytes, this.#inboxView, at)
      let peer = this.#peers.get(peerId)
      if (!peer) {
        peer = new Peer(peerId, decoder.decode(endpoint))
        peer.connected = (flags & PEER_CONNECTED) !== 0
        this.#peers.set(peerId, peer)
        if (!this.xattach(peer)) {
          this.#peers.delete(peerId)
          peer.gone = true
          this.reject(peer)
          return
        }
      }
      // Credit follows the limits the connection was made with, not today's option values.
      peer.creditBatch = creditBatch(limits!.readUInt32LE(0))
      peer.sendLimit = limits!.readUInt32LE(4)
      if (type!.byteLength > 0) {
        peer.assembly = null // a message cut short by the old connection is gone with it
        peer.socketType = decoder.decode(type)
        peer.routingId = routingId!
        this.xready(peer)
      }
      return
    }
    if (kind === RecordKind.PeerDown) {
      const peer = this.#peers.get(peerId)
      if (peer) this.#detach(peer)
    }
  }

  #detach(peer: Peer): void {
    this.#peers.delete(peer.id)
    peer.gone = true
    this.xdetach(peer)
  }

  /** @internal */
  onDrained(): void {
    if (this.#sends.length > 0) this.retrySends()
    if (this.#receives.length > 0) this.retryReceives()
  }

  get #inboxBytes(): Uint8Array {
    return this.#inbox.bytes
  }
  get #inboxView(): DataView {
    return this.#inbox.view
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}

/** The host's "no limit" receive high-water mark (see HostedSocket). */
const NO_LIMIT = 0x7fffffff

/** Credit goes back in batches of half the receive limit, as libzmq's low-water mark. */
function creditBatch(limit: number): number {
  return limit >= NO_LIMIT ? 512 : Math.max(1, (limit + 1) >>> 1)
}

/** For calls made after close(). */
function badSocket(): ZmqError {
  return new ZmqError("EBADF", "socket is closed")
}
