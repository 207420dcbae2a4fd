import type { Message } from "../message.js"
import { Pair } from "../pair.js"
import type { Peer } from "../peer.js"
import type { SocketConstructorOptions } from "../socket-base.js"
import { singleFrame } from "./single-frame.js"

/**
 * CHANNEL (draft): a single-frame PAIR, libzmq's thread-safe replacement for PAIR. Exactly one
 * peer; a multipart message arriving is dropped whole.
 */
export class Channel extends Pair {
  constructor(options?: SocketConstructorOptions) {
    super(options, "CHANNEL")
  }

  protected override framesToSend(message: Message): Uint8Array[] {
    return [singleFrame("CHANNEL", message)]
  }

  protected override xmessage(peer: Peer, frames: Buffer[]): void {
    if (frames.length === 1) super.xmessage(peer, frames)
    else this.consumed(peer)
  }
}
