import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
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
  /** Identified peers by routing id (latin1: one char per byte). */
  readonly #byId = new Map<string, Peer>()
  readonly #idOf = new Map<Peer, string>()
  /** Routing ids chosen with connect(ep, { routingId }), by pipe. */
  readonly #chosen = new Map<string, string>()
  #nextId = 0
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
    if (options.routingId !== undefined) {
      if (typeof options.routingId !== "string" || options.routingId.length === 0) {
        throw new ZmqError("EINVAL", "routingId must be a non-empty string")
      }
      this.#chosen.set(address, Buffer.from(options.routingId).toString("latin1"))
    }
    super.connect(address)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    if (frames.length < 2) {
      throw new ZmqError("EINVAL", "a ROUTER message needs a routing id frame and a body")
    }
    const id = Buffer.from(frames[0]!).toString("latin1")
    const peer = this.#byId.get(id)
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
    const next = this.takeFrom(this.#fq)
    if (!next) return null
    const id = this.#idOf.get(next[0])
    return id === undefined ? null : [Buffer.from(id, "latin1"), ...next[1]]
  }

  protected xattach(): boolean {
    return true
  }

  /** Identifies a peer once its handshake told us its Identity. */
  protected override xready(peer: Peer): void {
    if (this.#idOf.has(peer)) return
    let id = this.#chosen.get(peer.endpoint) ?? Buffer.from(peer.routingId).toString("latin1")
    if (id.length === 0) id = this.#generateId()
    const holder = this.#byId.get(id)
    if (holder) {
      if (!this.handover) {
        this.reject(peer) // libzmq ignores a second connection with an id in use
        return
      }
      this.#idOf.delete(holder)
      this.reject(holder)
    }
    this.#byId.set(id, peer)
    this.#idOf.set(peer, id)
    if (this.probeRouter) this.write(peer, [new Uint8Array(0)])
  }

  protected xdetach(peer: Peer): void {
    const id = this.#idOf.get(peer)
    if (id === undefined) return
    this.#idOf.delete(peer)
    if (this.#byId.get(id) === peer) this.#byId.delete(id)
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    if (this.#idOf.has(peer)) this.#fq.push(peer, frames)
  }

  #generateId(): string {
    const id = Buffer.alloc(5)
    id.writeUInt32BE(this.#nextId++ >>> 0, 1)
    return id.toString("latin1")
  }
}
