import { FairQueue } from "./fair-queue.js"
import { LoadBalancer } from "./load-balancer.js"
import type { Peer } from "./peer.js"
import { SocketBase, type SocketConstructorOptions } from "./socket-base.js"

/**
 * DEALER: round-robins sends over the peers that have room (like PUSH) and fair-queues what
 * they send back (like PULL). Messages pass unchanged, with no envelope of its own.
 */
export class Dealer extends SocketBase {
  readonly #lb = new LoadBalancer()
  readonly #fq = new FairQueue()

  constructor(options?: SocketConstructorOptions) {
    super("DEALER", options)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const peer = this.#lb.pick(this.options.sendHighWaterMark)
    if (!peer) return false
    this.write(peer, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected xattach(peer: Peer): boolean {
    this.#lb.add(peer)
    return true
  }

  protected xdetach(peer: Peer): void {
    this.#lb.remove(peer)
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.#fq.push(peer, frames)
  }
}
