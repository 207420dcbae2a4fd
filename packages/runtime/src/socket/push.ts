import { ZmqError } from "@omq/transport"
import { LoadBalancer } from "./load-balancer.js"
import type { Peer } from "./peer.js"
import { SocketBase, type SocketConstructorOptions } from "./socket-base.js"

/**
 * PUSH: round-robins messages over the peers that have room; send() waits when there is no
 * peer or all are at their high-water mark. It never receives.
 */
export class Push extends SocketBase {
  constructor(options?: SocketConstructorOptions) {
    super("PUSH", options)
  }

  readonly #lb = new LoadBalancer()

  protected xsend(frames: Uint8Array[]): boolean {
    const peer = this.#lb.pick(this.options.sendHighWaterMark)
    if (!peer) return false
    this.write(peer, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    throw new ZmqError("ENOTSUP", "PUSH sockets cannot receive")
  }

  protected xattach(peer: Peer): boolean {
    this.#lb.add(peer)
    return true
  }

  protected xdetach(peer: Peer): void {
    this.#lb.remove(peer)
  }

  protected xmessage(): void {
    // A PUSH peer has nothing to say; anything it sends is dropped, as libzmq does.
  }
}
