import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import { RoutingIds } from "./routing-ids.js"
import { SocketBase, type SocketConstructorOptions } from "./socket-base.js"

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
export class Router extends SocketBase {
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
    const hwm = this.options.sendHighWaterMark
    if (hwm > 0 && peer.outstanding >= hwm) {
      if (this.mandatory) throw new ZmqError("EAGAIN", "peer is at its high-water mark")
      return true
    }
    this.write(peer, frames.slice(1))
    return true
  }

  protected xrecv(): Buffer[] | null {
    // A message whose peer has gone (its id forgotten) is skipped, not a reason to stop.
    for (let next = this.takeFrom(this.#fq); next; next = this.takeFrom(this.#fq)) {
      const id = this.#ids.idOf(next[0])
      if (id !== undefined) return [id, ...next[1]]
    }
    return null
  }

  protected xattach(): boolean {
    return true
  }

  /** Identifies a peer once its handshake told us its Identity. */
  protected override xready(peer: Peer): void {
    if (this.#ids.has(peer)) return
    const id = this.#ids.resolve(peer, peer.routingId)
    const holder = this.#ids.holder(id)
    if (holder) {
      if (!this.handover) {
        this.reject(peer) // libzmq ignores a second connection with an id in use
        return
      }
      this.#ids.forget(holder)
      this.reject(holder)
    }
    this.#ids.bind(peer, id)
    if (this.probeRouter) this.write(peer, [new Uint8Array(0)])
  }

  protected xdetach(peer: Peer): void {
    this.#ids.forget(peer)
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    if (this.#ids.has(peer)) this.enqueue(this.#fq, peer, frames)
    else this.consumed(peer)
  }
}
