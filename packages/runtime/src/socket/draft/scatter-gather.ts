import type { Message, MessageLike } from "../message.js"
import type { Peer } from "../peer.js"
import { Pull } from "../pull.js"
import { Push } from "../push.js"
import type { SocketConstructorOptions, WithProperties } from "../socket-base.js"
import type { Readable, Writable } from "../socket-capabilities.js"
import { singleFrame } from "./single-frame.js"

/**
 * SCATTER (draft): a single-frame PUSH toward GATHERs. `conflate` keeps only the newest message
 * per peer; libzmq 4.3.5 ignores conflate on this type, zeromq.js offers it, and omq honours it.
 */
export class Scatter extends Push implements Writable<MessageLike> {
  constructor(options?: SocketConstructorOptions) {
    super(options, "SCATTER")
  }

  protected override framesToSend(message: Message): Uint8Array[] {
    return [singleFrame("SCATTER", message)]
  }
}

/** SCATTER sends single-frame messages (see socket-capabilities.ts). */
export interface Scatter {
  send(message: MessageLike): Promise<void>
  trySend(message: MessageLike): boolean
}

/** GATHER (draft): a single-frame PULL from SCATTERs; a multipart message is dropped whole. */
export class Gather extends Pull implements Readable<[Buffer]> {
  constructor(options?: SocketConstructorOptions) {
    super(options, "GATHER")
  }

  protected override xmessage(peer: Peer, frames: Buffer[]): void {
    if (frames.length === 1) super.xmessage(peer, frames)
    else this.consumed(peer)
  }
}

/** GATHER receives single-frame messages (see socket-capabilities.ts). */
export interface Gather {
  receive(): Promise<[Buffer]>
  receiveWithProperties(): Promise<WithProperties<[Buffer]>>
  [Symbol.asyncIterator](): AsyncGenerator<[Buffer], void, undefined>
}
