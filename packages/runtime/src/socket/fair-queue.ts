import type { Peer } from "./peer.js"

/**
 * Fair queueing over the peers that have messages waiting, like libzmq's fq_t: one message from
 * each ready peer in turn. Messages of one peer keep their order.
 */
export class FairQueue {
  #ready: Peer[] = []
  #next = 0

  /** Queues a message from `peer`. */
  push(peer: Peer, frames: Buffer[]): void {
    if (peer.inbound.length === 0) this.#ready.push(peer)
    peer.inbound.push(frames)
  }

  /** Some peer has a message waiting. */
  get hasMessages(): boolean {
    return this.#ready.length > 0
  }

  /** Takes the next message in turn, or null when none waits. */
  pop(): [Peer, Buffer[]] | null {
    const ready = this.#ready
    while (ready.length > 0) {
      if (this.#next >= ready.length) this.#next = 0
      const peer = ready[this.#next]!
      const frames = peer.inbound.shift()
      if (peer.inbound.length === 0) ready.splice(this.#next, 1)
      else this.#next++
      if (frames) return [peer, frames] // none when discard() emptied the peer
    }
    return null
  }

  /** Drops every waiting message; returns the peer of each, for their credit. */
  clear(): Peer[] {
    const dropped: Peer[] = []
    for (const peer of this.#ready) for (const _ of peer.inbound.drain()) dropped.push(peer)
    this.#ready = []
    this.#next = 0
    return dropped
  }
}
