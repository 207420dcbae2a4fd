import { LoadBalancedSocket } from "../load-balanced.js"
import type { Message, MessageLike } from "../message.js"
import type { Peer } from "../peer.js"
import type { SocketConstructorOptions, WithProperties } from "../socket-base.js"
import type { Readable, Writable } from "../socket-capabilities.js"
import { singleFrame } from "./single-frame.js"

/**
 * CLIENT (draft): a single-frame DEALER that talks to SERVERs. Sends round-robin over the
 * servers with room, receives fair-queued; a multipart message arriving is dropped whole.
 */
export class Client
  extends LoadBalancedSocket
  implements Readable<[Buffer]>, Writable<MessageLike>
{
  constructor(options?: SocketConstructorOptions) {
    super("CLIENT", options)
  }

  protected override framesToSend(message: Message): Uint8Array[] {
    return [singleFrame("CLIENT", message)]
  }

  protected override xmessage(peer: Peer, frames: Buffer[]): void {
    if (frames.length === 1) this.enqueue(this.fq, peer, frames)
    else this.consumed(peer)
  }
}

/** CLIENT sends and receives single-frame messages (see socket-capabilities.ts). */
export interface Client {
  receive(): Promise<[Buffer]>
  receiveWithProperties(): Promise<WithProperties<[Buffer]>>
  [Symbol.asyncIterator](): AsyncGenerator<[Buffer], void, undefined>
  send(message: MessageLike): Promise<void>
  trySend(message: MessageLike): boolean
}
