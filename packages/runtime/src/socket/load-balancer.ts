import type { Peer } from "./peer.js"

/**
 * Round-robin over the peers that have send credit, like libzmq's lb_t: each message goes to
 * the next peer in attach order that is below its high-water mark.
 */
export class LoadBalancer {
  readonly #peers: Peer[] = []
  #next = 0

  add(peer: Peer): void {
    this.#peers.push(peer)
  }

  remove(peer: Peer): void {
    const i = this.#peers.indexOf(peer)
    if (i < 0) return
    this.#peers.splice(i, 1)
    if (this.#next > i) this.#next--
    if (this.#next >= this.#peers.length) this.#next = 0
  }

  /** Some peer is below its send limit (pick() would find one). */
  get hasRoom(): boolean {
    return this.#peers.some((peer) => !peer.full)
  }

  /** The next peer below its send limit, or null when all are full. */
  pick(): Peer | null {
    const peers = this.#peers
    const n = peers.length
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n
      const peer = peers[i]!
      if (!peer.full) {
        this.#next = (i + 1) % n
        return peer
      }
    }
    return null
  }
}
