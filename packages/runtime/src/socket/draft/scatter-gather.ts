import type { Message } from "../message.js"
import type { Peer } from "../peer.js"
import { Pull } from "../pull.js"
import { Push } from "../push.js"
import type { SocketConstructorOptions } from "../socket-base.js"
import { singleFrame } from "./single-frame.js"

/**
 * SCATTER (draft): a single-frame PUSH toward GATHERs. `conflate` keeps only the newest message
 * per peer; libzmq 4.3.5 ignores conflate on this type, zeromq.js offers it, and omq honours it.
 */
export class Scatter extends Push {
  constructor(options?: SocketConstructorOptions) {
    super(options, "SCATTER")
  }

  protected override framesToSend(message: Message): Uint8Array[] {
    return [singleFrame("SCATTER", message)]
  }
}

/** GATHER (draft): a single-frame PULL from SCATTERs; a multipart message is dropped whole. */
export class Gather extends Pull {
  constructor(options?: SocketConstructorOptions) {
    super(options, "GATHER")
  }

  protected override xmessage(peer: Peer, frames: Buffer[]): void {
    if (frames.length === 1) super.xmessage(peer, frames)
    else this.consumed(peer)
  }
}
