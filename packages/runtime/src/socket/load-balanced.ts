import type { SocketType } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import { LoadBalancer } from "./load-balancer.js"
import type { Peer } from "./peer.js"
import { SocketBase, type SocketConstructorOptions } from "./socket-base.js"

const EMPTY = new Uint8Array(0)

/**
 * The shape DEALER, PUSH and REQ share (libzmq's lb_t + fq_t): sends round-robin over the peers
 * with room, receives fair-queue over the peers with messages.
 */
export abstract class LoadBalancedSocket extends SocketBase {
  readonly #lb = new LoadBalancer()
  protected readonly fq = new FairQueue()
  /** Send an empty message to each peer when its connection is made (ZMQ_PROBE_ROUTER). */
  protected probe = false

  constructor(type: SocketType, options?: SocketConstructorOptions) {
    super(type, options)
  }

  protected override xready(peer: Peer): void {
    if (this.probe) this.write(peer, [EMPTY])
  }

  /** Writes to the next peer with room and returns it, or null when all are full. */
  protected sendToNext(frames: Uint8Array[]): Peer | null {
    const peer = this.#lb.pick()
    if (peer) this.write(peer, frames)
    return peer
  }

  protected xsend(frames: Uint8Array[]): boolean {
    return this.sendToNext(frames) !== null
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.fq.hasMessages
  }

  protected override xhasOut(): boolean {
    return this.#lb.hasRoom
  }

  protected xattach(peer: Peer): boolean {
    this.#lb.add(peer)
    return true
  }

  protected xdetach(peer: Peer): void {
    this.#lb.remove(peer)
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.enqueue(this.fq, peer, frames)
  }
}
