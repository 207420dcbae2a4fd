import { ZmqError } from "@omq/transport"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { Peer } from "./peer.js"
import type { Message, SocketConstructorOptions } from "./socket-base.js"
import type { Writable } from "./socket-capabilities.js"

/**
 * PUSH: round-robins messages over the peers that have room; send() waits when there is no
 * peer or all are at their high-water mark. It never receives.
 */
export class Push extends LoadBalancedSocket implements Writable {
  constructor(options?: SocketConstructorOptions, type: "PUSH" | "SCATTER" = "PUSH") {
    super(type, options)
  }

  protected override xhasIn(): boolean {
    return false
  }

  protected override xrecv(): Buffer[] | null {
    throw new ZmqError("ENOTSUP", "PUSH sockets cannot receive")
  }

  /** A PULL peer has nothing to say; anything it sends is dropped, as libzmq does. */
  protected override xmessage(peer: Peer): void {
    this.consumed(peer)
  }
}

/** PUSH sends (see socket-capabilities.ts). */
export interface Push {
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
