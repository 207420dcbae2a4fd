import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import { RoutingIds } from "./routing-ids.js"
import {
  type MessageLike,
  SocketBase,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

export interface StreamOptions extends SocketConstructorOptions {
  /** Deliver [id, ""] when a connection opens or closes. Default true. */
  notify?: boolean
}

export interface StreamConnectOptions {
  /** The routing id to give the connection. */
  routingId?: string
}

const EMPTY = Buffer.alloc(0)

/**
 * STREAM: raw tcp, no ZMTP. Each read from a connection arrives as [id, data]; sending
 * [id, data] writes the bytes to that connection, and [id, ""] closes it. With `notify`,
 * [id, ""] also announces each connection that opens or closes.
 */
export class Stream extends SocketBase implements Readable<StreamMessage>, Writable<StreamSend> {
  readonly #fq = new FairQueue()
  readonly #ids = new RoutingIds()
  /** Peers whose connection came up (xready), told apart from pipes named at connect(). */
  readonly #ready = new WeakSet<Peer>()
  notify: boolean

  constructor(options: StreamOptions = {}) {
    const { notify = true, ...rest } = options
    super("STREAM", rest)
    this.notify = notify
  }

  /** Like SocketBase#connect, optionally naming the connection's routing id. */
  override connect(address: string, options: StreamConnectOptions = {}): void {
    this.#ids.choose(address, options.routingId)
    super.connect(address)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    if (frames.length !== 2) throw new ZmqError("EINVAL", "a STREAM message is [routing id, data]")
    const peer = this.#ids.peer(frames[0]!)
    if (!peer) throw new ZmqError("EHOSTUNREACH", "no connection with that routing id")
    if (frames[1]!.byteLength === 0) this.reject(peer)
    else this.write(peer, [frames[1]!])
    return true
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  /** Always, as libzmq: whether a message can go depends on where it is routed. */
  protected override xhasOut(): boolean {
    return true
  }

  /** A connect pipe given a routing id is named at once, as a ROUTER's (see Router#xattach). */
  protected xattach(peer: Peer): boolean {
    const chosen = peer.connected ? this.#ids.chosen(peer.endpoint) : undefined
    if (chosen !== undefined && !this.#ids.holder(chosen)) this.#ids.bind(peer, chosen)
    return true
  }

  protected override xready(peer: Peer): void {
    if (this.#ready.has(peer)) return
    this.#ready.add(peer)
    if (!this.#ids.has(peer)) this.#ids.bind(peer, this.#ids.resolve(peer, new Uint8Array(0)))
    if (!this.notify) return
    this.enqueueNotice(this.#fq, peer, [this.#ids.idOf(peer)!, EMPTY])
    this.retryReceives()
  }

  protected xdetach(peer: Peer): void {
    const id = this.#ids.idOf(peer)
    if (this.notify && id) this.enqueueNotice(this.#fq, peer, [id, EMPTY])
    this.#ids.forget(peer)
    this.#ready.delete(peer)
  }

  /** Messages are queued with their id already in front: it must outlive the connection. */
  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.enqueue(this.#fq, peer, [this.#ids.idOf(peer) ?? EMPTY, ...frames])
  }
}

/** What a STREAM receives: the connection's routing id, then the bytes read (or "" for a notice). */
export type StreamMessage = [routingId: Buffer, data: Buffer]
/** What a STREAM sends: the connection's routing id, then the bytes (or "" to close it). */
export type StreamSend = [routingId: MessageLike, data: MessageLike]

/** STREAM sends and receives two frames, [routing id, data] (see socket-capabilities.ts). */
export interface Stream {
  receive(): Promise<StreamMessage>
  receiveWithProperties(): Promise<WithProperties<StreamMessage>>
  [Symbol.asyncIterator](): AsyncGenerator<StreamMessage, void, undefined>
  send(message: StreamSend): Promise<void>
  trySend(message: StreamSend): boolean
}
