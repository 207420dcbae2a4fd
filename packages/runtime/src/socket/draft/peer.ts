import { ZmqError } from "@omq/transport"
import type { Peer as Pipe } from "../peer.js"
import type { SocketConstructorOptions } from "../socket-base.js"
import { Server } from "./server.js"

/**
 * PEER (draft): a SERVER that also connects, to other PEERs. `connectPeer(endpoint)` (libzmq's
 * zmq_connect_peer) returns the routing id of the pipe the connect makes, so a message can be
 * sent to the peer before its connection is even up. Otherwise it behaves as a SERVER.
 */
export class Peer extends Server {
  #attachedNow: Pipe | null = null

  constructor(options?: SocketConstructorOptions) {
    super(options, "PEER")
  }

  /** Connects and returns the new pipe's routing id; EFAULT with `immediate` (no pipe yet). */
  connectPeer(address: string): number {
    if (this.immediate) {
      throw new ZmqError("EFAULT", "connectPeer needs immediate off: there is no pipe to name")
    }
    this.#attachedNow = null
    this.connect(address)
    const pipe = this.#attachedNow as Pipe | null
    this.#attachedNow = null
    const id = pipe && this.routingIdOf(pipe)
    if (id === undefined || id === null) {
      throw new ZmqError("EFAULT", `connect to ${address} made no pipe`)
    }
    return id
  }

  protected override xattach(pipe: Pipe): boolean {
    this.#attachedNow = pipe
    return super.xattach(pipe)
  }
}
