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
  readonly #waitingFor = new Map<Peer, string>()
  /** Ids chosen for connect() endpoints. */
  readonly #chosen = new Map<string, string>()
  /** As libzmq: the counter starts at a random value, so two ROUTERs do not hand out the same ids. */
  #next = (Math.random() * 0x1_0000_0000) >>> 0

  /** Records the id a connect() asked for (validated here, at the call). */
  choose(address: string, routingId: string | undefined): void {
    if (routingId === undefined) return
    if (typeof routingId !== "string" || routingId.length === 0) {
      throw new ZmqError("EINVAL", "routingId must be a non-empty string")
    }
    this.#chosen.set(address, Buffer.from(routingId).toString("latin1"))
  }

  /** The id connect() chose for `address`, if it chose one. */
  chosen(address: string): string | undefined {
    return this.#chosen.get(address)
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

  /** Gives `peer` its id; a peer has one id at most, so it stops waiting for any other. */
  bind(peer: Peer, id: string): void {
    this.#leaveWaiting(peer)
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

  /** Queues a peer for an id that another peer holds (once, for its latest id). */
  wait(peer: Peer, id: string): void {
    if (this.#waitingFor.get(peer) === id) return // a reconnected pipe announcing it again
    this.#leaveWaiting(peer)
    this.#waitingFor.set(peer, id)
    const queue = this.#waiting.get(id)
    if (queue) queue.push(peer)
    else this.#waiting.set(id, [peer])
  }

  /** Forgets a departed peer; returns the id it held, if any. */
  forget(peer: Peer): string | undefined {
    this.#leaveWaiting(peer)
    const id = this.#idOf.get(peer)
    if (id === undefined) return undefined
    this.#idOf.delete(peer)
    if (this.#byId.get(id) !== peer) return undefined
    this.#byId.delete(id)
    return id
  }

  /** The first live peer waiting for `id`, taken off the list. */
  takeWaiting(id: string): Peer | undefined {
    const queue = this.#waiting.get(id)
    let next = queue?.shift()
    while (next?.gone) next = queue?.shift()
    if (queue?.length === 0) this.#waiting.delete(id)
    if (next) this.#waitingFor.delete(next)
    return next
  }

  #leaveWaiting(peer: Peer): void {
    const id = this.#waitingFor.get(peer)
    if (id === undefined) return
    this.#waitingFor.delete(peer)
    const queue = this.#waiting.get(id)!
    queue.splice(queue.indexOf(peer), 1)
    if (queue.length === 0) this.#waiting.delete(id)
  }
}
