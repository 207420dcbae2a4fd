import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import type { RoutedMessage } from "./message-calls.js"
import type { Peer } from "./peer.js"
import { RoutingIds } from "./routing-ids.js"
import {
  type MessageLike,
  SocketBase,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

export interface RouterOptions extends SocketConstructorOptions {
  /** Unknown routing ids (or a full peer) reject send() instead of dropping. Default false. */
  mandatory?: boolean
  /** A new connection with a routing id already in use takes it over. Default false. */
  handover?: boolean
  /** Send an empty message to each peer as its connection is made. Default false. */
  probeRouter?: boolean
}

export interface RouterConnectOptions {
  /** The routing id this socket will use for the peer it connects to. */
  routingId?: string
}

/**
 * ROUTER: every received message is prefixed with its peer's routing id; a sent message is
 * routed by its first frame. A peer's id is the Identity it announced, or else a generated
 * 5-byte id (0x00 + a 32-bit counter), as libzmq does.
 */
export class Router extends SocketBase implements Readable, Writable<MessageLike[]> {
  readonly #fq = new FairQueue()
  readonly #ids = new RoutingIds()
  mandatory: boolean
  handover: boolean
  probeRouter: boolean

  constructor(options: RouterOptions = {}) {
    const { mandatory = false, handover = false, probeRouter = false, ...rest } = options
    super("ROUTER", rest)
    this.mandatory = mandatory
    this.handover = handover
    this.probeRouter = probeRouter
  }

  /** Like SocketBase#connect, optionally naming the peer's routing id. */
  override connect(address: string, options: RouterConnectOptions = {}): void {
    this.#ids.choose(address, options.routingId)
    super.connect(address)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    if (frames.length < 2) {
      throw new ZmqError("EINVAL", "a ROUTER message needs a routing id frame and a body")
    }
    const peer = this.#ids.peer(frames[0]!)
    if (!peer) {
      if (this.mandatory) throw new ZmqError("EHOSTUNREACH", "no peer with that routing id")
      return true // dropped, as libzmq does without ROUTER_MANDATORY
    }
    if (peer.full) {
      if (this.mandatory) throw new ZmqError("EAGAIN", "peer is at its high-water mark")
      return true
    }
    this.write(peer, frames.slice(1))
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

  /**
   * A connect pipe given a routing id at connect() is named at once, as libzmq names it
   * (ZMQ_CONNECT_ROUTING_ID): messages routed to it queue until the connection is up.
   */
  protected xattach(peer: Peer): boolean {
    const chosen = peer.connected ? this.#ids.chosen(peer.endpoint) : undefined
    if (chosen !== undefined && !this.#ids.holder(chosen)) this.#identify(peer, chosen)
    return true
  }

  /** Identifies a peer once its handshake told us its Identity. */
  protected override xready(peer: Peer): void {
    if (this.#ids.has(peer)) return
    const id = this.#ids.resolve(peer, peer.routingId)
    const holder = this.#ids.holder(id)
    if (holder) {
      if (!this.handover) {
        // As libzmq, the newcomer is ignored, not dropped: dropping would only make it redial
        // (and a connect pipe of ours redial) for ever. Its messages are discarded. It takes
        // the id over once the holder leaves, which libzmq does not do.
        this.#ids.wait(peer, id)
        return
      }
      this.#ids.forget(holder)
      this.reject(holder)
    }
    this.#identify(peer, id)
  }

  #identify(peer: Peer, id: string): void {
    this.#ids.bind(peer, id)
    if (this.probeRouter) this.write(peer, [new Uint8Array(0)])
  }

  protected xdetach(peer: Peer): void {
    const id = this.#ids.forget(peer)
    const next = id === undefined ? undefined : this.#ids.takeWaiting(id)
    if (next) this.#identify(next, id!)
  }

  /** The id is prefixed now, so a message outlives its peer's departure, as in libzmq. */
  protected xmessage(peer: Peer, frames: Buffer[]): void {
    const id = this.#ids.idOf(peer)
    if (id) this.enqueue(this.#fq, peer, [id, ...frames])
    else this.consumed(peer) // a peer waiting for its id: its messages are discarded
  }
}

/**
 * ROUTER sends and receives (see socket-capabilities.ts); what it sends starts with the routing
 * id (see RoutedMessage).
 */
export interface Router {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties<Buffer[]>>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
  send<Frames extends MessageLike[] | []>(message: RoutedMessage<Frames>): Promise<void>
  trySend<Frames extends MessageLike[] | []>(message: RoutedMessage<Frames>): boolean
}
