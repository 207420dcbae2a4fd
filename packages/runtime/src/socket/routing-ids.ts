import { ZmqError } from "@omq/transport"
import type { Peer } from "./peer.js"

/**
 * Routing ids of a ROUTER's or STREAM's peers: the id chosen with connect(ep, { routingId }),
 * else the Identity the peer announced, else a generated 5-byte id (0x00 + a 32-bit counter),
 * as libzmq does. Ids are kept as latin1 strings (one char per byte) for map keys.
 */
export class RoutingIds {
  readonly #byId = new Map<string, Peer>()
  readonly #idOf = new Map<Peer, string>()
  /** Peers that announced an id already held, in arrival order, waiting for it. */
  readonly #waiting = new Map<string, Peer[]>()
  /** Ids chosen for connect() endpoints. */
  readonly #chosen = new Map<string, string>()
  #next = 0

  /** Records the id a connect() asked for (validated here, at the call). */
  choose(address: string, routingId: string | undefined): void {
    if (routingId === undefined) return
    if (typeof routingId !== "string" || routingId.length === 0) {
      throw new ZmqError("EINVAL", "routingId must be a non-empty string")
    }
    this.#chosen.set(address, Buffer.from(routingId).toString("latin1"))
  }

  /** The id a newly ready peer should get. */
  resolve(peer: Peer, announced: Uint8Array): string {
    const id = this.#chosen.get(peer.endpoint) ?? Buffer.from(announced).toString("latin1")
    if (id.length > 0) return id
    const generated = Buffer.alloc(5)
    generated.writeUInt32BE(this.#next++ >>> 0, 1)
    return generated.toString("latin1")
  }

  /** The peer holding `id`. */
  holder(id: string): Peer | undefined {
    return this.#byId.get(id)
  }

  bind(peer: Peer, id: string): void {
    this.#byId.set(id, peer)
    this.#idOf.set(peer, id)
  }

  has(peer: Peer): boolean {
    return this.#idOf.has(peer)
  }

  /** The peer a message's first frame names. */
  peer(idFrame: Uint8Array): Peer | undefined {
    return this.#byId.get(Buffer.from(idFrame).toString("latin1"))
  }

  idOf(peer: Peer): Buffer | undefined {
    const id = this.#idOf.get(peer)
    return id === undefined ? undefined : Buffer.from(id, "latin1")
  }

  /** Queues a peer for an id that another peer holds. */
  wait(peer: Peer, id: string): void {
    const queue = this.#waiting.get(id)
    if (queue) queue.push(peer)
    else this.#waiting.set(id, [peer])
  }

  /**
   * Forgets a departed peer. When it held an id that others wait for, returns the first of
   * them, which the caller then binds to the id.
   */
  forget(peer: Peer): { peer: Peer; id: string } | undefined {
    const id = this.#idOf.get(peer)
    if (id === undefined) {
      this.#leaveWaiting(peer)
      return undefined
    }
    this.#idOf.delete(peer)
    if (this.#byId.get(id) !== peer) return undefined
    this.#byId.delete(id)
    const queue = this.#waiting.get(id)
    const next = queue?.shift()
    if (queue?.length === 0) this.#waiting.delete(id)
    return next && { peer: next, id }
  }

  #leaveWaiting(peer: Peer): void {
    for (const [id, queue] of this.#waiting) {
      const at = queue.indexOf(peer)
      if (at < 0) continue
      queue.splice(at, 1)
      if (queue.length === 0) this.#waiting.delete(id)
      return
    }
  }
}
