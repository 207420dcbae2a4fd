import type { Message, MessageLike } from "../message.js"
import { Pair } from "../pair.js"
import type { Peer } from "../peer.js"
import type { SocketConstructorOptions, WithProperties } from "../socket-base.js"
import type { Readable, Writable } from "../socket-capabilities.js"
import { singleFrame } from "./single-frame.js"

/**
 * CHANNEL (draft): a single-frame PAIR, libzmq's thread-safe replacement for PAIR. Exactly one
 * peer; a multipart message arriving is dropped whole.
 */
export class Channel extends Pair implements Readable<[Buffer]>, Writable<MessageLike> {
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

/** CHANNEL sends and receives single-frame messages (see socket-capabilities.ts). */
export interface Channel {
  receive(): Promise<[Buffer]>
  receiveWithProperties(): Promise<WithProperties<[Buffer]>>
  [Symbol.asyncIterator](): AsyncGenerator<[Buffer], void, undefined>
  send(message: MessageLike): Promise<void>
  trySend(message: MessageLike): boolean
}
